// Restoring a node from the index (headers, UTXO set, undo data derived from the index) equals a full replay, and reorgs below the restored tip.

import { describe, expect, it } from 'vitest';
import { indexedHistory } from '../../../test/support/indexed-history.ts';
import { Chainstate } from '../core/chainstate.ts';
import { ExplorerIndex } from '../indexer/ingest.ts';
import { expectViewMatchesNode, expectViewsConsistent } from '../indexer/model.test-support.ts';
import type { Node } from '../node/node.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualScheduler } from '../network/scheduler.ts';
import { generate } from './generate.ts';
import { replayView, storedViews } from './replay.ts';
import { restoreSteps, restoreView, restoreViews } from './restore.ts';
import { Workspace } from './workspace.ts';

/** What a chain's state is, compared between a restored and a replayed (or original) chain. */
function state(chain: Chainstate) {
  return {
    tip: `${chain.height}:${chain.tip.id}`,
    utxo: chain.utxo.digest(),
    coins: chain.utxo.size,
    tips: chain.tips().map((e) => `${e.height}:${e.id}`).sort(),
    active: Array.from({ length: chain.height + 1 }, (_, h) => chain.entryAtHeight(h)!.id),
  };
}

/** indexedHistory's chain (a1 ... a10 with spends, stale s7) as view 'n', and fresh chainstates to restore it into. */
function setup() {
  const { t, db } = indexedHistory();
  const view = storedViews(db).find((v) => v.name === 'n')!;
  const fresh = () => new Chainstate(t.params, { now: () => t.chain.params.genesis.header.time + 2_000_000, checker: t.checker });
  return { t, db, view, fresh };
}

describe('restore from the index', () => {
  it('gives the same tips, active chain and UTXO set as a full replay', () => {
    const { t, db, view, fresh } = setup();
    const restored = fresh();
    const r = restoreView(db, view, restored);
    expect(r).toMatchObject({ connected: 10, sideBranches: 1, skipped: [] });
    const replayed = fresh();
    expect(replayView(db, view, replayed).problems).toEqual([]);
    expect(state(restored)).toEqual(state(replayed));
    expect(state(restored)).toEqual(state(t.chain));
    // Blocks and undo data come from the index, equal to what the node had.
    expect(restored.getBlock(t.get('a8').id)!.id).toBe(t.get('a8').id);
    expect(restored.getUndo(t.get('a8').id)).toEqual(t.chain.getUndo(t.get('a8').id));
    expect(restored.getUndo(t.get('a10').id)).toEqual(t.chain.getUndo(t.get('a10').id));
    expect(restored.getUndo(t.get('s7').id)).toBeUndefined();
  });

  it('reorgs below the restored tip with undo data derived from the index, and the index follows', () => {
    const { t, db, view, fresh } = setup();
    const restored = fresh();
    restoreView(db, view, restored);
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
    index.attach('n', restored, undefined, { resume: true });
    // The resumed view is not stated again: nothing is queued.
    expect(index.pending).toBe(0);

    //   a6 -> s7 -> s8 -> s9 -> s10 -> s11: more work than a10; a10 ... a7 are disconnected.
    let prev = 's7';
    for (let i = 8; i <= 11; i++) {
      t.block(`s${i}`, prev);
      prev = `s${i}`;
    }
    for (const name of ['s8', 's9', 's10', 's11']) {
      const expected = t.process(name).status;
      expect(expected).toBe(name === 's11' ? 'connected' : 'side-branch');
      expect(restored.processBlock(t.get(name)).status, `${name} on the restored chain`).toBe(expected);
    }
    expect(restored.tip.id).toBe(t.get('s11').id);
    expect(state(restored)).toEqual(state(t.chain));

    // And back: a11, a12 make the a branch best again; a7 ... a10 connect from their stored data.
    t.block('a11', 'a10');
    t.block('a12', 'a11');
    for (const name of ['a11', 'a12']) expect(restored.processBlock(t.get(name)).status).toBe(t.accept(name).status);
    expect(restored.tip.id).toBe(t.get('a12').id);
    expect(state(restored)).toEqual(state(t.chain));

    index.flush();
    expectViewsConsistent(db);
    const blocks = new Map([...t.chain.allEntries()].filter((e) => e.hasData).map((e) => [e.id, t.chain.getBlock(e.id)!]));
    expectViewMatchesNode(index.queries, db, { id: 'n', chain: restored } as unknown as Node, blocks);
  });

  it('refuses a stored header that breaks a rule', () => {
    const { db, view, fresh } = setup();
    db.prepare("UPDATE blocks SET nonce = nonce + 1 WHERE id = (SELECT block_id FROM view_blocks WHERE height = 4 LIMIT 1)").run();
    expect(() => restoreView(db, view, fresh())).toThrow(/bad-stored-header: view n: stored header of [0-9a-f]{64} at height 4 hashes to/);
  });

  it('restores several views at once, sharing headers and coins between them, as each alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forklab-restore-many-'));
    try {
      const ws = Workspace.create(join(dir, 'ws'), { seed: 'restore-many', network: { nodes: [{ id: 'a', share: 0.5 }, { id: 'b', share: 0.3 }, { id: 'c', share: 0.2 }] } });
      await generate(ws, { blocks: 30, txRate: 0.5 });
      // Split a from b and c, and let each side mine: the views end at different tips above a common past.
      const lab = ws.lab;
      lab.testnet.network.partition([['a'], ['b', 'c']]);
      for (const id of ['a', 'a', 'b']) {
        await lab.miners.mineNow(lab.miners.get(`miner-${id}`)!);
        (lab.scheduler as VirtualScheduler).runUntil(lab.now() + 2_000);
      }
      const before = Object.fromEntries(lab.testnet.allNodes().map((n) => [n.id, state(n.chain)]));
      expect(new Set(Object.values(before).map((s) => s.tip)).size).toBe(2);
      const clock = lab.now() / 1000 + 3600;
      const checker = lab.testnet.node('a').chain.checker;
      ws.flush();
      const db = ws.db;
      const targets = storedViews(db).map((view) => ({ view, chain: new Chainstate(ws.params, { now: () => clock, checker }) }));
      // In steps, as the app opens a workspace: it yields, and ends where restoreViews ends.
      const steps = restoreSteps(db, targets);
      let yields = 0;
      for (let s = steps.next(); !s.done; s = steps.next()) yields++;
      expect(yields).toBeGreaterThan(0);
      for (const { view, chain } of targets) {
        expect(state(chain), view.name).toEqual(before[view.name]);
        const alone = new Chainstate(ws.params, { now: () => clock, checker });
        restoreView(db, view, alone);
        expect(state(alone), view.name).toEqual(before[view.name]);
      }
      const again = storedViews(db).map((view) => ({ view, chain: new Chainstate(ws.params, { now: () => clock, checker }) }));
      expect(restoreViews(db, again).map((r) => r.coins)).toEqual(again.map(({ chain }) => chain.utxo.size));
      await ws.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
