// Block assembly: the coinbase (BIP-34 height, witness commitment) and a header ready for proof of work.

import { Block, witnessCommitment, witnessCommitmentScript, WITNESS_RESERVED_VALUE } from './block.ts';
import { concatBytes, type Bytes } from './bytes.ts';
import { BlockHeader } from './header.ts';
import { computeMerkleRoot } from './merkle.ts';
import { encodeScriptNum, pushData } from './script.ts';
import { NULL_TXID, SEQUENCE_FINAL, Transaction } from './tx.ts';

/** Version with BIP-9's top bits, as current miners signal. */
export const BLOCK_VERSION = 0x20000000;

export interface CoinbaseOptions {
  height: number;
  /** Where the subsidy and fees go. */
  payoutScript: Bytes;
  value: bigint;
  /** Extra bytes after the height push (miner tag, extra nonce). */
  extra?: Bytes;
  /** Adds the BIP-141 commitment for these (non-coinbase) transactions when any has a witness or always when true. */
  witnessCommitmentFor?: readonly Transaction[];
}

export function createCoinbase(o: CoinbaseOptions): Transaction {
  const scriptSig = concatBytes(pushData(encodeScriptNum(o.height)), o.extra && o.extra.length > 0 ? pushData(o.extra) : new Uint8Array(0));
  // The coinbase scriptSig must be 2..100 bytes: pad the height-only form (heights 0..16 push one byte).
  const padded = scriptSig.length < 2 ? concatBytes(scriptSig, new Uint8Array([0x00])) : scriptSig;
  const outputs = [{ value: o.value, scriptPubKey: o.payoutScript }];
  const withCommitment = o.witnessCommitmentFor !== undefined;
  const base = new Transaction({
    version: 2,
    inputs: [{ prevout: { txid: NULL_TXID, vout: 0xffffffff }, scriptSig: padded, sequence: SEQUENCE_FINAL, witness: withCommitment ? [WITNESS_RESERVED_VALUE] : [] }],
    outputs,
    locktime: 0,
  });
  if (!withCommitment) return base;
  const commitment = witnessCommitment([base, ...o.witnessCommitmentFor!]);
  return new Transaction({ ...base, outputs: [...outputs, { value: 0n, scriptPubKey: witnessCommitmentScript(commitment) }] });
}

export interface AssembleOptions {
  prevHash: Bytes;
  time: number;
  bits: number;
  coinbase: Transaction;
  txs: readonly Transaction[];
  version?: number;
  nonce?: number;
}

/** A block with its merkle root filled in; the nonce is left for the miner. */
export function assembleBlock(o: AssembleOptions): Block {
  const txs = [o.coinbase, ...o.txs];
  const header = new BlockHeader({
    version: o.version ?? BLOCK_VERSION,
    prevHash: o.prevHash,
    merkleRoot: computeMerkleRoot(txs.map((t) => t.txid)).root,
    time: o.time,
    bits: o.bits,
    nonce: o.nonce ?? 0,
  });
  return new Block(header, txs);
}
