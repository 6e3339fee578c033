// Coin provenance: hand-built graphs with known answers (split, merge, several coinbases, fees, rounding), a reorg, bad input, and as properties the sum rules and the ancestry's definition.

import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainBuilder } from '../../../test/support/chain-builder.ts';
import { addressFromScript } from '../core/address.ts';
import { InputError } from '../core/errors.ts';
import type { Transaction } from '../core/tx.ts';
import { ExplorerIndex } from './ingest.ts';
import { Provenance, type TaintPolicy } from './provenance.ts';
import { address, coin, referenceAncestry, setup, withoutBlocks } from './provenance.test-support.ts';

describe('ancestry', () => {
  it('splits: one coinbase, one transaction with a fee', () => {
    const { ledger, p, sync } = setup();
    //   A (coinbase, 5000 to account 0) -> S: 3000 + 1500, fee 500
    const a = ledger.coinbase([5000n]);
    ledger.mine([a]);
    const s = ledger.spend([[a, 0]], [3000n, 1500n], [1, 2]);
    ledger.mine([s]);
    sync();
    const r = p.ancestry('v', coin(s, 1))!;
    expect(r.coin).toBe(coin(s, 1));
    expect(r.value).toBe(1500n);
    expect(r.truncated).toBe(false);
    expect(r.nodes).toEqual([
      { id: s.id, depth: 0, isCoinbase: false, block: { hash: ledger.entryAtHeight(2)!.id, height: 2 }, expanded: true },
      { id: a.id, depth: 1, isCoinbase: true, block: { hash: ledger.entryAtHeight(1)!.id, height: 1 }, expanded: true },
    ]);
    expect(r.edges).toEqual([{ from: coin(a, 0), to: s.id, value: 5000n }]);
    expect(r.coinbases).toEqual([{ txid: a.id, height: 1, value: 5000n, block: { hash: ledger.entryAtHeight(1)!.id, height: 1 }, miner: address(0) }]);

    // A coinbase output is its own ancestry.
    const own = p.ancestry('v', coin(a, 0))!;
    expect(own.nodes.map((n) => n.id)).toEqual([a.id]);
    expect(own.edges).toEqual([]);
    expect(own.coinbases).toMatchObject([{ txid: a.id, value: 5000n }]);
  });

  it('merges: several coinbases, a diamond reached at two depths, the shortest depth wins', () => {
    const { ledger, p, sync } = setup();
    //   B (4000) ---------------------\
    //   C (6000, 2 outputs 3000+3000)  -> M (B:0, C:0, D:0) -> N (M:0, C:1)
    //   D (1000) ---------------------/
    const b = ledger.coinbase([4000n]);
    const c = ledger.coinbase([3000n, 3000n]);
    const d = ledger.coinbase([1000n]);
    ledger.mine([b]);
    ledger.mine([c]);
    ledger.mine([d]);
    const m = ledger.spend([[b, 0], [c, 0], [d, 0]], [7500n]);
    ledger.mine([m]);
    const n = ledger.spend([[m, 0], [c, 1]], [10_000n]);
    ledger.mine([n]);
    sync();
    const r = p.ancestry('v', coin(n, 0))!;
    expect(r.nodes.map((x) => [x.id, x.depth])).toEqual([
      [n.id, 0],
      [m.id, 1],
      [c.id, 1],
      [b.id, 2],
      [d.id, 2],
    ]);
    expect(r.edges).toEqual([
      { from: coin(m, 0), to: n.id, value: 7500n },
      { from: coin(c, 1), to: n.id, value: 3000n },
      { from: coin(b, 0), to: m.id, value: 4000n },
      { from: coin(c, 0), to: m.id, value: 3000n },
      { from: coin(d, 0), to: m.id, value: 1000n },
    ]);
    // Each coinbase's value is what the graph draws from it: C gives both of its outputs.
    expect(r.coinbases.map((x) => [x.txid, x.value])).toEqual([
      [c.id, 6000n],
      [b.id, 4000n],
      [d.id, 1000n],
    ]);

    // Bounds: depth 1 stops at M and C; one node is just the coin's own transaction.
    const shallow = p.ancestry('v', coin(n, 0), { maxDepth: 1 })!;
    expect(shallow.truncated).toBe(true);
    expect(shallow.nodes.map((x) => [x.id, x.expanded])).toEqual([
      [n.id, true],
      [m.id, false],
      [c.id, true],
    ]);
    expect(shallow.edges.map((e) => e.to)).toEqual([n.id, n.id]);
    const tiny = p.ancestry('v', coin(n, 0), { maxNodes: 2 })!;
    expect(tiny).toMatchObject({ truncated: true, edges: [], coinbases: [] });
    expect(tiny.nodes).toEqual([expect.objectContaining({ id: n.id, expanded: false })]);
    expect(p.ancestry('v', coin(n, 0), { maxNodes: 5 })!.truncated).toBe(false);
  });
});

