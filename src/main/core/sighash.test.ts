// BIP-341 vectors: key-path SigMsg, sighash, tweaked keys and signed witnesses; hash-type rules and the annex.

import { describe, expect, it } from 'vitest';
import vectors from '../../../test/vectors/bip341.json' with { type: 'json' };
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { ByteWriter, bytesToHex, concatBytes, hexToBytes, type Bytes } from './bytes.ts';
import { RuleError } from './errors.ts';
import { sha256 } from './hash.ts';
import {
  SIGHASH_ALL,
  SIGHASH_ANYONECANPAY,
  SIGHASH_DEFAULT,
  SIGHASH_NONE,
  SIGHASH_SINGLE,
  TaprootSigHasher,
  isValidTaprootHashType,
} from './sighash.ts';
import { nobleSchnorr } from './signatures.ts';
import { tapTweak, taprootOutputKey, taprootTweakSecretKey, xOnlyPublicKey } from './taproot.ts';
import { Transaction, outpointKey, type TxOut } from './tx.ts';

interface InputSpending {
  given: { txinIndex: number; internalPrivkey: string; merkleRoot: string | null; hashType: number };
  intermediary: { internalPubkey: string; tweak: string; tweakedPrivkey: string; sigMsg: string; sigHash: string };
  expected: { witness: string[] };
}

const ZERO_AUX = new Uint8Array(32);
const optionalHex = (h: string | null): Bytes | undefined => (h === null ? undefined : hexToBytes(h));

const spending = vectors.keyPathSpending.map((s, n) => {
  const tx = Transaction.fromBytes(hexToBytes(s.given.rawUnsignedTx));
  const spent: TxOut[] = s.given.utxosSpent.map((u) => ({ value: BigInt(u.amountSats), scriptPubKey: hexToBytes(u.scriptPubKey) }));
  return { n, tx, spent, inputs: s.inputSpending as InputSpending[], signedHex: s.auxiliary.fullySignedTx };
});
const inputCases = spending.flatMap((s) =>
  s.inputs.map((input) => ({
    ...input,
    tx: s.tx,
    spent: s.spent,
    index: input.given.txinIndex,
    hashType: input.given.hashType,
    label: `input ${input.given.txinIndex}, hash type 0x${input.given.hashType.toString(16).padStart(2, '0')}`,
  })),
);

describe('BIP-341 keyPathSpending', () => {
  it.each(inputCases)('$label: SigMsg and sighash', (c) => {
    const hasher = new TaprootSigHasher(c.tx, c.spent);
    // The vector's sigMsg starts with the sighash epoch 0x00 that hash_TapSighash prepends to SigMsg.
    expect('00' + bytesToHex(hasher.sigMsg(c.index, c.hashType))).toBe(c.intermediary.sigMsg);
    expect(bytesToHex(hasher.sighash(c.index, c.hashType))).toBe(c.intermediary.sigHash);
  });

  it.each(inputCases)('$label: tweaked keys', (c) => {
    const secret = hexToBytes(c.given.internalPrivkey);
    const merkleRoot = optionalHex(c.given.merkleRoot);
    expect(bytesToHex(xOnlyPublicKey(secret))).toBe(c.intermediary.internalPubkey);
    expect(tapTweak(hexToBytes(c.intermediary.internalPubkey), merkleRoot).toString(16).padStart(64, '0')).toBe(c.intermediary.tweak);
    const tweaked = taprootTweakSecretKey(secret, merkleRoot);
    expect(bytesToHex(tweaked)).toBe(c.intermediary.tweakedPrivkey);
    // The tweaked secret key signs for the output key the spent scriptPubKey (OP_1 PUSH32 <key>) commits to.
    const program = bytesToHex(c.spent[c.index]!.scriptPubKey.subarray(2));
    expect(bytesToHex(taprootOutputKey(hexToBytes(c.intermediary.internalPubkey), merkleRoot).key)).toBe(program);
    expect(bytesToHex(xOnlyPublicKey(tweaked))).toBe(program);
  });

  it.each(inputCases)('$label: the signed witness', (c) => {
    const sighash = hexToBytes(c.intermediary.sigHash);
    const key = hexToBytes(c.intermediary.tweakedPrivkey);
    const program = c.spent[c.index]!.scriptPubKey.subarray(2);
    for (const backend of [nobleSchnorr, wasmSchnorr]) {
      const sig = backend.sign(sighash, key, ZERO_AUX);
      const item = c.hashType === SIGHASH_DEFAULT ? sig : concatBytes(sig, new Uint8Array([c.hashType]));
      expect([bytesToHex(item)]).toEqual(c.expected.witness);
      expect(backend.verify(sig, sighash, program)).toBe(true);
    }
  });

  it.each(spending)('transaction $n: the fully signed transaction round-trips and carries these witnesses', (s) => {
    const signed = Transaction.fromBytes(hexToBytes(s.signedHex));
    expect(bytesToHex(signed.toBytes())).toBe(s.signedHex);
    expect(signed.inputs.map((i) => outpointKey(i.prevout))).toEqual(s.tx.inputs.map((i) => outpointKey(i.prevout)));
    expect(bytesToHex(signed.toBytesNoWitness())).not.toBe(bytesToHex(s.tx.toBytes())); // legacy inputs gained scriptSigs
    for (const input of s.inputs) {
      expect(signed.inputs[input.given.txinIndex]!.witness.map(bytesToHex)).toEqual(input.expected.witness);
    }
  });
});

