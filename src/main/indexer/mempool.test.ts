// Each view's mempool in the index against the node's mempool (the model): traffic, blocks, a double spend's reorg, a partition.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChainBuilder, EASY } from '../../../test/support/chain-builder.ts';
import { addressFromScript } from '../core/address.ts';
import { Mempool } from '../core/mempool.ts';
import type { Transaction } from '../core/tx.ts';
import { doubleSpend } from '../attacks/double-spend.ts';
import { parseParams } from '../attacks/attack.ts';
import { InputError } from '../core/errors.ts';
import type { MempoolEntry } from '../core/mempool.ts';
import { Lab } from '../network/lab.ts';
import type { Node } from '../node/node.ts';
import { ExplorerIndex } from './ingest.ts';
import { ExplorerQueries, type MempoolTx } from './queries.ts';

function byFeeRate(a: MempoolEntry, b: MempoolEntry): number {
  return b.feeRate - a.feeRate || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0);
}

function expected(e: MempoolEntry): MempoolTx {
  const { tx } = e;
  return {
    txid: e.txid,
    size: tx.totalSize,
    vsize: e.vsize,
    weight: tx.weight,
    fee: e.fee,
    feeRate: e.feeRate,
    time: e.time,
    inputCount: tx.inputs.length,
    outputCount: tx.outputs.length,
    valueOut: tx.totalOut(),
  };
}

/** The index's mempool for the node's view equals node.mempool: entries by fee rate, totals, and a fee-rate filter. */
function expectMempoolMatchesNode(q: ExplorerQueries, node: Node, where: string): number {
  const entries = [...node.mempool.all()].sort(byFeeRate);
  const info = q.mempool(node.id, { limit: 1000 });
  expect(entries.length, `${where}: ${node.id} mempool fits one page`).toBeLessThanOrEqual(1000);
  expect(info.count, `${where}: ${node.id} count`).toBe(node.mempool.size);
  expect(info.vsize, `${where}: ${node.id} vsize`).toBe(node.mempool.vsize);
  expect(info.fees, `${where}: ${node.id} fees`).toBe(entries.reduce((s, e) => s + e.fee, 0n));
  expect(info.txs, `${where}: ${node.id} entries`).toEqual(entries.map(expected));
  if (entries.length > 1) {
    const min = entries[Math.floor(entries.length / 2)]!.feeRate;
    const above = entries.filter((e) => e.feeRate >= min);
    const filtered = q.mempool(node.id, { limit: 3, minFeeRate: min });
    expect(filtered.count).toBe(above.length);
    expect(filtered.vsize).toBe(above.reduce((s, e) => s + e.vsize, 0));
    expect(filtered.txs).toEqual(above.slice(0, 3).map(expected));
  }
  return entries.length;
}

function indexLab(lab: Lab) {
  const db = new Database(':memory:');
  const index = new ExplorerIndex(db, { schedule: () => {}, now: () => lab.now() });
  const offs = new Map(lab.testnet.allNodes().map((node) => [node.id, index.attach(node.id, node.chain, node.mempool)]));
  let checks = 0;
  let nonEmpty = 0;
  /** Flushes, then checks every view's mempool against its node. */
  const flushAndCheck = (where: string): void => {
    index.flush();
    for (const node of lab.testnet.allNodes()) if (expectMempoolMatchesNode(index.queries, node, where) > 0) nonEmpty++;
    checks++;
  };
  return { db, index, offs, flushAndCheck, stats: () => ({ checks, nonEmpty }) };
}