describe('descendants', () => {
  it('follows spenders, lists unspent outputs, and bounds the walk', () => {
    const { ledger, p, sync } = setup();
    //   A:0 -> S (2 outputs) -> S:0 -> T ; S:1 unspent ; T:0 unspent
    const a = ledger.coinbase([5000n, 10n]);
    ledger.mine([a]);
    const s = ledger.spend([[a, 0]], [3000n, 1500n]);
    ledger.mine([s]);
    const t = ledger.spend([[s, 0]], [2900n]);
    ledger.mine([t]);
    sync();
    const r = p.descendants('v', coin(a, 0))!;
    expect(r).toMatchObject({ coin: coin(a, 0), value: 5000n, truncated: false });
    expect(r.nodes.map((n) => [n.id, n.depth, n.block.height, n.expanded])).toEqual([
      [s.id, 1, 2, true],
      [t.id, 2, 3, true],
    ]);
    expect(r.edges).toEqual([
      { from: coin(a, 0), to: s.id, value: 5000n, address: address(0) },
      { from: coin(s, 0), to: t.id, value: 3000n, address: address(1) },
    ]);
    expect(r.unspent).toEqual([
      { coin: coin(s, 1), value: 1500n, address: address(1) },
      { coin: coin(t, 0), value: 2900n, address: address(1) },
    ]);
    expect(p.descendants('v', coin(a, 1))).toEqual({ coin: coin(a, 1), value: 10n, nodes: [], edges: [], unspent: [{ coin: coin(a, 1), value: 10n, address: address(0) }], truncated: false });
    const cut = p.descendants('v', coin(a, 0), { maxDepth: 1 })!;
    expect(cut.truncated).toBe(true);
    expect(cut.nodes).toEqual([expect.objectContaining({ id: s.id, expanded: false })]);
    expect(cut.unspent).toEqual([]);
    expect(p.descendants('v', coin(a, 0), { maxDepth: 0 })).toMatchObject({ nodes: [], edges: [], truncated: true });
  });
});

