// explorer.blockViews and explorer.txViews (every view at once) against explorer.block and explorer.tx asked view by view.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChainBuilder, EASY } from '../../../test/support/chain-builder.ts';
import { Chainstate } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { Mempool } from '../core/mempool.ts';
import { ExplorerIndex } from './ingest.ts';
import type { BlockViewStatus, ExplorerQueries, TxViewStatus } from './queries.ts';

/** Two nodes on one block builder, each with its mempool, and an index following both as views 'a' and 'b'. */
function twoNodes() {
  const t = new ChainBuilder();
  const chainB = new Chainstate(t.params, { now: () => t.now, checker: t.checker });
  const poolA = new Mempool(t.chain, { now: () => t.now });
  const poolB = new Mempool(chainB, { now: () => t.now });
  const last = t.chainOf('m', 'genesis', 3 + EASY.coinbaseMaturity);
  for (let i = 1; i <= 3 + EASY.coinbaseMaturity; i++) {
    t.accept(`m${i}`);
    expect(chainB.processBlock(t.get(`m${i}`)).status).toBe('connected');
  }
  const db = new Database(':memory:');
  const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
  index.attach('a', t.chain, poolA);
  index.attach('b', chainB, poolB);
  return { t, chainB, poolA, poolB, last, db, index, q: index.queries };
}

/** What explorer.block gives in each view, as blockViews shapes it (a null block is unseen). */
function blockViewsOneByOne(q: ExplorerQueries, hash: string): BlockViewStatus[] {
  return q.views().map((node) => {
    const b = q.block(node, hash);
    return { node, status: b?.status ?? 'unseen', code: b?.code ?? null, confirmations: b?.confirmations ?? -1 };
  });
}

/** What explorer.tx gives in each view, as txViews shapes it. */
function txViewsOneByOne(q: ExplorerQueries, txid: string): TxViewStatus[] {
  return q.views().map((node): TxViewStatus => {
    const x = q.tx(node, txid);
    if (x?.confirmed) return { node, state: 'confirmed', confirmations: x.confirmations, blockHash: x.block!.hash };
    if (x?.mempool) return { node, state: 'mempool', confirmations: 0, blockHash: null };
    if (x && x.blocks.length > 0) return { node, state: 'stale', confirmations: 0, blockHash: x.blocks[0]!.hash };
    return { node, state: 'unknown', confirmations: 0, blockHash: null };
  });
}

describe('every view of a block and of a transaction in one query', () => {
  it('agrees with explorer.block and explorer.tx view by view through a mempool, a reorg that double-spends, and an invalid block', () => {
    const { t, chainB, poolB, last, db, index, q } = twoNodes();
    const expectAgree = (blocks: string[], txids: string[]): void => {
      index.flush();
      for (const hash of blocks) expect(q.blockViews(hash), `block ${hash}`).toEqual(blockViewsOneByOne(q, hash));
      for (const txid of txids) expect(q.txViews(txid), `tx ${txid}`).toEqual(txViewsOneByOne(q, txid));
    };

    //   ... -> last -> a1 (P)                         a: a1; b: P in its mempool, never sees a1 until the end
    //             \-> b1 (Q: P's coin) -> b2 -> b3 (bad-cb-amount)
    const p = t.spendCoinbase('m1', { fee: 3000n });
    t.block('a1', last, { txs: [p] });
    t.accept('a1');
    poolB.accept(p);
    expectAgree([t.get('a1').id], [p.id]);
    expect(q.blockViews(t.get('a1').id)).toEqual([
      { node: 'a', status: 'active', code: null, confirmations: 1 },
      { node: 'b', status: 'unseen', code: null, confirmations: -1 },
    ]);
    expect(q.txViews(p.id)).toEqual([
      { node: 'a', state: 'confirmed', confirmations: 1, blockHash: t.get('a1').id },
      { node: 'b', state: 'mempool', confirmations: 0, blockHash: null },
    ]);

    // b1 and b2 win on both nodes: a1 goes stale on a, P loses its coin to Q (out of b's mempool too).
    const qtx = t.spendCoinbase('m1', { fee: 5000n });
    t.block('b1', last, { txs: [qtx] });
    t.block('b2', 'b1');
    for (const name of ['b1', 'b2']) {
      t.process(name);
      chainB.processBlock(t.get(name));
    }
    expect(t.chain.tip.id).toBe(t.get('b2').id);
    expect(poolB.has(p.id)).toBe(false);
    const all = ['m1', last, 'a1', 'b1', 'b2'].map((n) => t.get(n).id);
    expectAgree(all, [p.id, qtx.id, t.get('m1').txs[0]!.id]);
    expect(q.txViews(p.id)).toEqual([
      { node: 'a', state: 'stale', confirmations: 0, blockHash: t.get('a1').id },
      { node: 'b', state: 'stale', confirmations: 0, blockHash: t.get('a1').id }, // a1 is stored, though b never saw it
    ]);
    expect(q.txViews(qtx.id).map((x) => [x.state, x.confirmations])).toEqual([['confirmed', 2], ['confirmed', 2]]);
    expect(q.blockViews(t.get('a1').id).map((x) => x.status)).toEqual(['stale', 'unseen']);

    // b3 overpays its coinbase: invalid on a; b sees a1 late, as a stale side branch.
    t.block('b3', 'b2', { coinbaseExtra: 1n });
    expect(t.process('b3')).toMatchObject({ status: 'rejected', code: 'bad-cb-amount' });
    expect(chainB.processBlock(t.get('a1')).status).toBe('side-branch');
    expectAgree([...all, t.get('b3').id], [p.id, qtx.id]);
    expect(q.blockViews(t.get('b3').id)).toEqual([
      { node: 'a', status: 'invalid', code: 'bad-cb-amount', confirmations: -1 },
      { node: 'b', status: 'unseen', code: null, confirmations: -1 },
    ]);
    expect(q.blockViews(t.get('a1').id).map((x) => x.status)).toEqual(['stale', 'stale']);
    expect(q.blockViews(t.get('m1').id).map((x) => x.confirmations)).toEqual([t.chain.height, chainB.height]);

    // A transaction only a mempool holds, and names nothing holds.
    const r = t.spendCoinbase('m2', { fee: 2000n });
    poolB.accept(r);
    const unknown = 'ab'.repeat(32);
    expectAgree([unknown], [r.id, unknown]);
    expect(q.txViews(r.id.toUpperCase()).map((x) => x.state)).toEqual(['unknown', 'mempool']);
    expect(q.blockViews(unknown).map((x) => x.status)).toEqual(['unseen', 'unseen']);
    expect(q.txViews(unknown).map((x) => x.state)).toEqual(['unknown', 'unknown']);
    db.close();
  });

  it('refuses a malformed hash or txid with InputError', () => {
    const { db, q } = twoNodes();
    expect(() => q.blockViews('xyz')).toThrow(InputError);
    expect(() => q.blockViews('xyz')).toThrow(/hash: expected 64 hex characters, got "xyz"/);
    expect(() => q.txViews('12zz')).toThrow(/txid: expected 64 hex characters, got "12zz"/);
    db.close();
  });
});
