// A new real proof-of-work workspace created from the workspaces view with a block interval: the interval becomes
// its consensus target spacing, which the network view shows read-only and the engine refuses to change. Runs last
// (specs run in file order): it switches the lab's workspace, and reopens the original one at the end.

import { join } from 'node:path';
import { expect, test } from './fixtures.ts';
import { NetworkPage } from './pages/network.ts';
import { WorkspacesPage } from './pages/workspaces.ts';

test('a real proof-of-work workspace takes its block interval at creation, fixed from then on', async ({ page, goto, lab }) => {
  test.setTimeout(180_000);
  const original = (await lab.status()).workspace!;
  const dir = join(process.env.FORKLAB_E2E_HOME!, `pow-interval-${Date.now()}`);
  const workspaces = new WorkspacesPage(page, goto);
  try {
    await workspaces.open();
    await workspaces.createWorkspace({ dir, name: 'pow-3s', params: 'forklab', blockInterval: 3 });
    // Named as soon as it starts opening; open (its network answering) once its nodes are restored.
    await expect
      .poll(async () => {
        const s = await lab.status();
        return s.opening === null ? s.workspace?.name : 'opening';
      }, { timeout: 60_000 })
      .toBe('pow-3s');
    const status = await lab.status();
    expect(status.workspace!.mode).toBe('real');
    expect(status.blockInterval).toEqual({ seconds: 3, adjustable: false });

    const network = new NetworkPage(page, goto);
    await network.open();
    await expect(network.blockIntervalCurrent).toHaveText('3 s');
    await expect(network.blockIntervalFixed).toContainText('consensus target spacing');
    await expect(network.blockInterval).toHaveCount(0);
    await expect(lab.call('mining.setBlockInterval', { seconds: 10 })).rejects.toThrow(/consensus-rule/);
  } finally {
    await lab.call('workspace.open', { dir: original.dir });
  }
  await expect
    .poll(async () => {
      const s = await lab.status();
      return s.opening === null ? s.workspace?.dir : 'opening';
    }, { timeout: 60_000 })
    .toBe(original.dir);
});
