// The explorer index against a model: a virtual-time lab with traffic, a double spend and a partition, every node a view.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { doubleSpend } from '../attacks/double-spend.ts';
import { parseParams } from '../attacks/attack.ts';
import { Lab } from '../network/lab.ts';
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
});
