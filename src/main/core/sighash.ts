// BIP-341 signature message and hash for taproot key-path spends (all hash types, optional annex).

import { ByteWriter, type Bytes } from './bytes.ts';
import { RuleError } from './errors.ts';
import { sha256, taggedHash } from './hash.ts';
import type { Transaction, TxOut } from './tx.ts';

export const SIGHASH_DEFAULT = 0x00;
export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

export function isValidTaprootHashType(t: number): boolean {
  return t === 0x00 || t === 0x01 || t === 0x02 || t === 0x03 || t === 0x81 || t === 0x82 || t === 0x83;
}

/** Computes taproot sighashes for one transaction; the per-transaction hashes are computed once and reused. */
export class TaprootSigHasher {
  private readonly tx: Transaction;
  private readonly spent: readonly TxOut[];
  private shared?: { prevouts: Bytes; amounts: Bytes; scriptPubKeys: Bytes; sequences: Bytes; outputs: Bytes };

  /** `spent[i]` is the output that input i spends (BIP-341 commits to all of them). */
  constructor(tx: Transaction, spent: readonly TxOut[]) {
    if (spent.length !== tx.inputs.length) {
      throw new RangeError(`spent outputs: expected ${tx.inputs.length}, got ${spent.length}`);
    }
    this.tx = tx;
    this.spent = spent;
  }

  private sharedHashes() {
    if (this.shared) return this.shared;
    const prevouts = new ByteWriter(36 * this.tx.inputs.length);
    const amounts = new ByteWriter(8 * this.spent.length);
    const scripts = new ByteWriter(35 * this.spent.length);
    const sequences = new ByteWriter(4 * this.tx.inputs.length);
    for (const i of this.tx.inputs) {
      prevouts.bytes(i.prevout.txid).u32(i.prevout.vout);
      sequences.u32(i.sequence);
    }
    for (const o of this.spent) {
      amounts.i64(o.value);
      scripts.varbytes(o.scriptPubKey);
    }
    const outputs = new ByteWriter(43 * this.tx.outputs.length);
    for (const o of this.tx.outputs) outputs.i64(o.value).varbytes(o.scriptPubKey);
    this.shared = {
      prevouts: sha256(prevouts.finish()), // BIP-341 SigMsg: sha_prevouts
      amounts: sha256(amounts.finish()), // sha_amounts
      scriptPubKeys: sha256(scripts.finish()), // sha_scriptpubkeys
      sequences: sha256(sequences.finish()), // sha_sequences
      outputs: sha256(outputs.finish()), // sha_outputs
    };
    return this.shared;
  }

  /** SigMsg(hash_type, ext_flag = 0) for input `index`. Throws RuleError for a bad hash type or SINGLE without a matching output. */
  sigMsg(index: number, hashType: number, annex?: Bytes): Bytes {
    if (!isValidTaprootHashType(hashType)) throw new RuleError('bad-sighash-type', `hash type 0x${hashType.toString(16)}`);
    const tx = this.tx;
    const outputType = hashType === SIGHASH_DEFAULT ? SIGHASH_ALL : hashType & 3;
    const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
    const w = new ByteWriter(206);
    w.u8(hashType).i32(tx.version).u32(tx.locktime);
    if (!anyoneCanPay) {
      const s = this.sharedHashes();
      w.bytes(s.prevouts).bytes(s.amounts).bytes(s.scriptPubKeys).bytes(s.sequences);
    }
    if (outputType === SIGHASH_ALL) w.bytes(this.sharedHashes().outputs);
    w.u8(annex ? 1 : 0); // spend_type = ext_flag * 2 + annex_present
    if (anyoneCanPay) {
      const input = tx.inputs[index]!;
      const spent = this.spent[index]!;
      w.bytes(input.prevout.txid).u32(input.prevout.vout).i64(spent.value).varbytes(spent.scriptPubKey).u32(input.sequence);
    } else {
      w.u32(index);
    }
    if (annex) w.bytes(sha256(new ByteWriter(annex.length + 9).varbytes(annex).finish())); // sha_annex
    if (outputType === SIGHASH_SINGLE) {
      const out = tx.outputs[index];
      if (!out) throw new RuleError('bad-sighash-single', `input ${index} has no output of the same index`);
      w.bytes(sha256(new ByteWriter(43).i64(out.value).varbytes(out.scriptPubKey).finish())); // sha_single_output
    }
    return w.finish();
  }

  /** hash_TapSighash(0x00 || SigMsg): the 32-byte message a key-path signature signs. */
  sighash(index: number, hashType: number, annex?: Bytes): Bytes {
    return taggedHash('TapSighash', new Uint8Array([0]), this.sigMsg(index, hashType, annex));
  }
}
