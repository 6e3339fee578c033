// Transactions in Bitcoin's serialization, with segwit (BIP-144): parse, serialize, txid, wtxid, weight.

import { ByteReader, ByteWriter, bytesToHexReversed, type Bytes } from './bytes.ts';
import { ParseError } from './errors.ts';
import { sha256d } from './hash.ts';

export interface OutPoint {
  /** Txid in internal byte order (as hashed), 32 bytes. */
  readonly txid: Bytes;
  readonly vout: number;
}

export interface TxIn {
  readonly prevout: OutPoint;
  readonly scriptSig: Bytes;
  readonly sequence: number;
  /** Witness stack; empty when the input has none. */
  readonly witness: readonly Bytes[];
}

export interface TxOut {
  /** Amount in satoshis. */
  readonly value: bigint;
  readonly scriptPubKey: Bytes;
}

export interface TxData {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
}

export const NULL_TXID: Bytes = new Uint8Array(32);
export const WITNESS_SCALE_FACTOR = 4;
export const SEQUENCE_FINAL = 0xffffffff;

/** An immutable transaction; ids and sizes are computed once, on first use. */
export class Transaction implements TxData {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
  private cache: { txid?: Bytes; wtxid?: Bytes; base?: Bytes; full?: Bytes } = {};

  constructor(data: TxData) {
    this.version = data.version;
    this.inputs = data.inputs;
    this.outputs = data.outputs;
    this.locktime = data.locktime;
  }

  static fromBytes(bytes: Bytes): Transaction {
    const r = new ByteReader(bytes);
    const tx = Transaction.read(r);
    r.end('transaction');
    return tx;
  }

  /** Reads one transaction from `r` (BIP-144 extended format when marker 0x00 and flag 0x01 follow the version). */
  static read(r: ByteReader): Transaction {
    const start = r.offset;
    const version = r.i32('tx version');
    let inCount = r.varint('tx input count');
    let segwit = false;
    if (inCount === 0) {
      const flag = r.u8('segwit flag');
      if (flag !== 1) throw new ParseError('bad-tx-flag', `transaction: expected segwit flag 1, got ${flag}`);
      segwit = true;
      inCount = r.varint('tx input count');
    }
    const ins: { prevout: OutPoint; scriptSig: Bytes; sequence: number; witness: Bytes[] }[] = [];
    for (let i = 0; i < inCount; i++) {
      const txid = r.bytes(32, 'prevout txid');
      const vout = r.u32('prevout index');
      const scriptSig = r.varbytes('scriptSig');
      const sequence = r.u32('sequence');
      ins.push({ prevout: { txid, vout }, scriptSig, sequence, witness: [] });
    }
    const outCount = r.varint('tx output count');
    const outputs: TxOut[] = [];
    for (let i = 0; i < outCount; i++) {
      const value = r.i64('output value');
      outputs.push({ value, scriptPubKey: r.varbytes('scriptPubKey') });
    }
    if (segwit) {
      let any = false;
      for (const input of ins) {
        const items = r.varint('witness item count');
        for (let j = 0; j < items; j++) input.witness.push(r.varbytes('witness item'));
        if (items > 0) any = true;
      }
      // BIP-144: the extended format must not be used when no input has a witness.
      if (!any) throw new ParseError('superfluous-witness', 'transaction: segwit marker with no witness data');
    }
    const locktime = r.u32('locktime');
    const tx = new Transaction({ version, inputs: ins, outputs, locktime });
    if (!segwit) tx.cache.base = tx.cache.full = r.data.slice(start, r.offset);
    return tx;
  }

  get hasWitness(): boolean {
    return this.inputs.some((i) => i.witness.length > 0);
  }

  isCoinbase(): boolean {
    const first = this.inputs[0];
    return this.inputs.length === 1 && first !== undefined && first.prevout.vout === 0xffffffff && isNullHash(first.prevout.txid);
  }

  /** Serialization without witness data (what the txid commits to). */
  toBytesNoWitness(): Bytes {
    return (this.cache.base ??= this.serialize(false));
  }

  /** Full serialization, with witness data when any input has some. */
  toBytes(): Bytes {
    return (this.cache.full ??= this.hasWitness ? this.serialize(true) : this.toBytesNoWitness());
  }

  writeTo(w: ByteWriter): void {
    w.bytes(this.toBytes());
  }

  private serialize(withWitness: boolean): Bytes {
    const w = new ByteWriter(64 + this.inputs.length * 160 + this.outputs.length * 48);
    w.i32(this.version);
    if (withWitness) w.u8(0).u8(1);
    w.varint(this.inputs.length);
    for (const i of this.inputs) w.bytes(i.prevout.txid).u32(i.prevout.vout).varbytes(i.scriptSig).u32(i.sequence);
    w.varint(this.outputs.length);
    for (const o of this.outputs) w.i64(o.value).varbytes(o.scriptPubKey);
    if (withWitness) {
      for (const i of this.inputs) {
        w.varint(i.witness.length);
        for (const item of i.witness) w.varbytes(item);
      }
    }
    w.u32(this.locktime);
    return w.finish();
  }

  /** Txid in internal byte order. */
  get txid(): Bytes {
    return (this.cache.txid ??= sha256d(this.toBytesNoWitness()));
  }

  /** Wtxid (BIP-141) in internal byte order; equals the txid when there is no witness. */
  get wtxid(): Bytes {
    return (this.cache.wtxid ??= this.hasWitness ? sha256d(this.toBytes()) : this.txid);
  }

  /** Txid as Bitcoin displays it (byte-reversed hex). */
  get id(): string {
    return bytesToHexReversed(this.txid);
  }

  get baseSize(): number {
    return this.toBytesNoWitness().length;
  }

  get totalSize(): number {
    return this.toBytes().length;
  }

  /** BIP-141 weight: base size x 3 + total size. */
  get weight(): number {
    return this.baseSize * (WITNESS_SCALE_FACTOR - 1) + this.totalSize;
  }

  /** Virtual size: weight / 4, rounded up. */
  get vsize(): number {
    return Math.ceil(this.weight / WITNESS_SCALE_FACTOR);
  }

  totalOut(): bigint {
    let sum = 0n;
    for (const o of this.outputs) sum += o.value;
    return sum;
  }
}

export function isNullHash(h: Bytes): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false;
  return true;
}

/** A map key for an outpoint: display txid + ':' + index. */
export function outpointKey(o: OutPoint): string {
  return `${bytesToHexReversed(o.txid)}:${o.vout}`;
}
