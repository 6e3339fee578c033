// The ancestry walk: levels wider than one statement's batch, bounds cutting them, and a transaction stored in two blocks.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChainBuilder } from '../../../test/support/chain-builder.ts';
import type { Transaction } from '../core/tx.ts';
import { ExplorerIndex } from './ingest.ts';
import { Provenance } from './provenance.ts';
import { coin, referenceAncestry, setup, withoutBlocks } from './provenance.test-support.ts';

describe('ancestry in batches', () => {
  it('reads wide levels in several statements and cuts them at maxNodes exactly as the definition says', () => {
    const { ledger, p, sync } = setup();
    //   C (5000 outputs of 1) -> A_i spends C:2i and C:2i+1, i < 2500 --\
    //                                                                    -> R (2501 inputs)
    //   D (4200 outputs of 2) -> W spends all of D (more inputs than one batch) --/
    const txs = new Map<string, Transaction>();
    const add = (tx: Transaction): Transaction => (txs.set(tx.id, tx), tx);
    const c = add(ledger.coinbase(new Array<bigint>(5000).fill(1n)));
    const d = add(ledger.coinbase(new Array<bigint>(4200).fill(2n)));
    ledger.mine([c]);
    ledger.mine([d]);
    const as = Array.from({ length: 2500 }, (_, i) => add(ledger.spend([[c, 2 * i], [c, 2 * i + 1]], [2n])));
    const w = add(ledger.spend(Array.from({ length: 4200 }, (_, i): [Transaction, number] => [d, i]), [8000n]));
    ledger.mine([...as, w]);
    const r = add(ledger.spend([...as.map((a): [Transaction, number] => [a, 0]), [w, 0]], [12_000n]));
    ledger.mine([r]);
    sync();

    const full = p.ancestry('v', coin(r, 0))!;
    expect(full.nodes).toHaveLength(1 + 2500 + 1 + 2);
    expect(full.edges).toHaveLength(2501 + 5000 + 4200);
    expect(full.truncated).toBe(false);
    expect(full.coinbases.map((x) => [x.txid, x.value])).toEqual([
      [c.id, 5000n],
      [d.id, 8400n],
    ]);
    expect(withoutBlocks(full)).toEqual(referenceAncestry(txs, coin(r, 0)));
    // 2502 nodes: R's parents fit, then the first A_i's parent C does not: every A_i and W is the frontier.
    // 2503: C joins, the other A_i add nothing new, W's parent D does not fit.
    for (const bounds of [{ maxNodes: 2502 }, { maxNodes: 2503 }, { maxDepth: 1 }]) {
      const cut = p.ancestry('v', coin(r, 0), bounds)!;
      expect(withoutBlocks(cut), JSON.stringify(bounds)).toEqual(referenceAncestry(txs, coin(r, 0), bounds));
    }
    expect(p.ancestry('v', coin(r, 0), { maxNodes: 2503 })!.nodes.filter((n) => !n.expanded).map((n) => n.id)).toEqual([w.id]);
    // Taint flows through the same graph: R's 12,000 of 13,000 in, W's 8,000 (all D's, tainted as W's) and C's
    // 5,000 in proportion: 7,384.6 and 4,615.4, the leftover satoshi to the larger remainder.
    const t = p.taint('v', coin(r, 0), { txid: w.id }, 'haircut')!;
    expect(t.byOrigin.map((o) => [o.txid, o.value, o.tainted])).toEqual([
      [d.id, 7385n, 7385n],
      [c.id, 4615n, 0n],
    ]);
  });
});

describe('one transaction in two blocks', () => {
  it('each view walks the copies in its own best chain', () => {
    const t = new ChainBuilder();
    const other = new ChainBuilder(); // a second node: it sees the a-branch only
    const db = new Database(':memory:');
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
    index.attach('n', t.chain);
    index.attach('m', other.chain);
    const p = new Provenance(db);
    //   genesis -> a1 -> ... -> a6 -> a7 (P) -> a8 (P2 spends P:0)     node m stays here
    //                              \-> b7 (P) -> b8 (P2) -> b9          node n moves here
    t.chainOf('a', 'genesis', 6);
    const pTx = t.spendCoinbase('a1', { outputs: 2 });
    t.block('a7', 'a6', { txs: [pTx] });
    const p2 = t.spend([{ txid: pTx.txid, vout: 0 }]);
    t.block('a8', 'a7', { txs: [p2] });
    t.block('b7', 'a6', { txs: [pTx] });
    t.block('b8', 'b7', { txs: [p2] });
    t.block('b9', 'b8');
    for (let i = 1; i <= 8; i++) {
      t.accept(`a${i}`);
      expect(other.chain.processBlock(t.get(`a${i}`)).status).toBe('connected');
    }
    for (const name of ['b7', 'b8', 'b9']) t.accept(name);
    index.flush();
    const copies = db.prepare('SELECT count(*) FROM txs t JOIN txids x ON x.id = t.txid_id WHERE x.txid = ?').pluck();
    expect([pTx, p2].map((tx) => copies.get(Buffer.from(tx.id, 'hex')))).toEqual([2, 2]); // the index holds both copies of each
    const cb1 = t.get('a1').txs[0]!;
    const blocksOf = (view: string) => p.ancestry(view, coin(p2, 0))!.nodes.map((x) => [x.id, x.block.hash]);
    expect(blocksOf('n')).toEqual([
      [p2.id, t.get('b8').id],
      [pTx.id, t.get('b7').id],
      [cb1.id, t.get('a1').id],
    ]);
    expect(blocksOf('m')).toEqual([
      [p2.id, t.get('a8').id],
      [pTx.id, t.get('a7').id],
      [cb1.id, t.get('a1').id],
    ]);
    for (const view of ['n', 'm']) {
      expect(p.ancestry(view, coin(p2, 0))!.edges.map((e) => [e.from, e.to])).toEqual([
        [coin(pTx, 0), p2.id],
        [`${cb1.id}:0`, pTx.id],
      ]);
      expect(p.taint(view, coin(p2, 0), { txid: cb1.id }, 'fifo')!.tainted).toBe(p2.outputs[0]!.value);
    }
    expect(p.descendants('n', `${cb1.id}:0`)!.nodes.map((x) => x.block.hash)).toEqual([t.get('b7').id, t.get('b8').id]);
    expect(p.descendants('m', `${cb1.id}:0`)!.nodes.map((x) => x.block.hash)).toEqual([t.get('a7').id, t.get('a8').id]);
  });
});