describe('taint', () => {
  it('merge with a fee: haircut, FIFO and poison relative to a source transaction', () => {
    const { ledger, p, sync } = setup();
    //   B (4000) \
    //             -> M: 5000 + 4500, fee 500
    //   C (6000) /
    const b = ledger.coinbase([4000n]);
    const c = ledger.coinbase([6000n]);
    ledger.mine([b]);
    ledger.mine([c]);
    const m = ledger.spend([[b, 0], [c, 0]], [5000n, 4500n]);
    ledger.mine([m]);
    sync();
    const src = { txid: b.id };
    // Haircut: every output is 40% B, 60% C.
    expect(p.taint('v', coin(m, 0), src, 'haircut')).toEqual({
      coin: coin(m, 0),
      value: 5000n,
      policy: 'haircut',
      tainted: 2000n,
      fraction: 0.4,
      byOrigin: [
        { txid: c.id, coinbase: true, value: 3000n, tainted: 0n },
        { txid: b.id, coinbase: true, value: 2000n, tainted: 2000n },
      ],
      truncated: false,
    });
    expect(p.taint('v', coin(m, 1), src, 'haircut')).toMatchObject({ tainted: 1800n, byOrigin: [{ txid: c.id, value: 2700n }, { txid: b.id, value: 1800n }] });
    // FIFO: output 0 takes B's 4000 then 1000 of C; output 1 takes 4500 of C; the fee is C's last 500.
    expect(p.taint('v', coin(m, 0), src, 'fifo')).toMatchObject({ tainted: 4000n, fraction: 0.8, byOrigin: [{ txid: b.id, value: 4000n }, { txid: c.id, value: 1000n }] });
    expect(p.taint('v', coin(m, 1), src, 'fifo')).toMatchObject({ tainted: 0n, fraction: 0, byOrigin: [{ txid: c.id, value: 4500n, tainted: 0n }] });
    // Poison: B is an ancestor of both outputs.
    expect(p.taint('v', coin(m, 1), src, 'poison')).toMatchObject({ tainted: 4500n, fraction: 1, byOrigin: [{ txid: c.id, value: 2700n, tainted: 2700n }, { txid: b.id, value: 1800n, tainted: 1800n }] });
    // The coin's own transaction as the source taints it entirely under every policy.
    for (const policy of ['poison', 'haircut', 'fifo'] as const) expect(p.taint('v', coin(m, 1), { txid: m.id }, policy)!.tainted).toBe(4500n);
    // An unrelated transaction taints nothing.
    const other = ledger.coinbase([1n]);
    ledger.mine([other]);
    sync();
    for (const policy of ['poison', 'haircut', 'fifo'] as const) expect(p.taint('v', coin(m, 0), { txid: other.id }, policy)!.tainted).toBe(0n);
  });

  it('haircut rounding gives leftover satoshis to the largest remainders and keeps the sum exact', () => {
    const { ledger, p, sync } = setup();
    // Three coinbases of 1 sat each into one output of 2 (fee 1): each share is 2/3; the floors give 0, the
    // two leftover satoshis go to the first two origins (equal remainders: lower label first).
    const cbs = [ledger.coinbase([1n]), ledger.coinbase([1n]), ledger.coinbase([1n])];
    for (const cb of cbs) ledger.mine([cb]);
    const m = ledger.spend(cbs.map((cb): [Transaction, number] => [cb, 0]), [2n]);
    ledger.mine([m]);
    // 7 sats from X (5) and Y (2) into 3 outputs of 3, 3, 1: shares X 15/7, 15/7, 5/7, Y 6/7, 6/7, 2/7.
    const x = ledger.coinbase([5n]);
    const y = ledger.coinbase([2n]);
    ledger.mine([x]);
    ledger.mine([y]);
    const z = ledger.spend([[x, 0], [y, 0]], [3n, 3n, 1n]);
    ledger.mine([z]);
    sync();
    const r = p.taint('v', coin(m, 0), { txid: cbs[0]!.id }, 'haircut')!;
    const byTxid = Object.fromEntries(r.byOrigin.map((o) => [o.txid, [o.value, o.tainted]]));
    expect(byTxid).toEqual({ [cbs[0]!.id]: [1n, 1n], [cbs[1]!.id]: [1n, 0n] });
    expect(r.tainted).toBe(1n);
    const shares = [0, 1, 2].map((v) => p.taint('v', coin(z, v), { txid: x.id }, 'haircut')!.tainted);
    // X: floors 2, 2, 0 with remainders 1/7, 1/7, 5/7; Y: floors 0, 0, 0 with remainders 6/7, 6/7, 2/7.
    expect(shares).toEqual([2n, 2n, 1n]);
  });

  it('an address as the source: outputs paying it are tainted where they are created', () => {
    const { ledger, p, sync } = setup();
    //   D (4900) -> T1: 3000 to SRC, 1900 to account 1 ; E (5000)
    //   T1:0 + E:0 -> T2: 7000 (fee 1000)
    const SRC = 9;
    const d = ledger.coinbase([4900n]);
    const e = ledger.coinbase([5000n]);
    ledger.mine([d]);
    ledger.mine([e]);
    const t1 = ledger.spend([[d, 0]], [3000n, 1900n], [SRC, 1]);
    ledger.mine([t1]);
    const t2 = ledger.spend([[t1, 0], [e, 0]], [7000n]);
    ledger.mine([t2]);
    sync();
    const src = { address: address(SRC) };
    expect(p.taint('v', coin(t2, 0), src, 'poison')).toMatchObject({ tainted: 7000n, fraction: 1 });
    expect(p.taint('v', coin(t2, 0), src, 'haircut')).toMatchObject({ tainted: 2625n, byOrigin: [{ txid: e.id, value: 4375n, tainted: 0n }, { txid: d.id, value: 2625n, tainted: 2625n }] });
    expect(p.taint('v', coin(t2, 0), src, 'fifo')).toMatchObject({ tainted: 3000n, byOrigin: [{ txid: e.id, value: 4000n, tainted: 0n }, { txid: d.id, value: 3000n, tainted: 3000n }] });
    // T1's other output never passed through the address.
    for (const policy of ['poison', 'haircut', 'fifo'] as const) expect(p.taint('v', coin(t1, 1), src, policy)!.tainted).toBe(0n);
    // A truncated walk makes the frontier an origin; the sum still holds.
    const cut = p.taint('v', coin(t2, 0), src, 'haircut', { maxDepth: 1 })!;
    expect(cut.truncated).toBe(true);
    expect(cut.byOrigin.map((o) => [o.txid, o.coinbase, o.value])).toEqual([
      [e.id, true, 4375n],
      [t1.id, false, 2625n],
    ]);
  });
});