describe('BIP-341 scriptPubKey', () => {
  const keyPathOnly = vectors.scriptPubKey.filter((v) => v.intermediary.merkleRoot === null);
  const withTree = vectors.scriptPubKey.filter((v) => v.intermediary.merkleRoot !== null);

  it('has key-path-only cases', () => expect(keyPathOnly.length).toBeGreaterThan(0));

  it.each(keyPathOnly)('key path only: $expected.bip350Address', (v) => {
    const internal = hexToBytes(v.given.internalPubkey);
    expect(tapTweak(internal).toString(16).padStart(64, '0')).toBe(v.intermediary.tweak);
    expect(bytesToHex(taprootOutputKey(internal).key)).toBe(v.intermediary.tweakedPubkey);
    expect('5120' + v.intermediary.tweakedPubkey).toBe(v.expected.scriptPubKey);
  });

  it.each(withTree)('with a script tree (merkle root given): $expected.bip350Address', (v) => {
    const internal = hexToBytes(v.given.internalPubkey);
    const merkleRoot = hexToBytes(v.intermediary.merkleRoot!);
    expect(bytesToHex(taprootOutputKey(internal, merkleRoot).key)).toBe(v.intermediary.tweakedPubkey);
  });
});

describe('hash types', () => {
  const valid = [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83];
  const { tx, spent } = spending[0]!;

  it('accepts exactly DEFAULT, ALL, NONE, SINGLE and the three ANYONECANPAY forms', () => {
    const accepted = Array.from({ length: 256 }, (_, t) => t).filter(isValidTaprootHashType);
    expect(accepted).toEqual(valid);
    expect(isValidTaprootHashType(SIGHASH_ANYONECANPAY)).toBe(false); // 0x80 alone has no output type
    expect(isValidTaprootHashType(0x100 | SIGHASH_ALL)).toBe(false);
  });

  it.each([0x04, 0x80, 0x84, 0xff, 0x41, 0x10].map((t) => ({ t, hex: t.toString(16).padStart(2, '0') })))('sigMsg throws bad-sighash-type for 0x$hex', ({ t }) => {
    const hasher = new TaprootSigHasher(tx, spent);
    expect(() => hasher.sigMsg(0, t)).toThrow(expect.objectContaining({ name: 'RuleError', code: 'bad-sighash-type' }));
  });

  it('SIGHASH_SINGLE without an output of the same index throws bad-sighash-single', () => {
    const hasher = new TaprootSigHasher(tx, spent);
    expect(tx.outputs.length).toBeLessThan(tx.inputs.length);
    for (const t of [SIGHASH_SINGLE, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY]) {
      let error: unknown;
      try {
        hasher.sigMsg(tx.outputs.length, t);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RuleError);
      expect((error as RuleError).code).toBe('bad-sighash-single');
      expect(() => hasher.sighash(tx.inputs.length - 1, t)).toThrow(RuleError);
      expect(hasher.sigMsg(tx.outputs.length - 1, t).length).toBeGreaterThan(0); // the last matching index is fine
    }
    // NONE and ALL commit to no single output and work for every input.
    for (let i = 0; i < tx.inputs.length; i++) for (const t of [SIGHASH_ALL, SIGHASH_NONE]) hasher.sigMsg(i, t);
  });

  it('DEFAULT and ALL differ only in the hash type byte', () => {
    const hasher = new TaprootSigHasher(tx, spent);
    const d = hasher.sigMsg(2, SIGHASH_DEFAULT);
    const a = hasher.sigMsg(2, SIGHASH_ALL);
    expect(d[0]).toBe(0);
    expect(a[0]).toBe(1);
    expect(bytesToHex(d.subarray(1))).toBe(bytesToHex(a.subarray(1)));
  });

  it('rejects a spent-output list of the wrong length', () => {
    expect(() => new TaprootSigHasher(tx, spent.slice(1))).toThrow(RangeError);
  });
});

