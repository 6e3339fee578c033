// The block interval through the API: shown in the status, changed in virtual time, refused where it is a
// consensus rule (real proof of work), and set when a workspace is created.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppStatus, MethodName, Outcome } from '../../shared/api.ts';
import { Engine } from './engine.ts';
import { dispatch } from './handlers.ts';

const home = mkdtempSync(join(tmpdir(), 'forklab-interval-api-'));
const engine = new Engine({ home, autoMine: false, traffic: 0, defaultParams: 'forklab-sim', threads: 1 });

afterAll(async () => {
  await engine.close();
  rmSync(home, { recursive: true, force: true });
});

function call(method: MethodName, params: unknown): Promise<Outcome<unknown>> {
  return dispatch(engine, method, params);
}

describe('block interval API', () => {
  it('changes the pace of a virtual-time workspace', async () => {
    await engine.openDefault();
    expect(engine.status().blockInterval).toEqual({ seconds: 5, adjustable: true });
    const out = await call('mining.setBlockInterval', { seconds: 20 });
    expect(out.ok).toBe(true);
    expect((out as { value: AppStatus }).value.blockInterval).toEqual({ seconds: 20, adjustable: true });
    const bad = await call('mining.setBlockInterval', { seconds: 0 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-params' } });
    expect(engine.status().blockInterval.seconds).toBe(20);
  });

  it('creates a real proof-of-work workspace with its target spacing, which is then fixed', async () => {
    const dir = join(home, 'real');
    const created = await call('workspace.create', { dir, name: 'real', params: 'forklab', blockInterval: 3 });
    expect(created.ok).toBe(true);
    expect(engine.status().blockInterval).toEqual({ seconds: 3, adjustable: false });
    expect(engine.workspace.lab.testnet.node('h0').chain.params.targetSpacing).toBe(3);
    const refused = await call('mining.setBlockInterval', { seconds: 10 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'consensus-rule' } });
    expect(engine.status().blockInterval.seconds).toBe(3);
  });

  it('refuses a fractional target spacing for real proof of work and creates nothing', async () => {
    const dir = join(home, 'odd');
    const out = await call('workspace.create', { dir, name: 'odd', params: 'forklab', blockInterval: 2.5 });
    expect(out).toMatchObject({ ok: false, error: { code: 'bad-workspace' } });
    expect(existsSync(join(dir, 'forklab.json'))).toBe(false);
  });
});
