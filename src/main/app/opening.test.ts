// Opening a workspace does not block the engine: while its nodes are restored from the index the status shows
// each node as stored, the explorer answers from the index, and calls that need the network say why they wait.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppStatus, Outcome } from '../../shared/api.ts';
import { generate } from '../workspace/generate.ts';
import { Workspace } from '../workspace/workspace.ts';
import { Engine } from './engine.ts';
import { dispatch } from './handlers.ts';

const home = mkdtempSync(join(tmpdir(), 'forklab-opening-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('opening a workspace', () => {
  it('answers from the index while the nodes are restored, then runs them', async () => {
    const dir = join(home, 'ws');
    const ws = Workspace.create(dir, { seed: 'opening', params: 'forklab-sim' });
    await generate(ws, { blocks: 800, txRate: 0.2 });
    const stored = Object.fromEntries(ws.lab.testnet.allNodes().map((n) => [n.id, { height: n.chain.height, tip: n.chain.tip.id }]));
    await ws.close();

    const engine = new Engine({ home, autoMine: false, traffic: 0, defaultParams: 'forklab-sim' });
    try {
      const seen: { status: AppStatus; block: Promise<Outcome<unknown>>; blockViews: Promise<Outcome<unknown>>; mine: Promise<Outcome<unknown>> }[] = [];
      const statuses: AppStatus[] = [];
      engine.events.on('workspace.changed', () => {
        // Called synchronously from the engine: what a page asking now gets.
        seen.push({
          status: engine.status(),
          block: dispatch(engine, 'explorer.block', { node: 'h1', id: 700 }),
          blockViews: dispatch(engine, 'explorer.blockViews', { hash: stored.h0!.tip }),
          mine: dispatch(engine, 'mining.mineNow', { node: 'h0', count: 1 }),
        });
      });
      engine.events.on('status', (s) => void statuses.push(s));
      await engine.open(dir);

      // First 'workspace.changed': opening. Second: open.
      expect(seen).toHaveLength(2);
      const during = seen[0]!;
      expect(during.status.opening).not.toBeNull();
      expect(during.status.workspace).toMatchObject({ dir, params: 'forklab-sim' });
      for (const n of during.status.nodes) {
        expect(n).toMatchObject({ restoring: true, running: false, height: stored[n.id]!.height, tip: stored[n.id]!.tip });
      }
      expect(await during.block).toMatchObject({ ok: true, value: { height: 700 } });
      expect(await during.blockViews).toMatchObject({ ok: true, value: expect.arrayContaining([{ node: 'h0', status: 'active', code: null, confirmations: 1 }]) });
      expect(await during.mine).toMatchObject({ ok: false, error: { code: 'workspace-opening' } });
      for (const s of statuses) expect(s.opening === null || s.nodes.every((n) => n.restoring)).toBe(true);

      const after = seen[1]!.status;
      expect(after.opening).toBeNull();
      for (const n of after.nodes) expect(n).toMatchObject({ restoring: false, running: true, height: stored[n.id]!.height, tip: stored[n.id]!.tip });
      expect(await seen[1]!.mine).toMatchObject({ ok: true });
    } finally {
      await engine.close();
    }
  });

  it('leaves no workspace open when a stored block no longer validates', async () => {
    const dir = join(home, 'bad');
    const ws = Workspace.create(dir, { seed: 'opening-bad', params: 'forklab-sim' });
    await generate(ws, { blocks: 30, txRate: 0 });
    ws.db.prepare('UPDATE blocks SET nonce = nonce + 1 WHERE height = 12').run();
    await ws.close();
    const engine = new Engine({ home, autoMine: false, traffic: 0, defaultParams: 'forklab-sim' });
    try {
      await expect(engine.open(dir)).rejects.toMatchObject({ code: 'bad-stored-block' });
      expect(engine.status()).toMatchObject({ workspace: null, opening: null, nodes: [] });
      expect(await dispatch(engine, 'explorer.block', { node: 'h0', id: 1 })).toMatchObject({ ok: false, error: { code: 'no-workspace' } });
    } finally {
      await engine.close();
    }
  });
});
