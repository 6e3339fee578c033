// Explorer queries on hand-built chains (fullblocktests style): stale, reorged and invalid blocks; bad input.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChainBuilder } from '../../../test/support/chain-builder.ts';
import { addressFromScript } from '../core/address.ts';
import { InputError } from '../core/errors.ts';
import { ExplorerIndex } from './ingest.ts';
import { expectViewsConsistent } from './model.test-support.ts';

function setup() {
  const t = new ChainBuilder();
  const db = new Database(':memory:');
  const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 1000 });
  index.attach('n', t.chain);
  return { t, db, index, q: index.queries };
}

describe('explorer queries', () => {
  it('follows a side branch, a reorg that double-spends, and an invalid block', () => {
    const { t, db, index, q } = setup();
    //   genesis -> a1 -> ... -> a6 -> a7 (P spends a1's coinbase)
    //                             \-> b7 (Q spends it too) -> b8 -> b9 (bad-cb-amount)
    t.chainOf('a', 'genesis', 6);
    for (let i = 1; i <= 6; i++) t.accept(`a${i}`);
    const p = t.spendCoinbase('a1', { outputs: 2 });
    t.block('a7', 'a6', { txs: [p] });
    t.accept('a7');
    index.flush();
    expectViewsConsistent(db);

    const pInfo = q.tx('n', p.id)!;
    expect(pInfo.confirmed).toBe(true);
    expect(pInfo.confirmations).toBe(1);
    expect(pInfo.fee).toBe(t.get('a1').txs[0]!.outputs[0]!.value - p.totalOut());
    expect(pInfo.inputs[0]!.prevTxid).toBe(t.get('a1').txs[0]!.id);
    expect(pInfo.inputs[0]!.value).toBe(t.get('a1').txs[0]!.outputs[0]!.value);
    const cb1 = q.tx('n', t.get('a1').txs[0]!.id)!;
    expect(cb1.isCoinbase).toBe(true);
    expect(cb1.fee).toBeNull();
    expect(cb1.outputs[0]!.spentBy).toEqual({ txid: p.id, vin: 0, height: 7 });
    expect(q.block('n', 7)!.txids).toEqual([t.get('a7').txs[0]!.id, p.id]);
    expect(q.block('n', 6)!.nextHash).toBe(t.get('a7').id);

    // b7: equal work, seen second: a stale side branch.
    const qtx = t.spendCoinbase('a1', { fee: 5000n });
    t.block('b7', 'a6', { txs: [qtx] });
    expect(t.process('b7').status).toBe('side-branch');
    index.flush();
    expect(q.block('n', t.get('b7').id)).toMatchObject({ status: 'stale', confirmations: -1, nextHash: null });
    expect(q.tx('n', qtx.id)).toMatchObject({ confirmed: false, block: null, confirmations: 0 });
    expect(q.chainTips('n')).toEqual([
      { height: 7, hash: t.get('a7').id, branchlen: 0, status: 'active' },
      { height: 7, hash: t.get('b7').id, branchlen: 1, status: 'valid-fork' },
    ].sort((x, y) => (x.hash < y.hash ? -1 : 1)).sort((x, y) => y.height - x.height));

    // b8: the b branch has more work; a7 is detached and P loses its coin to Q.
    t.block('b8', 'b7');
    expect(t.process('b8').status).toBe('connected');
    index.flush();
    expectViewsConsistent(db);
    expect(q.tx('n', p.id)).toMatchObject({ confirmed: false, block: null });
    expect(q.tx('n', p.id)!.blocks).toEqual([{ hash: t.get('a7').id, height: 7, position: 1, status: 'stale' }]);
    expect(q.tx('n', qtx.id)).toMatchObject({ confirmed: true, confirmations: 2, block: { hash: t.get('b7').id, height: 7, position: 1 } });
    expect(q.tx('n', t.get('a1').txs[0]!.id)!.outputs[0]!.spentBy!.txid).toBe(qtx.id);
    const [reorg] = q.reorgs('n');
    expect(reorg).toMatchObject({
      depth: 1,
      fork: { hash: t.get('a6').id, height: 6 },
      detached: [t.get('a7').id],
      attached: [t.get('b7').id, t.get('b8').id],
      returnedToMempool: null,
      doubleSpent: [p.id],
      time: 1000,
    });

    // b9 pays its coinbase one satoshi too much: stored, then invalid with the rule code.
    t.block('b9', 'b8', { coinbaseExtra: 1n });
    expect(t.process('b9')).toMatchObject({ status: 'rejected', code: 'bad-cb-amount' });
    index.flush();
    expectViewsConsistent(db);
    expect(q.block('n', t.get('b9').id)).toMatchObject({ status: 'invalid', code: 'bad-cb-amount', confirmations: -1 });
    expect(q.chainTips('n').find((x) => x.hash === t.get('b9').id)).toEqual({ height: 9, hash: t.get('b9').id, branchlen: 1, status: 'invalid' });
    expect(q.latestBlocks('n', { limit: 3 }).map((b) => b.hash)).toEqual([t.get('b8').id, t.get('b7').id, t.get('a6').id]);
    expect(q.latestBlocks('n', { limit: 2, before: 7 }).map((b) => b.height)).toEqual([6, 5]);

    // The block tree over the fork: both branches, the view's status on each.
    const tree = q.blockTree(6, 9);
    expect(tree.map((b) => [b.height, b.views.n?.status])).toEqual([
      [6, 'active'],
      [7, 'stale'],
      [7, 'active'],
      [8, 'active'],
      [9, 'invalid'],
    ]);
    expect(tree.find((b) => b.hash === t.get('b8').id)!.prevHash).toBe(t.get('b7').id);

    // The wallet's address, as the view sees it: P's outputs are gone, Q's are there.
    const address = addressFromScript(t.wallet.primary.scriptPubKey, t.params)!;
    const info = q.address('n', address, { limit: 2 })!;
    const model = [...t.chain.utxo.entries()].filter(([, c]) => addressFromScript(c.scriptPubKey, t.params) === address);
    expect(info.balance).toBe(model.reduce((s, [, c]) => s + c.value, 0n));
    expect(info.utxos.map((u) => `${u.txid}:${u.vout}`).sort()).toEqual(model.map(([k]) => k).sort());
    expect(info.history).toHaveLength(2);
    const pages = [...info.history];
    for (let next = info.next; next !== null; ) {
      const page = q.address('n', address, { limit: 2, before: next })!;
      pages.push(...page.history);
      next = page.next;
    }
    expect(pages.length).toBe(info.txCount);
    expect(pages.map((h) => h.height)).toEqual([...pages.map((h) => h.height)].sort((a, b) => b - a));
    expect(pages.some((h) => h.txid === p.id)).toBe(false);

    // Search: height, hash, txid prefix, address.
    expect(q.search('n', '8')).toEqual([{ kind: 'block', hash: t.get('b8').id, height: 8 }]);
    expect(q.search('n', t.get('b9').id)).toEqual([{ kind: 'block', hash: t.get('b9').id, height: 9 }]);
    expect(q.search('n', qtx.id.slice(0, 9).toUpperCase())).toContainEqual({ kind: 'tx', txid: qtx.id });
    expect(q.search('n', ` ${address} `)).toEqual([{ kind: 'address', address }]);
    expect(q.search('n', '99')).toEqual([]);
    expect(q.search('n', 'not-anything!')).toEqual([]);
  });

  it('answers null for well-formed unknown items and InputError for malformed ones', () => {
    const { t, index, q } = setup();
    t.chainOf('a', 'genesis', 2);
    t.accept('a1');
    t.accept('a2');
    index.flush();
    const unknown = 'ab'.repeat(32);
    expect(q.block('n', unknown)).toBeNull();
    expect(q.block('n', 3)).toBeNull();
    expect(q.tx('n', unknown)).toBeNull();
    expect(q.address('n', 'fl1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq')).toBeNull();
    expect(q.search('n', unknown)).toEqual([]);
    const bad: [() => unknown, string, RegExp][] = [
      [() => q.tx('n', 'abc'), 'bad-txid', /txid: expected 64 hex characters, got "abc"/],
      [() => q.tx('n', 'g'.repeat(64)), 'bad-txid', /expected 64 hex/],
      [() => q.block('n', 'xyz'), 'bad-hash', /hash: expected 64 hex/],
      [() => q.block('n', -1), 'bad-height', /height/],
      [() => q.block('n', 1.5), 'bad-height', /height/],
      [() => q.latestBlocks('nobody'), 'unknown-view', /unknown view "nobody": expected one of n/],
      [() => q.latestBlocks('n', { limit: 0 }), 'bad-limit', /limit/],
      [() => q.address('n', 'a b'), 'bad-address', /address/],
      [() => q.address('n', 'fl1q', { before: 'x' }), 'bad-cursor', /cursor/],
      [() => q.blockTree(5, 2), 'bad-range', /block tree/],
      [() => q.blockTree(0, 1_000_000), 'bad-range', /block tree/],
    ];
    for (const [call, code, message] of bad) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe(code);
      expect((error as InputError).message).toMatch(message);
    }
  });

  it('answers an address exactly after a competing branch is stored at heights it has already read', () => {
    const { t, index, q } = setup();
    //   genesis -> a1 ... a6 -> a7 (P: a1's coinbase)
    //                     \-> b6 -> b7 (Q: a1's coinbase too) -> b8
    t.chainOf('a', 'genesis', 6);
    for (let i = 1; i <= 6; i++) t.accept(`a${i}`);
    t.block('a7', 'a6', { txs: [t.spendCoinbase('a1', { outputs: 2 })] });
    t.accept('a7');
    index.flush();
    const address = addressFromScript(t.wallet.primary.scriptPubKey, t.params)!;
    const model = () => [...t.chain.utxo.entries()].filter(([, c]) => addressFromScript(c.scriptPubKey, t.params) === address);
    const expectModel = (): void => {
      const info = q.address('n', address, { limit: 1000 })!;
      expect(info.utxos.map((u) => `${u.txid}:${u.vout}`).sort()).toEqual(model().map(([k]) => k).sort());
      expect(info.balance).toBe(model().reduce((sum, [, c]) => sum + c.value, 0n));
      expect(info.history.map((h) => h.blockHash)).toEqual(info.history.map((h) => t.chain.entryAtHeight(h.height)!.id));
    };
    expectModel();
    t.block('b6', 'a5');
    t.block('b7', 'b6', { txs: [t.spendCoinbase('a1', { fee: 3000n })] });
    t.block('b8', 'b7');
    for (const b of ['b6', 'b7', 'b8']) t.process(b);
    expect(t.chain.tip.id).toBe(t.get('b8').id);
    index.flush();
    expectModel();
    expect(q.address('n', address)!.history.some((h) => h.blockHash === t.get('a6').id)).toBe(false);
  });
});