describe('mempool as each view sees it (virtual time)', () => {
  it('equals each node\'s mempool after every flush through traffic, blocks, a double spend\'s reorg and a partition', async () => {
    const seed = 'indexer-mempool';
    const lab = Lab.create({ mode: 'virtual', seed, attackerShare: 0.7 });
    const { db, index, flushAndCheck, stats } = indexLab(lab);
    try {
      lab.startTraffic({ rate: 0.5 });
      flushAndCheck('start');
      // Checked at every progress event of the attack: while the merchant waits, when blocks are found, at the reorg.
      const report = await doubleSpend.run(lab, parseParams(doubleSpend, { z: 2 }), (p) => flushAndCheck(`double spend: ${p.phase}`));
      expect(report.success, `seed ${seed}`).toBe(true);
      flushAndCheck('after the double spend');
      const reorgs = index.queries.reorgs('h0');
      expect(reorgs.length).toBeGreaterThan(0);
      // The payment left the merchant's mempool for good: it lost its coin to the conflict.
      expect(index.queries.mempool('h0', { limit: 1000 }).txs.map((t) => t.txid)).not.toContain(report.payment);

      lab.miners.start();
      for (let i = 0; i < 4; i++) {
        await lab.sleep(90_000);
        flushAndCheck(`mining ${i}`);
      }
      lab.testnet.partition([
        ['h0', 'h1'],
        ['h2', 'h3', 'attacker'],
      ]);
      for (let i = 0; i < 4; i++) {
        await lab.sleep(2 * 60_000);
        flushAndCheck(`partition ${i}`);
      }
      lab.testnet.heal();
      await lab.sleep(2 * 60_000);
      flushAndCheck('healed');
      await lab.miners.stop();
      lab.traffic?.stop();
      expect(await lab.waitFor(() => lab.testnet.converged(), 120_000)).toBe(true);
      flushAndCheck('converged');
      expect(index.queries.reorgs('h0').length + index.queries.reorgs('h2').length).toBeGreaterThan(reorgs.length);
      const { checks, nonEmpty } = stats();
      expect(checks).toBeGreaterThan(12);
      expect(nonEmpty, 'most checks saw a non-empty mempool').toBeGreaterThan(checks);
    } finally {
      await lab.close();
      db.close();
    }
  });

  it('loads the current mempool on attach, and again (replacing its rows) when a view is attached anew', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'indexer-mempool-late', attackerShare: 0.2 });
    try {
      lab.miners.start();
      lab.startTraffic({ rate: 0.5 });
      await lab.sleep(4 * 60_000);
      const { db, index, offs, flushAndCheck } = indexLab(lab);
      const h0 = lab.testnet.node('h0');
      expect(h0.mempool.size).toBeGreaterThan(0);
      flushAndCheck('attached late');

      // Detached, the view's rows go stale; attached again, they are replaced by the mempool as it now is.
      offs.get('h0')!();
      const before = index.queries.mempool('h0', { limit: 1000 }).txs.map((t) => t.txid);
      await lab.sleep(3 * 60_000);
      index.flush();
      expect(index.queries.mempool('h0', { limit: 1000 }).txs.map((t) => t.txid)).toEqual(before);
      index.attach('h0', h0.chain, h0.mempool);
      flushAndCheck('attached again');
      await lab.miners.stop();
      lab.traffic?.stop();
      db.close();
    } finally {
      await lab.close();
    }
  });

  it('refuses bad arguments', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'indexer-mempool-bad', attackerShare: 0.2 });
    const { db, index } = indexLab(lab);
    index.flush();
    expect(index.queries.mempool('h0')).toEqual({ count: 0, vsize: 0, fees: 0n, txs: [] });
    expect(() => index.queries.mempool('nobody')).toThrow(InputError);
    expect(() => index.queries.mempool('h0', { limit: 0 })).toThrow(/limit/);
    expect(() => index.queries.mempool('h0', { minFeeRate: -1 })).toThrow(/minFeeRate/);
    expect(() => index.queries.mempool('h0', { minFeeRate: Number.NaN })).toThrow(/minFeeRate/);
    db.close();
    await lab.close();
  });
});

/** A chain with mature coinbases m1..m4, its mempool, and an index following both as view 'n'. */
function pooledChain() {
  const t = new ChainBuilder();
  const last = t.chainOf('m', 'genesis', 4 + EASY.coinbaseMaturity);
  for (let i = 1; i <= 4 + EASY.coinbaseMaturity; i++) t.accept(`m${i}`);
  const pool = new Mempool(t.chain, { now: () => t.now });
  const db = new Database(':memory:');
  const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
  index.attach('n', t.chain, pool);
  const address = (tx: Transaction, vout: number): string | null => addressFromScript(tx.outputs[vout]!.scriptPubKey, t.params);
  return { t, pool, db, index, q: index.queries, last, address };
}

