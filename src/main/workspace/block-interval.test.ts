// The block interval of a workspace: the miners' pace in virtual time (changeable, saved), the consensus target
// spacing of a real proof-of-work workspace (fixed at creation, whole seconds).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { FORKLAB } from '../core/params.ts';
import { generate } from './generate.ts';
import { Workspace } from './workspace.ts';

const root = mkdtempSync(join(tmpdir(), 'forklab-interval-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const network = { nodes: [{ id: 'a', share: 0.6 }, { id: 'b', share: 0.4 }] };

/** Mean virtual seconds a block over `blocks` blocks generated in `ws`. */
async function meanInterval(ws: Workspace, blocks: number): Promise<number> {
  const r = await generate(ws, { blocks, txRate: 0 });
  return r.virtualSeconds / (r.height - r.startHeight);
}

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected a refusal');
}

describe('block interval', () => {
  it('paces virtual-time mining: 60 s blocks come about twelve times further apart than 5 s blocks', async () => {
    const fast = Workspace.create(join(root, 'fast'), { seed: 'interval', network });
    const slow = Workspace.create(join(root, 'slow'), { seed: 'interval', network, blockInterval: 60 });
    try {
      expect(fast.blockInterval).toBe(5);
      expect(slow.blockInterval).toBe(60);
      const f = await meanInterval(fast, 60);
      const s = await meanInterval(slow, 60);
      // 60 exponential draws: the mean is within about +-40% of the spacing with overwhelming probability.
      expect(f).toBeGreaterThan(3);
      expect(f).toBeLessThan(8);
      expect(s).toBeGreaterThan(36);
      expect(s).toBeLessThan(96);
    } finally {
      await fast.close();
      await slow.close();
    }
  });

  it('changes at once in virtual time and is saved with the workspace', async () => {
    const dir = join(root, 'change');
    const ws = Workspace.create(dir, { seed: 'change', network });
    ws.setBlockInterval(30);
    expect(ws.blockInterval).toBe(30);
    const mean = await meanInterval(ws, 60);
    expect(mean).toBeGreaterThan(18);
    expect(mean).toBeLessThan(48);
    const e = refusal(() => ws.setBlockInterval(0.1));
    expect(e.code).toBe('bad-block-interval');
    expect(ws.blockInterval).toBe(30);
    await ws.close();
    const again = Workspace.open(dir);
    try {
      expect(again.blockInterval).toBe(30);
    } finally {
      await again.close();
    }
  });

  it('is the consensus target spacing of a real proof-of-work workspace: set at creation, refused later', async () => {
    const ws = Workspace.create(join(root, 'real'), { seed: 'real', params: 'forklab', network, blockInterval: 2 });
    try {
      expect(ws.params.targetSpacing).toBe(2);
      expect(ws.params.genesis.id).toBe(FORKLAB.genesis.id);
      expect(ws.lab.testnet.node('a').chain.params.targetSpacing).toBe(2);
      const e = refusal(() => ws.setBlockInterval(10));
      expect(e.code).toBe('consensus-rule');
      expect(e.message).toMatch(/target spacing \(2 s\)/);
      expect(ws.blockInterval).toBe(2);
    } finally {
      await ws.close();
    }
    const odd = refusal(() => Workspace.create(join(root, 'odd'), { seed: 'odd', params: 'forklab', network, blockInterval: 2.5 }));
    expect(odd.code).toBe('bad-workspace');
    expect(odd.message).toMatch(/whole seconds/);
  });
});