/** Offset of spend_type in SigMsg: hash_type, nVersion, nLockTime, then the shared hashes the type commits to. */
function spendTypeOffset(hashType: number): number {
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const outputType = hashType === SIGHASH_DEFAULT ? SIGHASH_ALL : hashType & 3;
  return 1 + 4 + 4 + (anyoneCanPay ? 0 : 4 * 32) + (outputType === SIGHASH_ALL ? 32 : 0);
}

/**
 * BIP-341 SigMsg with an annex, built from the SigMsg without one: spend_type gets its annex bit and
 * sha_annex = SHA256(compact_size(annex) || annex) follows the input data, before sha_single_output.
 */
function withAnnex(plain: Bytes, hashType: number, spentScriptLength: number, annex: Bytes): Bytes {
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const spendTypeAt = spendTypeOffset(hashType);
  const scriptLength = new ByteWriter().varint(spentScriptLength).length;
  const inputData = anyoneCanPay ? 36 + 8 + scriptLength + spentScriptLength + 4 : 4;
  const annexAt = spendTypeAt + 1 + inputData;
  const annexHash = sha256(new ByteWriter().varbytes(annex).finish());
  const out = concatBytes(plain.subarray(0, annexAt), annexHash, plain.subarray(annexAt));
  out[spendTypeAt] = plain[spendTypeAt]! | 1;
  return out;
}

describe('annex', () => {
  const { tx, spent } = spending[0]!;
  const annexes = [new Uint8Array([0x50]), concatBytes(new Uint8Array([0x50]), new Uint8Array(300).fill(7))];
  const hashTypes = [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83].map((t) => ({ t, hex: t.toString(16).padStart(2, '0') }));

  it.each(hashTypes)('hash type 0x$hex: the annex sets spend_type bit 0 and adds sha_annex', ({ t }) => {
    const hasher = new TaprootSigHasher(tx, spent);
    const index = 1;
    const plain = hasher.sigMsg(index, t);
    expect(plain[spendTypeOffset(t)]).toBe(0);
    for (const annex of annexes) {
      const expected = withAnnex(plain, t, spent[index]!.scriptPubKey.length, annex);
      const actual = hasher.sigMsg(index, t, annex);
      expect(bytesToHex(actual)).toBe(bytesToHex(expected));
      expect(bytesToHex(hasher.sighash(index, t, annex))).not.toBe(bytesToHex(hasher.sighash(index, t)));
    }
  });
});

