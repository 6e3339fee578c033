// BIP-340 vectors through both Schnorr backends, their agreement on random inputs, and the verified-signature cache.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../../../test/vectors/bip340.json' with { type: 'json' };
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { bytesToHex, hexToBytes, type Bytes } from './bytes.ts';
import { sha256 } from './hash.ts';
import { SignatureChecker, nobleSchnorr, type SchnorrBackend } from './signatures.ts';
import { xOnlyPublicKey } from './taproot.ts';

interface Bip340Vector {
  index: number;
  secretKey: string;
  publicKey: string;
  auxRand: string;
  message: string;
  signature: string;
  comment: string;
}

const backends: readonly SchnorrBackend[] = [nobleSchnorr, wasmSchnorr];
const cases = [
  ...(vectors.valid as Bip340Vector[]).map((v) => ({ ...v, expected: true })),
  ...(vectors.invalid as Bip340Vector[]).map((v) => ({ ...v, expected: false })),
];
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe.each(backends)('BIP-340 vectors: $name', (backend) => {
  it.each(cases)('#$index verifies as $expected $comment', (v) => {
    expect(backend.verify(hexToBytes(v.signature), hexToBytes(v.message), hexToBytes(v.publicKey))).toBe(v.expected);
  });

  it.each(cases.filter((v) => v.secretKey !== ''))('#$index signs to the vector signature', (v) => {
    const sig = backend.sign(hexToBytes(v.message), hexToBytes(v.secretKey), hexToBytes(v.auxRand));
    expect(bytesToHex(sig)).toBe(v.signature);
  });
});

it('every BIP-340 vector with a secret key names its public key', () => {
  for (const v of cases.filter((c) => c.secretKey !== '')) expect(bytesToHex(xOnlyPublicKey(hexToBytes(v.secretKey)))).toBe(v.publicKey);
});

