// Tests of the proof-of-work hasher against @noble/hashes SHA-256d and the Bitcoin genesis block.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderHasher } from './pow-hash.ts';

const SEED = 20090103;

const GENESIS_HEADER =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
const GENESIS_NONCE = 2083236893;
const GENESIS_TARGET = 0x00000000ffff0000000000000000000000000000000000000000000000000000n; // bits 0x1d00ffff

function withNonce(header: Uint8Array, nonce: number): Uint8Array {
  const h = header.slice();
  new DataView(h.buffer).setUint32(76, nonce, true);
  return h;
}

function referenceHash(header: Uint8Array, nonce: number): Uint8Array {
  return sha256(sha256(withNonce(header, nonce)));
}

/** The hash read as a little-endian 256-bit integer (Bitcoin's comparison against the target). */
function hashValue(hash: Uint8Array): bigint {
  return BigInt('0x' + bytesToHex(hash.slice().reverse()));
}

function referenceSearch(header: Uint8Array, start: number, count: number, target: bigint): number {
  for (let n = start; n < start + count && n <= 0xffffffff; n++) {
    if (hashValue(referenceHash(header, n)) <= target) return n;
  }
  return -1;
}

const header = fc.uint8Array({ minLength: 80, maxLength: 80 });
const nonce = fc.integer({ min: 0, max: 0xffffffff });

describe('HeaderHasher.hash', () => {
  it('equals sha256(sha256(header with nonce)), whatever nonce the header carries', () => {
    fc.assert(
      fc.property(header, nonce, (h, n) => {
        expect(bytesToHex(new HeaderHasher(h).hash(n))).toBe(bytesToHex(referenceHash(h, n)));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('reuses one hasher across nonces and writes into `out`', () => {
    fc.assert(
      fc.property(header, fc.array(nonce, { minLength: 1, maxLength: 8 }), (h, nonces) => {
        const hasher = new HeaderHasher(h);
        const out = new Uint8Array(40);
        for (const n of nonces) {
          expect(hasher.hash(n, out)).toBe(out);
          expect(bytesToHex(out.subarray(0, 32))).toBe(bytesToHex(referenceHash(h, n)));
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('hashes the Bitcoin genesis header to its block hash', () => {
    const hasher = new HeaderHasher(hexToBytes(GENESIS_HEADER));
    expect(bytesToHex(hasher.hash(GENESIS_NONCE).reverse())).toBe(GENESIS_HASH);
  });

  it('rejects headers that are not 80 bytes and nonces that are not uint32', () => {
    expect(() => new HeaderHasher(new Uint8Array(79))).toThrow(new TypeError('expected 80 bytes, got 79'));
    expect(() => new HeaderHasher(new Uint8Array(81))).toThrow(TypeError);
    const hasher = new HeaderHasher(new Uint8Array(80));
    for (const bad of [-1, 0x100000000, 1.5, Number.NaN]) expect(() => hasher.hash(bad)).toThrow(RangeError);
    expect(() => hasher.hash(0, new Uint8Array(31))).toThrow(TypeError);
  });
});

describe('HeaderHasher.search', () => {
  it('finds exactly the first nonce at or below an easy target', () => {
    // Targets admit about one hash in `odds`; ranges start anywhere, also right below 0xffffffff.
    const start = fc.oneof(nonce, fc.integer({ min: 0xffffff00, max: 0xffffffff }));
    fc.assert(
      fc.property(header, start, fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 128 }), (h, s, count, odds) => {
        const target = (1n << 256n) / BigInt(odds) - 1n;
        expect(new HeaderHasher(h).search(s, count, target)).toBe(referenceSearch(h, s, count, target));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('compares exactly: a target equal to a hash admits it, one below does not', () => {
    fc.assert(
      fc.property(header, nonce, fc.integer({ min: 1, max: 64 }), (h, s, count) => {
        const hasher = new HeaderHasher(h);
        const last = Math.min(s + count - 1, 0xffffffff);
        const value = hashValue(referenceHash(h, last));
        // The target is the last nonce's own hash: it qualifies, and an earlier nonce may hash lower still.
        expect(hasher.search(s, count, value)).toBe(referenceSearch(h, s, count, value));
        expect(hasher.search(s, count, value - 1n)).toBe(referenceSearch(h, s, count, value - 1n));
        expect(hasher.search(last, 1, value)).toBe(last);
        expect(hasher.search(last, 1, value - 1n)).toBe(-1);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('finds the genesis nonce with the genesis target', () => {
    const hasher = new HeaderHasher(hexToBytes(GENESIS_HEADER));
    expect(hasher.search(GENESIS_NONCE - 20_000, 40_000, GENESIS_TARGET)).toBe(GENESIS_NONCE);
    expect(hasher.search(GENESIS_NONCE + 1, 20_000, GENESIS_TARGET)).toBe(-1);
  });

  it('handles empty ranges, the end of the nonce space and extreme targets', () => {
    const hasher = new HeaderHasher(new Uint8Array(80).fill(1));
    expect(hasher.search(5, 0, 1n << 256n)).toBe(-1);
    expect(hasher.search(0xffffffff, 10, 1n << 256n)).toBe(0xffffffff);
    expect(hasher.search(7, 3, (1n << 256n) - 1n)).toBe(7);
    expect(hasher.search(0, 1000, 0n)).toBe(-1);
    expect(() => hasher.search(0, -1, 1n)).toThrow(RangeError);
    expect(() => hasher.search(0x100000000, 1, 1n)).toThrow(RangeError);
    expect(() => hasher.search(0, 1, -1n)).toThrow(RangeError);
  });
});