describe('explorer.tx of a transaction in the view\'s mempool', () => {
  it('decodes a mempool-only transaction: unconfirmed, in no block, inputs linked to the coins they spend', () => {
    const { t, pool, db, index, q, address } = pooledChain();
    const tx = t.spendCoinbase('m1', { fee: 2000n, outputs: 2 });
    const entry = pool.accept(tx);
    index.flush();
    const coinbase = t.get('m1').txs[0]!;
    expect(q.tx('n', tx.id.toUpperCase())).toEqual({
      txid: tx.id,
      size: tx.totalSize,
      vsize: tx.vsize,
      weight: tx.weight,
      fee: 2000n,
      isCoinbase: false,
      confirmed: false,
      block: null,
      confirmations: 0,
      blocks: [],
      mempool: { time: entry.time, feeRate: entry.feeRate },
      inputs: [{ vin: 0, coinbase: false, prevTxid: coinbase.id, prevVout: 0, value: coinbase.outputs[0]!.value, address: address(coinbase, 0), sequence: tx.inputs[0]!.sequence }],
      outputs: tx.outputs.map((o, vout) => ({ vout, value: o.value, type: 'p2tr', address: address(tx, vout), scriptHex: Buffer.from(o.scriptPubKey).toString('hex'), spentBy: null })),
    });
    expect(tx.outputs.every((_, vout) => address(tx, vout) !== null)).toBe(true);
    // A confirmed transaction is not in the mempool.
    expect(q.tx('n', coinbase.id)!.mempool).toBeNull();
    db.close();
  });

  it('a reader that follows no node (the CLI) decodes its outputs\' addresses with the workspace\'s encoding', () => {
    const { t, pool, db, index, address } = pooledChain();
    const tx = t.spendCoinbase('m1', { fee: 2000n, outputs: 2 });
    pool.accept(tx);
    index.flush();
    const reader = new ExplorerQueries(db);
    expect(reader.tx('n', tx.id)!.outputs.map((o) => o.address)).toEqual([null, null]);
    reader.setDefaultAddressPrefixes(t.params);
    expect(reader.tx('n', tx.id)!.outputs.map((o) => o.address)).toEqual([address(tx, 0), address(tx, 1)]);
    db.close();
  });

  it('links an input to the output of an unconfirmed parent in the same mempool', () => {
    const { t, pool, db, index, q, address } = pooledChain();
    const parent = t.spendCoinbase('m2', { outputs: 2 });
    const child = t.spend([{ txid: parent.txid, vout: 1 }], { fee: 1500n });
    pool.accept(parent);
    pool.accept(child);
    index.flush();
    const info = q.tx('n', child.id)!;
    expect(info).toMatchObject({ confirmed: false, blocks: [], fee: 1500n, mempool: { feeRate: pool.get(child.id)!.feeRate } });
    expect(info.inputs).toEqual([{ vin: 0, coinbase: false, prevTxid: parent.id, prevVout: 1, value: parent.outputs[1]!.value, address: address(parent, 1), sequence: child.inputs[0]!.sequence }]);
    // The parent's outputs are not spent by the view's best chain (its child is unconfirmed).
    expect(q.tx('n', parent.id)!.outputs.map((o) => o.spentBy)).toEqual([null, null]);
    // Once the parent leaves the mempool unconfirmed, the child's input no longer knows its coin.
    pool.remove(child.id, 'evicted');
    pool.remove(parent.id, 'evicted');
    index.flush();
    expect(q.tx('n', child.id)).toBeNull();
    db.close();
  });

  it('shows a transaction a reorg returned to the mempool with its stale block and its mempool entry', () => {
    const { t, pool, db, index, q, last } = pooledChain();
    //   ... -> last -> a1 (P)
    //             \-> b1 -> b2 (P back in the mempool)
    const p = t.spendCoinbase('m3', { fee: 4000n });
    t.block('a1', last, { txs: [p] });
    t.accept('a1');
    index.flush();
    expect(q.tx('n', p.id)).toMatchObject({ confirmed: true, confirmations: 1, mempool: null });
    t.block('b1', last);
    t.block('b2', 'b1');
    t.process('b1');
    expect(t.process('b2').status).toBe('connected');
    expect(pool.has(p.id)).toBe(true);
    index.flush();
    const info = q.tx('n', p.id)!;
    expect(info).toMatchObject({ confirmed: false, block: null, confirmations: 0, fee: 4000n, mempool: { time: pool.get(p.id)!.time, feeRate: pool.get(p.id)!.feeRate } });
    expect(info.blocks).toEqual([{ hash: t.get('a1').id, height: t.heightOf('a1'), position: 1, status: 'stale' }]);
    expect(info.inputs[0]!.value).toBe(t.get('m3').txs[0]!.outputs[0]!.value);
    db.close();
  });
});