describe('the two backends agree', () => {
  const secretKey = fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .filter((b) => {
      const d = BigInt('0x' + bytesToHex(b));
      return d > 0n && d < CURVE_ORDER;
    });
  const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('give the same signatures and accept each other\'s signatures for random keys, messages and aux', () => {
    fc.assert(
      fc.property(secretKey, bytes32, bytes32, (sk, msg, aux) => {
        const a = nobleSchnorr.sign(msg, sk, aux);
        const b = wasmSchnorr.sign(msg, sk, aux);
        expect(bytesToHex(b)).toBe(bytesToHex(a));
        const pub = xOnlyPublicKey(sk);
        expect(nobleSchnorr.verify(a, msg, pub)).toBe(true);
        expect(wasmSchnorr.verify(a, msg, pub)).toBe(true);
      }),
      { seed: 42, numRuns: 40 },
    );
  });

  it('give the same verdicts after one byte of the signature, message or key is changed', () => {
    const part = fc.constantFrom('signature', 'message', 'publicKey');
    fc.assert(
      fc.property(secretKey, bytes32, bytes32, part, fc.nat(), fc.integer({ min: 1, max: 255 }), (sk, msg, aux, which, at, mask) => {
        const sig = nobleSchnorr.sign(msg, sk, aux);
        const input: Record<string, Bytes> = { signature: sig, message: msg, publicKey: xOnlyPublicKey(sk) };
        const target = input[which]!.slice();
        target[at % target.length]! ^= mask;
        input[which] = target;
        const noble = nobleSchnorr.verify(input.signature!, input.message!, input.publicKey!);
        const wasm = wasmSchnorr.verify(input.signature!, input.message!, input.publicKey!);
        expect(wasm).toBe(noble);
        // A changed signature or message never verifies; a changed key verifies only with negligible probability.
        expect(noble).toBe(false);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('give the same verdicts on random bytes (mostly off-curve keys and invalid signatures)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), bytes32, bytes32, (sig, msg, pub) => {
        expect(wasmSchnorr.verify(sig, msg, pub)).toBe(nobleSchnorr.verify(sig, msg, pub));
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('reject malformed lengths without throwing', () => {
    const v = vectors.valid[1] as Bip340Vector;
    const sig = hexToBytes(v.signature);
    const msg = hexToBytes(v.message);
    const pub = hexToBytes(v.publicKey);
    for (const backend of backends) {
      expect(backend.verify(sig.subarray(0, 63), msg, pub)).toBe(false);
      expect(backend.verify(sig, msg, pub.subarray(0, 31))).toBe(false);
      expect(backend.verify(new Uint8Array(65), msg, pub)).toBe(false);
    }
  });
});

/** A backend that counts calls to the reference implementation. */
function countingBackend(inner: SchnorrBackend = nobleSchnorr): SchnorrBackend & { calls: number } {
  const b = {
    name: `counting ${inner.name}`,
    calls: 0,
    verify(sig: Bytes, msg: Bytes, pub: Bytes) {
      b.calls++;
      return inner.verify(sig, msg, pub);
    },
    sign: inner.sign,
  };
  return b;
}

/** A valid (signature, message, key) triple for seed `i`. */
function signed(i: number): { sig: Bytes; msg: Bytes; pub: Bytes } {
  const sk = sha256(new Uint8Array([1, i & 0xff, i >> 8]));
  const msg = sha256(new Uint8Array([2, i & 0xff, i >> 8]));
  return { sig: nobleSchnorr.sign(msg, sk, new Uint8Array(32)), msg, pub: xOnlyPublicKey(sk) };
}

describe('SignatureChecker', () => {
  it('caches a valid verdict: the second check is a hit and does not reach the backend', () => {
    const backend = countingBackend();
    const checker = new SignatureChecker(backend);
    const { sig, msg, pub } = signed(1);
    expect(checker.verify(sig, msg, pub)).toBe(true);
    expect(checker.verify(sig, msg, pub)).toBe(true);
    expect({ hits: checker.hits, misses: checker.misses, size: checker.size, calls: backend.calls }).toEqual({ hits: 1, misses: 1, size: 1, calls: 1 });
  });

  it('never caches an invalid verdict: each check goes to the backend', () => {
    const backend = countingBackend();
    const checker = new SignatureChecker(backend);
    const { sig, msg, pub } = signed(2);
    const bad = sig.slice();
    bad[63]! ^= 1;
    expect(checker.verify(bad, msg, pub)).toBe(false);
    expect(checker.verify(bad, msg, pub)).toBe(false);
    expect({ hits: checker.hits, misses: checker.misses, size: checker.size, calls: backend.calls }).toEqual({ hits: 0, misses: 2, size: 0, calls: 2 });
  });

  it('keys the cache on signature, message and key together', () => {
    const checker = new SignatureChecker(countingBackend());
    const a = signed(3);
    const b = signed(4);
    expect(checker.verify(a.sig, a.msg, a.pub)).toBe(true);
    expect(checker.verify(a.sig, b.msg, a.pub)).toBe(false);
    expect(checker.verify(a.sig, a.msg, b.pub)).toBe(false);
    expect(checker.verify(b.sig, a.msg, a.pub)).toBe(false);
    expect(checker.hits).toBe(0);
    expect(checker.size).toBe(1);
  });

  it('stays within maxEntries, evicting the oldest entries first', () => {
    const max = 8;
    const backend = countingBackend();
    const checker = new SignatureChecker(backend, max);
    const triples = Array.from({ length: 30 }, (_, i) => signed(100 + i));
    for (const t of triples) {
      expect(checker.verify(t.sig, t.msg, t.pub)).toBe(true);
      expect(checker.size).toBeLessThanOrEqual(max);
      expect(checker.size).toBeGreaterThan(0);
    }
    const calls = backend.calls;
    const newest = triples[triples.length - 1]!;
    expect(checker.verify(newest.sig, newest.msg, newest.pub)).toBe(true);
    expect(backend.calls).toBe(calls); // the newest survived eviction
    const oldest = triples[0]!;
    expect(checker.verify(oldest.sig, oldest.msg, oldest.pub)).toBe(true);
    expect(backend.calls).toBe(calls + 1); // the oldest was evicted and is verified again
    expect(checker.size).toBeLessThanOrEqual(max);
  });

  it('clear() empties the cache and resets the counters', () => {
    const checker = new SignatureChecker(countingBackend());
    const { sig, msg, pub } = signed(5);
    checker.verify(sig, msg, pub);
    checker.verify(sig, msg, pub);
    checker.clear();
    expect({ hits: checker.hits, misses: checker.misses, size: checker.size }).toEqual({ hits: 0, misses: 0, size: 0 });
  });

  it('gives the same verdicts with either backend', () => {
    const { sig, msg, pub } = signed(6);
    for (const backend of backends) {
      const checker = new SignatureChecker(backend);
      expect(checker.verify(sig, msg, pub)).toBe(true);
      expect(checker.verify(sig, sha256(msg), pub)).toBe(false);
    }
  });
});
