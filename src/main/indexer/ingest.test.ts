// The explorer index against a model: a virtual-time lab with traffic, a double spend and a partition, every node a view.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { doubleSpend } from '../attacks/double-spend.ts';
import { parseParams } from '../attacks/attack.ts';
import { FORKLAB_SIM } from '../core/params.ts';
import { Lab } from '../network/lab.ts';
import { ScriptedChain, SyntheticChain } from '../../../test/support/scripted-chain.ts';
import { ExplorerIndex } from './ingest.ts';
import { allBlocks, expectViewMatchesNode, expectViewsConsistent } from './model.test-support.ts';

function indexLab(lab: Lab, o: { maxTxsPerTransaction?: number } = {}) {
  const db = new Database(':memory:');
  const steps: (() => void)[] = [];
  const index = new ExplorerIndex(db, { schedule: (run) => steps.push(run), now: () => lab.now(), ...o });
  for (const node of lab.testnet.allNodes()) index.attach(node.id, node.chain, node.mempool);
  /** Runs the scheduled flush steps one transaction at a time, checking the invariant after each. */
  const drain = (check: boolean): number => {
    let n = 0;
    while (steps.length > 0) {
      steps.shift()!();
      n++;
      if (check) expectViewsConsistent(db);
    }
    return n;
  };
  return { db, index, drain };
}

function checkAll(lab: Lab, index: ExplorerIndex, db: Database.Database): void {
  const nodes = lab.testnet.allNodes();
  const blocks = allBlocks(nodes);
  for (const node of nodes) expectViewMatchesNode(index.queries, db, node, blocks);
}

