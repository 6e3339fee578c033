// Block validation, the signature cache and reorg cost, each against a baseline measured in the same run.

import * as secp from '@noble/secp256k1';
import { Chainstate } from '../src/main/core/chainstate.ts';
import { Mempool } from '../src/main/core/mempool.ts';
import { SignatureChecker } from '../src/main/core/signatures.ts';
import type { Block } from '../src/main/core/block.ts';
import { wasmSchnorr } from '../src/main/crypto/fast-schnorr.ts';
import { VerifyPool, preverifyBlock } from '../src/main/crypto/verify-pool.ts';
import { FixtureChain, now, params } from './fixtures.ts';
import { figure, measureRate, type Figure } from './figure.ts';

function freshChain(prefix: readonly Block[]): Chainstate {
  const chain = new Chainstate(params, { now, checker: new SignatureChecker(wasmSchnorr) });
  for (const b of prefix) {
    const r = chain.processBlock(b);
    if (r.status !== 'connected') throw new Error(`fixture block rejected: ${r.code}`);
  }
  return chain;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** noble's schnorr.verify per second over distinct valid signatures. */
function nobleVerifyRate(): number {
  const items = Array.from({ length: 64 }, (_, i) => {
    const sk = new Uint8Array(32).fill(i + 1);
    const msg = new Uint8Array(32).fill(i + 7);
    return { sig: secp.schnorr.sign(msg, sk, new Uint8Array(32)), msg, pub: secp.schnorr.getPublicKey(sk) };
  });
  let i = 0;
  return measureRate(() => {
    const it = items[i++ % items.length]!;
    if (!secp.schnorr.verify(it.sig, it.msg, it.pub)) throw new Error('reference verify failed');
    return 1;
  }, 2000);
}

export async function benchValidation(): Promise<Figure[]> {
  const TXS = 500;
  const f = new FixtureChain();
  const coins = f.makeCoins(TXS);
  const prefix = [...f.blocks];
  const payments = f.payments(coins);
  const block = f.build(payments).block;

  const cold: number[] = [];
  const warm: number[] = [];
  for (let run = 0; run < 5; run++) {
    const c = freshChain(prefix);
    cold.push(time(() => expectConnected(c.processBlock(block))));
    const w = freshChain(prefix);
    const pool = new Mempool(w, { now });
    for (const tx of payments) pool.accept(tx);
    warm.push(time(() => expectConnected(w.processBlock(block))));
  }
  // The same cold block with its signatures verified on two worker threads first (as nodes do in real time).
  const pool = new VerifyPool({ threads: 2 });
  const parallel: number[] = [];
  try {
    for (let run = 0; run < 5; run++) {
      const c = freshChain(prefix);
      const t = performance.now();
      await preverifyBlock(block, c.utxo, c.checker, pool);
      expectConnected(c.processBlock(block));
      parallel.push(performance.now() - t);
    }
  } finally {
    await pool.close();
  }
  const coldMs = median(cold);
  const parallelMs = median(parallel);
  const warmMs = median(warm);
  const txPerSec = (TXS / coldMs) * 1000;
  const baseline = nobleVerifyRate();
  return [
    figure('validation.coldBlock', 'tx/s', txPerSec, { name: '@noble/secp256k1 schnorr.verify', value: baseline }, { min: 5 }, `${TXS}-tx block, one Schnorr signature each, fresh signature cache, median of 5`),
    figure(
      'validation.coldBlockWorkers',
      'tx/s',
      (TXS / parallelMs) * 1000,
      { name: 'same block verified on the main thread', value: txPerSec },
      { min: 1 },
      'signatures verified on 2 worker threads (libsecp256k1/wasm) before connecting; the rest on the main thread',
    ),
    figure(
      'validation.sigCache',
      'blocks/s',
      1000 / warmMs,
      { name: 'same block, cold cache', value: 1000 / coldMs },
      { min: 5 },
      `block of ${TXS} txs already accepted to the mempool (signature and script caches warm)`,
    ),
  ];
}

export function benchReorg(): Figure {
  const DEPTH = 100;
  const PER_BLOCK = 100;
  const f = new FixtureChain();
  const coins = f.makeCoins(PER_BLOCK * (2 * DEPTH + 1));
  const prefix = [...f.blocks];
  const fork = f.tip;
  const a: Block[] = [];
  for (let i = 0; i < DEPTH; i++) a.push(f.build(f.payments(coins.slice(i * PER_BLOCK, (i + 1) * PER_BLOCK))).block);
  const b: Block[] = [];
  let parent = fork;
  for (let i = 0; i < DEPTH + 1; i++) {
    const start = (DEPTH + i) * PER_BLOCK;
    parent = f.build(f.payments(coins.slice(start, start + PER_BLOCK)), parent, false);
    b.push(parent.block);
  }
  const chain = freshChain(prefix);
  const connectMs = time(() => {
    for (const blk of a) expectConnected(chain.processBlock(blk));
  });
  for (const blk of b.slice(0, -1)) {
    const r = chain.processBlock(blk);
    if (r.status !== 'side-branch') throw new Error(`side block: ${r.status} ${r.code ?? ''}`);
  }
  let depth = 0;
  chain.events.on('reorg', (e) => (depth = e.depth));
  const reorgMs = time(() => expectConnected(chain.processBlock(b[b.length - 1]!)));
  if (depth !== DEPTH) throw new Error(`expected a reorg of depth ${DEPTH}, got ${depth}`);
  // Lower is better: report the reorg's rate against connecting, so ratio = reorg time / connect time.
  const fig = figure('reorg.depth100', 'ms', reorgMs, { name: `connecting the same ${DEPTH} blocks of ${PER_BLOCK} txs`, value: connectMs }, { max: 1.5 }, `detach ${DEPTH} blocks, attach ${DEPTH + 1} (cold signatures)`);
  return fig;
}

function expectConnected(r: { status: string; code?: string; reason?: string }): void {
  if (r.status !== 'connected') throw new Error(`expected connected, got ${r.status} ${r.code ?? ''} ${r.reason ?? ''}`);
}
