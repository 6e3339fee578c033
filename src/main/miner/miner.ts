// Mines blocks on a chainstate: builds a template from the mempool, searches nonces in worker threads, submits.

import type { Block } from '../core/block.ts';
import type { BlockEntry, Chainstate } from '../core/chainstate.ts';
import type { Bytes } from '../core/bytes.ts';
import type { Mempool } from '../core/mempool.ts';
import { blockSubsidy } from '../core/params.ts';
import { bitsToTarget } from '../core/pow.ts';
import { assembleBlock, createCoinbase } from '../core/template.ts';
import type { PowPool } from './pow-pool.ts';

export interface MineOptions {
  chain: Chainstate;
  pool: PowPool;
  payoutScript: Bytes;
  /** Seconds since the epoch. */
  now: () => number;
  mempool?: Mempool;
  /** Tag written into the coinbase after the height. */
  tag?: string;
  signal?: AbortSignal;
}

export interface MinedBlock {
  block: Block;
  entry: BlockEntry;
  hashes: number;
}

/**
 * Builds a block on the current tip and searches for its proof of work; when the nonce space runs out, the
 * extra nonce in the coinbase changes and the search goes on. Returns null when aborted.
 */
export async function mineOneBlock(o: MineOptions): Promise<MinedBlock | null> {
  const { chain } = o;
  let hashes = 0;
  for (let extraNonce = 0; ; extraNonce++) {
    if (o.signal?.aborted) return null;
    const parent = chain.tip;
    const height = parent.height + 1;
    const template = o.mempool?.blockTemplate(chain.params.maxBlockWeight - 4000) ?? { txs: [], fees: 0n };
    const extra = new TextEncoder().encode(`${o.tag ?? 'forklab'}/${extraNonce}`);
    const coinbase = createCoinbase({
      height,
      payoutScript: o.payoutScript,
      value: blockSubsidy(height, chain.params) + template.fees,
      extra,
      witnessCommitmentFor: template.txs,
    });
    const block = assembleBlock({
      prevHash: parent.hash,
      time: Math.max(Math.floor(o.now()), chain.medianTimePast(parent) + 1),
      bits: chain.nextBits(parent),
      coinbase,
      txs: template.txs,
    });
    const result = await o.pool.search({ header: block.header.toBytes(), target: bitsToTarget(block.header.bits) }, o.signal);
    hashes += result.hashes;
    if (result.aborted) return null;
    if (result.nonce === null) continue;
    const solved = block.with(block.header.with({ nonce: result.nonce }));
    const r = chain.processBlock(solved, 'local miner');
    if (r.status === 'rejected') throw new Error(`mined block ${r.id} rejected: ${r.code} ${r.reason ?? ''}`);
    const entry = chain.getEntry(solved.id)!;
    return { block: solved, entry, hashes };
  }
}