describe('explorer index against the chainstate model (virtual time)', () => {
  it('answers as each node sees it through traffic, a double spend and a partition', async () => {
    const seed = 'indexer-model';
    const lab = Lab.create({ mode: 'virtual', seed, attackerShare: 0.7 });
    const { db, index, drain } = indexLab(lab, { maxTxsPerTransaction: 20 });
    try {
      lab.startTraffic({ rate: 0.5 });
      const report = await doubleSpend.run(lab, parseParams(doubleSpend, { z: 2 }));
      expect(report.success, `seed ${seed}`).toBe(true);
      // Several transactions per drain: each committed chunk must leave every view consistent.
      expect(drain(true)).toBeGreaterThan(1);
      checkAll(lab, index, db);

      // The reorg diff: the merchant's view lost the payment to the conflict.
      const reorgs = index.queries.reorgs('h0');
      expect(reorgs.length).toBeGreaterThan(0);
      expect(reorgs.some((r) => r.doubleSpent.includes(report.payment))).toBe(true);
      for (const r of reorgs) {
        expect(r.detached.length).toBe(r.depth);
        expect(r.returnedToMempool).not.toBeNull();
      }
      const payment = index.queries.tx('h0', report.payment)!;
      expect(payment.confirmed).toBe(false);
      expect(payment.blocks.some((b) => b.status === 'stale')).toBe(true);
      expect(index.queries.tx('h0', report.conflict)!.confirmed).toBe(true);
      const tips = index.queries.chainTips('h0');
      expect(tips.filter((t) => t.status === 'active')).toHaveLength(1);
      expect(tips.some((t) => t.status === 'valid-fork' && t.branchlen >= 2)).toBe(true);

      // A partition: the two sides' views disagree, and each is answered as its node sees it.
      lab.miners.start();
      const heightAtPartition = lab.testnet.node('h0').chain.height;
      lab.testnet.partition([
        ['h0', 'h1'],
        ['h2', 'h3', 'attacker'],
      ]);
      await lab.sleep(8 * 60_000);
      drain(false);
      expect(lab.testnet.node('h0').chain.tip.id).not.toBe(lab.testnet.node('h2').chain.tip.id);
      checkAll(lab, index, db);

      lab.testnet.heal();
      await lab.sleep(2 * 60_000);
      await lab.miners.stop();
      lab.traffic?.stop();
      expect(await lab.waitFor(() => lab.testnet.converged(), 120_000)).toBe(true);
      drain(true);
      checkAll(lab, index, db);
      expect(index.queries.reorgs('h0').length + index.queries.reorgs('h2').length).toBeGreaterThan(reorgs.length);

      // The block tree holds both sides of the partition, with each view's status.
      const h0 = lab.testnet.node('h0').chain;
      const tree = index.queries.blockTree(Math.max(0, heightAtPartition - 1), h0.height);
      expect(tree.some((b) => Object.values(b.views).some((s) => s.status === 'stale'))).toBe(true);
      for (const b of tree) for (const s of Object.values(b.views)) expect(['active', 'stale', 'invalid', 'headers-only']).toContain(s.status);
    } finally {
      await lab.close();
      db.close();
    }
  });

  it('catches up with a chain that was running before it attached, and stores each block once', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'indexer-late', attackerShare: 0.2 });
    lab.miners.start();
    lab.startTraffic({ rate: 0.5 });
    await lab.sleep(5 * 60_000);
    const { db, index, drain } = indexLab(lab);
    drain(true);
    checkAll(lab, index, db);
    await lab.sleep(2 * 60_000);
    await lab.miners.stop();
    lab.traffic?.stop();
    await lab.waitFor(() => lab.testnet.converged(), 60_000);
    index.flush();
    checkAll(lab, index, db);
    const distinct = allBlocks(lab.testnet.allNodes()).size;
    expect(Number(db.prepare('SELECT count(*) FROM blocks WHERE has_data = 1').pluck().get())).toBe(distinct);
    await lab.close();
    db.close();
  });

  it('completes the address rows of a block stored before the coins it spends, when it connects', () => {
    // View y reports x's block 3 as a side branch before the index holds blocks 1 and 2 (whose outputs block 3
    // spends); x's chain then attaches with its undo data. The rows must equal an index that saw x alone.
    const x = new SyntheticChain(FORKLAB_SIM, { seed: 'pending', addresses: 30 });
    x.mine(0, 40);
    x.mine(10);
    x.mine(10);
    const y = new ScriptedChain(FORKLAB_SIM);
    const db = new Database(':memory:');
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
    index.attach('y', y);
    const entry = x.entryAtHeight(3)!;
    y.events.emit('blockAccepted', { entry, block: x.getBlock(entry.id)!, status: 'side-branch' });
    index.flush();
    expect(db.prepare('SELECT count(*) FROM address_io_pending').pluck().get()).toBe(1);
    index.attach('x', x);
    index.flush();
    expect(db.prepare('SELECT count(*) FROM address_io_pending').pluck().get()).toBe(0);

    const alone = new Database(':memory:');
    const aloneIndex = new ExplorerIndex(alone, { schedule: () => {}, now: () => 0 });
    aloneIndex.attach('x', x);
    aloneIndex.flush();
    const rows = (d: Database.Database) => [
      d.prepare(`SELECT a.address, ai.height, ai.position, ai.n, hex(t.txid), hex(c.txid), ai.coin_vout, ai.value FROM address_io ai JOIN addresses a ON a.id = ai.address_id
        JOIN txids t ON t.id = ai.txid_id JOIN txids c ON c.id = ai.coin_txid_id ORDER BY 1, 2, 3, 4`).raw().all(),
      d.prepare('SELECT hex(x.txid), t.fee FROM txs t JOIN txids x ON x.id = t.txid_id ORDER BY 1').raw().all(),
      d.prepare('SELECT hex(x.txid), i.vin, i.prev_value FROM inputs i JOIN txs t ON t.id = i.tx_id JOIN txids x ON x.id = t.txid_id ORDER BY 1, 2').raw().all(),
    ];
    expect(rows(db)).toEqual(rows(alone));
    expect((rows(db)[0] as unknown[]).length).toBeGreaterThan(40);
    const someAddress = db.prepare('SELECT address FROM addresses LIMIT 1').pluck().get() as string;
    expect(index.queries.address('x', someAddress)).toEqual(aloneIndex.queries.address('x', someAddress));
  });

  it('keeps a view consistent at every commit while it is attached anew (its best chain emptied and rebuilt)', () => {
    const chain = new SyntheticChain(FORKLAB_SIM, { seed: 'reattach', addresses: 30 });
    chain.mine(0, 40);
    for (let i = 0; i < 6; i++) chain.mine(5);
    const db = new Database(':memory:');
    const steps: (() => void)[] = [];
    const index = new ExplorerIndex(db, { schedule: (run) => steps.push(run), now: () => 0, maxTxsPerTransaction: 1 });
    const other = new SyntheticChain(FORKLAB_SIM, { seed: 'reattach-other', addresses: 30 });
    other.mine(3);
    index.attach('x', chain)();
    index.flush();
    const address = db.prepare('SELECT address FROM addresses LIMIT 1').pluck().get() as string;
    const before = index.queries.address('x', address);
    // Another view's blocks are queued first, so the first commit of the catch-up could end right after its reset.
    index.attach('o', other);
    index.attach('x', chain);
    let commits = 0;
    while (steps.length > 0) {
      steps.shift()!();
      commits++;
      expectViewsConsistent(db);
    }
    expect(commits).toBeGreaterThan(1);
    expect(index.queries.address('x', address)).toEqual(before);
  });
});
