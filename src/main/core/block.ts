// Blocks: header + transactions; serialization, weight, BIP-34 coinbase height and the BIP-141 witness commitment.

import { ByteReader, ByteWriter, concatBytes, equalBytes, hexToBytes, type Bytes } from './bytes.ts';
import { sha256d } from './hash.ts';
import { BlockHeader } from './header.ts';
import { computeMerkleRoot, type MerkleResult } from './merkle.ts';
import { readCoinbaseHeight } from './script.ts';
import { Transaction, WITNESS_SCALE_FACTOR } from './tx.ts';

/** BIP-141: OP_RETURN PUSH36 aa21a9ed <32-byte commitment>. */
export const WITNESS_COMMITMENT_HEADER = new Uint8Array([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]);
export const WITNESS_RESERVED_VALUE: Bytes = new Uint8Array(32);

export class Block {
  readonly header: BlockHeader;
  readonly txs: readonly Transaction[];

  constructor(header: BlockHeader, txs: readonly Transaction[]) {
    this.header = header;
    this.txs = txs;
  }

  static fromBytes(bytes: Bytes): Block {
    const r = new ByteReader(bytes);
    const header = BlockHeader.read(r);
    const count = r.varint('block tx count');
    const txs: Transaction[] = [];
    for (let i = 0; i < count; i++) txs.push(Transaction.read(r));
    r.end('block');
    return new Block(header, txs);
  }

  toBytes(): Bytes {
    const w = new ByteWriter(1024);
    w.bytes(this.header.toBytes()).varint(this.txs.length);
    for (const tx of this.txs) tx.writeTo(w);
    return w.finish();
  }

  get hash(): Bytes {
    return this.header.hash;
  }

  get id(): string {
    return this.header.id;
  }

  /** Size without witness data (what pre-segwit nodes see). */
  get baseSize(): number {
    let n = 80 + varintSize(this.txs.length);
    for (const tx of this.txs) n += tx.baseSize;
    return n;
  }

  get totalSize(): number {
    let n = 80 + varintSize(this.txs.length);
    for (const tx of this.txs) n += tx.totalSize;
    return n;
  }

  get weight(): number {
    return this.baseSize * (WITNESS_SCALE_FACTOR - 1) + this.totalSize;
  }

  computeMerkleRoot(): MerkleResult {
    return computeMerkleRoot(this.txs.map((tx) => tx.txid));
  }

  /** Height from the coinbase scriptSig (BIP-34), or null when absent or unreadable. */
  coinbaseHeight(): number | null {
    const cb = this.txs[0];
    if (!cb || !cb.isCoinbase()) return null;
    return readCoinbaseHeight(cb.inputs[0]!.scriptSig);
  }

  with(header: BlockHeader): Block {
    return new Block(header, this.txs);
  }
}

export function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Witness merkle root: the coinbase's wtxid counts as 32 zero bytes (BIP-141). */
export function witnessMerkleRoot(txs: readonly Transaction[]): Bytes {
  return computeMerkleRoot(txs.map((tx, i) => (i === 0 ? new Uint8Array(32) : tx.wtxid))).root;
}

/** SHA256d(witness root || reserved value). */
export function witnessCommitment(txs: readonly Transaction[], reserved: Bytes = WITNESS_RESERVED_VALUE): Bytes {
  return sha256d(concatBytes(witnessMerkleRoot(txs), reserved));
}

export function witnessCommitmentScript(commitment: Bytes): Bytes {
  return concatBytes(WITNESS_COMMITMENT_HEADER, commitment);
}

/** Index of the coinbase output holding the witness commitment: the last that matches (BIP-141), or -1. */
export function findWitnessCommitment(coinbase: Transaction): number {
  let found = -1;
  coinbase.outputs.forEach((o, i) => {
    const s = o.scriptPubKey;
    if (s.length >= 38 && equalBytes(s.subarray(0, 6), WITNESS_COMMITMENT_HEADER)) found = i;
  });
  return found;
}

export function blockFromHex(hex: string): Block {
  return Block.fromBytes(hexToBytes(hex, 'block'));
}