describe('as a view sees it', () => {
  it('never shows a stale transaction as an ancestor or a spender; a reorged-away coin is null', () => {
    const t = new ChainBuilder();
    const db = new Database(':memory:');
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
    index.attach('n', t.chain);
    const p = new Provenance(db);
    //   genesis -> a1 -> ... -> a6 -> a7 (P spends a1's coinbase) -> a8 (P2 spends P:0)
    //                              \-> b7 (Q spends a1's coinbase too) -> b8 -> b9
    t.chainOf('a', 'genesis', 6);
    for (let i = 1; i <= 6; i++) t.accept(`a${i}`);
    const cb1 = t.get('a1').txs[0]!;
    const pTx = t.spendCoinbase('a1', { outputs: 2 });
    t.block('a7', 'a6', { txs: [pTx] });
    t.accept('a7');
    const p2 = t.spend([{ txid: pTx.txid, vout: 0 }]);
    t.block('a8', 'a7', { txs: [p2] });
    t.accept('a8');
    index.flush();
    expect(p.ancestry('n', coin(p2, 0))!.nodes.map((n) => n.id)).toEqual([p2.id, pTx.id, cb1.id]);
    expect(p.descendants('n', coin(cb1, 0))!.nodes.map((n) => n.id)).toEqual([pTx.id, p2.id]);

    const q = t.spendCoinbase('a1', { fee: 5000n });
    t.block('b7', 'a6', { txs: [q] });
    t.accept('b7');
    t.block('b8', 'b7');
    t.block('b9', 'b8');
    t.accept('b8');
    t.accept('b9');
    index.flush();
    // P and P2 are in stale blocks now: their coins are unknown to the view, cb1's spender is Q.
    expect(p.ancestry('n', coin(p2, 0))).toBeNull();
    expect(p.ancestry('n', coin(pTx, 1))).toBeNull();
    expect(p.descendants('n', coin(pTx, 0))).toBeNull();
    expect(p.taint('n', coin(p2, 0), { txid: cb1.id }, 'haircut')).toBeNull();
    const d = p.descendants('n', coin(cb1, 0))!;
    expect(d.nodes.map((n) => [n.id, n.block.hash])).toEqual([[q.id, t.get('b7').id]]);
    expect(d.edges.map((e) => e.to)).toEqual([q.id]);
    const a = p.ancestry('n', coin(q, 0))!;
    expect(a.nodes.map((n) => n.id)).toEqual([q.id, cb1.id]);
    expect(a.coinbases).toMatchObject([{ txid: cb1.id, height: 1, block: { hash: t.get('a1').id, height: 1 }, miner: addressFromScript(t.wallet.primary.scriptPubKey, t.params) }]);
  });
});

