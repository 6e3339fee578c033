// Mempool policy: first-seen conflicts, minimum relay fee, eviction when full, templates by ancestor fee rate, reorgs.

import { describe, expect, it } from 'vitest';
import { ChainBuilder, EASY } from '../../../test/support/chain-builder.ts';
import { RuleError } from './errors.ts';
import { Mempool } from './mempool.ts';
import { Transaction } from './tx.ts';

const MATURITY = EASY.coinbaseMaturity;

/** A chain with `n` mature coinbases (blocks m1..mn) and a mempool on it. */
function setup(n = 4, options: { maxVsize?: number; minRelayFeeRate?: number } = {}) {
  const t = new ChainBuilder();
  const last = t.chainOf('m', 'genesis', n + MATURITY);
  for (let i = 1; i <= n + MATURITY; i++) t.accept(`m${i}`);
  const pool = new Mempool(t.chain, { now: () => t.now, ...options });
  return { t, pool, last };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('mempool', () => {
  it('accepts a valid spend and refuses a second spend of the same coin (first seen wins)', () => {
    const { t, pool } = setup();
    const first = t.spendCoinbase('m1', { fee: 1000n });
    const second = t.spendCoinbase('m1', { fee: 50_000n });
    pool.accept(first);
    expect(codeOf(() => pool.accept(second))).toBe('txn-mempool-conflict');
    expect(pool.has(first.id)).toBe(true);
    expect(pool.size).toBe(1);
    expect(codeOf(() => pool.accept(first))).toBe('txn-already-in-mempool');
  });

  it('refuses what a block would refuse, changing nothing', () => {
    const { t, pool, last } = setup();
    const good = t.spendCoinbase('m1');
    const sig = Uint8Array.from(good.inputs[0]!.witness[0]!);
    sig[3]! ^= 4;
    const bad = { ...good, inputs: [{ ...good.inputs[0]!, witness: [sig] }] };
    expect(codeOf(() => pool.accept(new Transaction(bad)))).toBe('bad-schnorr-sig');
    expect(codeOf(() => pool.accept(t.spendCoinbase(last)))).toBe('bad-txns-premature-spend-of-coinbase');
    expect(codeOf(() => pool.accept(t.get('m1').txs[0]!))).toBe('coinbase');
    expect(pool.size).toBe(0);
  });

  it('enforces the minimum relay fee rate', () => {
    const { t, pool } = setup(4, { minRelayFeeRate: 2 });
    const cheap = t.spendCoinbase('m1', { fee: 100n }); // ~111 vB: below 2 sat/vB
    expect(codeOf(() => pool.accept(cheap))).toBe('min-relay-fee-not-met');
    pool.accept(t.spendCoinbase('m1', { fee: 300n }));
    expect(pool.size).toBe(1);
  });

  it('accepts chains of unconfirmed transactions and selects by ancestor fee rate (child pays for parent)', () => {
    const { t, pool } = setup();
    const parent = t.spendCoinbase('m1', { fee: 200n }); // low fee rate
    const child = t.spend([{ txid: parent.txid, vout: 0 }], { fee: 100_000n }); // pays for both
    const middle = t.spendCoinbase('m2', { fee: 5_000n });
    pool.accept(parent);
    pool.accept(child);
    pool.accept(middle);
    expect(pool.get(child.id)!.parents.has(parent.id)).toBe(true);
    const template = pool.blockTemplate(EASY.maxBlockWeight);
    expect(template.txs.map((x) => x.id)).toEqual([parent.id, child.id, middle.id]);
    expect(template.fees).toBe(105_200n);
    // The template connects: mine it.
    t.block('tpl', 'm' + (4 + MATURITY), { txs: template.txs });
    t.accept('tpl');
    expect(pool.size).toBe(0);
  });

  it('evicts the lowest fee rate when full', () => {
    const { t, pool } = setup(4, { maxVsize: 250 }); // room for two ~111 vB transactions
    const txs: Transaction[] = [1000n, 3000n, 2000n].map((fee, i) => t.spendCoinbase(`m${i + 1}`, { fee }));
    pool.accept(txs[0]!);
    pool.accept(txs[1]!);
    pool.accept(txs[2]!); // evicts the 1000-sat one
    expect(pool.has(txs[0]!.id)).toBe(false);
    expect(pool.has(txs[1]!.id) && pool.has(txs[2]!.id)).toBe(true);
    const low = t.spendCoinbase('m4', { fee: 500n });
    expect(codeOf(() => pool.accept(low))).toBe('mempool-full');
    expect(pool.size).toBe(2);
  });

  it('on a reorg, returns detached transactions and records those the new chain conflicts with as double spends', () => {
    const { t, pool, last } = setup();
    //   last -> b1(pay, keep) -> (tip)
    //       \-> c1(conflict) -> c2          (reorg: pay is double spent, keep returns to the mempool)
    const pay = t.spendCoinbase('m1', { fee: 1000n });
    const keep = t.spendCoinbase('m2', { fee: 1000n });
    const conflict = t.spendCoinbase('m1', { fee: 9000n });
    t.block('b1', last, { txs: [pay, keep] });
    t.accept('b1');
    t.block('c1', last, { txs: [conflict] });
    t.block('c2', 'c1');
    t.accept('c1');
    t.accept('c2');
    expect(t.chain.tip.id).toBe(t.get('c2').id);
    expect(pool.has(keep.id)).toBe(true);
    expect(pool.has(pay.id)).toBe(false);
    expect(pool.doubleSpends).toEqual([
      { txid: pay.id, conflictingTxid: conflict.id, outpoints: [`${t.get('m1').txs[0]!.id}:0`], blockId: t.get('c1').id },
    ]);
  });

  it('drops a mempool transaction that a new block conflicts with, recording the double spend', () => {
    const { t, pool, last } = setup();
    const mine = t.spendCoinbase('m1', { fee: 1000n });
    const theirs = t.spendCoinbase('m1', { fee: 2000n });
    pool.accept(mine);
    t.block('x', last, { txs: [theirs] });
    t.accept('x');
    expect(pool.size).toBe(0);
    expect(pool.doubleSpends.map((d) => [d.txid, d.conflictingTxid])).toEqual([[mine.id, theirs.id]]);
  });
});

describe('mempool after a reorg that removes a parent', () => {
  it('drops a child whose parent was double-spent away, with the double spend recorded', () => {
    const { t, pool, last } = setup();
    //   last -> b1(parent) -> (tip), child of parent in the mempool
    //       \-> c1(conflict with parent) -> c2
    const parent = t.spendCoinbase('m1', { fee: 1000n });
    const child = t.spend([{ txid: parent.txid, vout: 0 }], { fee: 1000n });
    const conflict = t.spendCoinbase('m1', { fee: 5000n });
    t.block('b1', last, { txs: [parent] });
    t.accept('b1');
    pool.accept(child);
    expect(pool.has(child.id)).toBe(true);
    t.block('c1', last, { txs: [conflict] });
    t.block('c2', 'c1');
    t.accept('c1');
    t.accept('c2');
    expect(pool.has(child.id)).toBe(false);
    expect(pool.has(parent.id)).toBe(false);
    expect(pool.doubleSpends.map((d) => d.txid)).toContain(parent.id);
    // Whatever is left in the pool is spendable on the new tip: a template built from it connects.
    t.block('next', 'c2', { txs: pool.blockTemplate(EASY.maxBlockWeight).txs });
    t.accept('next');
  });
});
