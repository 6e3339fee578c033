// Block templates on any parent, and mining one block on a chainstate with real proof of work in workers.

import type { Block } from '../core/block.ts';
import type { BlockEntry, Chainstate } from '../core/chainstate.ts';
import type { Bytes } from '../core/bytes.ts';
import type { Mempool } from '../core/mempool.ts';
import { blockSubsidy } from '../core/params.ts';
import { bitsToTarget, hashToBigInt } from '../core/pow.ts';
import { assembleBlock, createCoinbase } from '../core/template.ts';
import type { Transaction } from '../core/tx.ts';
import type { PowPool } from './pow-pool.ts';

export interface TemplateOptions {
  chain: Chainstate;
  /** The block to build on: the tip by default (attackers build on private branches). */
  parent?: BlockEntry;
  txs?: readonly Transaction[];
  /** Fees of `txs` (they go to the coinbase with the subsidy). */
  fees?: bigint;
  payoutScript: Bytes;
  /** Seconds since the epoch. */
  now: number;
  tag?: string;
  extraNonce?: number;
}

/** An unsolved block: coinbase with height, payout and witness commitment; time at least MTP + 1; required bits. */
export function buildTemplate(o: TemplateOptions): Block {
  const parent = o.parent ?? o.chain.tip;
  const height = parent.height + 1;
  const txs = o.txs ?? [];
  const coinbase = createCoinbase({
    height,
    payoutScript: o.payoutScript,
    value: blockSubsidy(height, o.chain.params) + (o.fees ?? 0n),
    extra: new TextEncoder().encode(`${o.tag ?? 'forklab'}/${o.extraNonce ?? 0}`),
    witnessCommitmentFor: txs,
  });
  return assembleBlock({
    prevHash: parent.hash,
    time: Math.max(Math.floor(o.now), o.chain.medianTimePast(parent) + 1),
    bits: o.chain.nextBits(parent),
    coinbase,
    txs,
  });
}

/** The mempool's best transactions for a block on the tip (leaving room for the coinbase). */
export function mempoolSelection(chain: Chainstate, mempool?: Mempool): { txs: Transaction[]; fees: bigint } {
  return mempool?.blockTemplate(chain.params.maxBlockWeight - 4000) ?? { txs: [], fees: 0n };
}

/** Solves an easy target on this thread (virtual-time mining, where a few hashes suffice). */
export function solveEasy(block: Block, maxTries = 10_000_000): Block {
  const target = bitsToTarget(block.header.bits);
  let h = block.header;
  for (let i = 0; hashToBigInt(h.hash) > target; i++) {
    if (i >= maxTries) throw new Error(`no proof of work within ${maxTries} tries: target too hard for in-thread solving`);
    h = h.with({ nonce: h.nonce + 1 });
  }
  return block.with(h);
}

export interface MineOptions {
  chain: Chainstate;
  pool: PowPool;
  payoutScript: Bytes;
  /** Seconds since the epoch. */
  now: () => number;
  mempool?: Mempool;
  tag?: string;
  signal?: AbortSignal;
}

export interface MinedBlock {
  block: Block;
  entry: BlockEntry;
  hashes: number;
}

/**
 * Builds a block on the current tip and searches for its proof of work in the pool's workers; when the nonce
 * space runs out, the extra nonce in the coinbase changes and the search goes on. Returns null when aborted.
 */
export async function mineOneBlock(o: MineOptions): Promise<MinedBlock | null> {
  const { chain } = o;
  let hashes = 0;
  for (let extraNonce = 0; ; extraNonce++) {
    if (o.signal?.aborted) return null;
    const { txs, fees } = mempoolSelection(chain, o.mempool);
    const block = buildTemplate({ chain, txs, fees, payoutScript: o.payoutScript, now: o.now(), extraNonce, ...(o.tag ? { tag: o.tag } : {}) });
    const result = await o.pool.search({ header: block.header.toBytes(), target: bitsToTarget(block.header.bits) }, o.signal);
    hashes += result.hashes;
    if (result.aborted) return null;
    if (result.nonce === null) continue;
    const solved = block.with(block.header.with({ nonce: result.nonce }));
    const r = chain.processBlock(solved, 'local miner');
    if (r.status === 'rejected') throw new Error(`mined block ${r.id} rejected: ${r.code} ${r.reason ?? ''}`);
    return { block: solved, entry: chain.getEntry(solved.id)!, hashes };
  }
}