describe('bad input', () => {
  it('throws InputError for malformed input and answers null for a coin the view does not have', () => {
    const { ledger, p, sync } = setup();
    const a = ledger.coinbase([5000n]);
    ledger.mine([a]);
    sync();
    expect(p.ancestry('v', `${'ab'.repeat(32)}:0`)).toBeNull();
    expect(p.ancestry('v', `${a.id}:1`)).toBeNull();
    expect(p.descendants('v', `${'ab'.repeat(32)}:0`)).toBeNull();
    expect(p.taint('v', `${a.id}:7`, { txid: a.id }, 'fifo')).toBeNull();
    expect(p.ancestry('v', `${a.id.toUpperCase()}:0`)!.coin).toBe(`${a.id}:0`);
    const bad: [() => unknown, string, RegExp][] = [
      [() => p.ancestry('v', 'abc:0'), 'bad-coin', /coin: expected "txid:vout".*got "abc:0"/],
      [() => p.ancestry('v', a.id), 'bad-coin', /coin: expected/],
      [() => p.ancestry('v', `${a.id}:-1`), 'bad-coin', /coin/],
      [() => p.ancestry('v', `${a.id}:4294967296`), 'bad-coin', /coin/],
      [() => p.descendants('v', `${'g'.repeat(64)}:0`), 'bad-coin', /coin/],
      [() => p.ancestry('nobody', `${a.id}:0`), 'unknown-view', /unknown view "nobody": expected one of v/],
      [() => p.ancestry('v', `${a.id}:0`, { maxDepth: -1 }), 'bad-limit', /maxDepth: expected an integer/],
      [() => p.descendants('v', `${a.id}:0`, { maxNodes: 0 }), 'bad-limit', /maxNodes/],
      [() => p.taint('v', `${a.id}:0`, { txid: 'xyz' }, 'poison'), 'bad-txid', /source txid: expected 64 hex/],
      [() => p.taint('v', `${a.id}:0`, { address: 'a b' }, 'poison'), 'bad-address', /source address/],
      [() => p.taint('v', `${a.id}:0`, {} as { txid: string }, 'poison'), 'bad-source', /source: expected/],
      [() => p.taint('v', `${a.id}:0`, { txid: a.id }, 'lifo' as TaintPolicy), 'bad-policy', /policy: expected one of poison, haircut, fifo, got "lifo"/],
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
});

/** A random transaction graph: coinbases, then transactions spending random unspent outputs with random fees. */
const graphSpec = fc.record({
  coinbases: fc.array(fc.array(fc.bigInt({ min: 0n, max: 100_000n }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
  txs: fc.array(
    fc.record({
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      weights: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }),
      feePermille: fc.integer({ min: 0, max: 300 }),
      payTo: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
      perBlock: fc.boolean(),
    }),
    { minLength: 1, maxLength: 25 },
  ),
  source: fc.nat(),
  bounds: fc.record({ maxDepth: fc.integer({ min: 0, max: 4 }), maxNodes: fc.integer({ min: 1, max: 12 }) }),
});

describe('sum rules (properties, seed 42)', () => {
  it('ancestry as defined, haircut sums to the value, poison is all or nothing, FIFO stays within the value, edges sum to each input total, descendants mirror ancestry', () => {
    fc.assert(
      fc.property(graphSpec, (spec) => {
        const { ledger, p, sync } = setup();
        const unspent: { tx: Transaction; vout: number; value: bigint }[] = [];
        const inputTotal = new Map<string, bigint>();
        const all: Transaction[] = [];
        for (const values of spec.coinbases) {
          const cb = ledger.coinbase(values, values.map((_, i) => i % 4));
          ledger.mine([cb]);
          all.push(cb);
          values.forEach((value, vout) => unspent.push({ tx: cb, vout, value }));
        }
        let pending: Transaction[] = [];
        for (const t of spec.txs) {
          const chosen = new Set(t.picks.map((i) => i % unspent.length));
          if (unspent.length === 0) break;
          const ins = [...chosen].sort((x, y) => y - x).map((i) => unspent.splice(i, 1)[0]!);
          const total = ins.reduce((s, c) => s + c.value, 0n);
          const spendable = total - (total * BigInt(t.feePermille)) / 1000n;
          const wsum = BigInt(t.weights.reduce((s, w) => s + w, 0) || 1);
          const values = t.weights.map((w) => (spendable * BigInt(w)) / wsum);
          const tx = ledger.spend(ins.map((c): [Transaction, number] => [c.tx, c.vout]), values, t.payTo);
          inputTotal.set(tx.id, total);
          all.push(tx);
          pending.push(tx);
          values.forEach((value, vout) => unspent.push({ tx, vout, value }));
          if (t.perBlock) {
            ledger.mine(pending);
            pending = [];
          }
        }
        if (pending.length > 0) ledger.mine(pending);
        sync();
        const byId = new Map(all.map((tx) => [tx.id, tx]));
        const sourceTx = all[spec.source % all.length]!;
        const sources = [{ txid: sourceTx.id }, { address: address(spec.source % 4) }];
        for (const tx of all) {
          for (let vout = 0; vout < tx.outputs.length; vout++) {
            const key = coin(tx, vout);
            const value = tx.outputs[vout]!.value;
            const a = p.ancestry('v', key)!;
            expect(a.value).toBe(value);
            expect(a.truncated).toBe(false);
            expect(withoutBlocks(a)).toEqual(referenceAncestry(byId, key));
            expect(withoutBlocks(p.ancestry('v', key, spec.bounds)!)).toEqual(referenceAncestry(byId, key, spec.bounds));
            for (const n of a.nodes) {
              if (n.isCoinbase) continue;
              const into = a.edges.filter((e) => e.to === n.id).reduce((s, e) => s + e.value, 0n);
              expect(into, `edges into ${n.id}`).toBe(inputTotal.get(n.id));
            }
            const fromCoinbases = a.coinbases.reduce((s, c) => s + c.value, 0n);
            expect(fromCoinbases).toBe(a.edges.filter((e) => a.coinbases.some((c) => e.from.startsWith(c.txid))).reduce((s, e) => s + e.value, 0n) + (tx.isCoinbase() ? value : 0n));
            for (const source of sources) {
              const poison = p.taint('v', key, source, 'poison')!;
              expect([0n, value]).toContain(poison.tainted);
              const haircut = p.taint('v', key, source, 'haircut')!;
              expect(haircut.byOrigin.reduce((s, o) => s + o.value, 0n)).toBe(value);
              expect(haircut.tainted).toBeLessThanOrEqual(value);
              if (haircut.tainted > 0n) expect(poison.tainted).toBe(value);
              const fifo = p.taint('v', key, source, 'fifo')!;
              expect(fifo.tainted >= 0n && fifo.tainted <= value).toBe(true);
              expect(fifo.byOrigin.reduce((s, o) => s + o.value, 0n)).toBe(value);
              if (fifo.tainted > 0n) expect(poison.tainted).toBe(value);
              for (const r of [haircut, fifo]) expect(r.byOrigin.every((o) => o.coinbase && a.coinbases.some((c) => c.txid === o.txid))).toBe(true);
            }
            if (vout > 0) continue;
            // Descendants mirror ancestry: every transaction the coin went to has the coin's transaction among its ancestors.
            const d = p.descendants('v', key)!;
            expect(d.truncated).toBe(false);
            expect(new Set(d.edges.map((e) => e.from)).size).toBe(d.edges.length); // one spender per output
            for (const n of d.nodes) expect(p.ancestry('v', `${n.id}:0`)!.nodes.some((x) => x.id === tx.id), `${n.id} descends from ${tx.id}`).toBe(true);
          }
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});
