// Partition the network from the network view: the two sides mine apart and their tips diverge; heal it: every
// node converges on one tip again.

import type { LabApi } from './api.ts';
import { expect, test } from './fixtures.ts';
import { NetworkPage } from './pages/network.ts';

const SIDE_A = ['h0', 'h1'];
const SIDE_B = ['h2', 'h3', 'attacker'];

/** Each node's tip and height, by id. */
async function tips(lab: LabApi): Promise<Record<string, { tip: string; height: number }>> {
  return Object.fromEntries((await lab.status()).nodes.map((n) => [n.id, { tip: n.tip, height: n.height }]));
}

test('partition and heal: tips diverge, then converge', async ({ page, goto, lab }) => {
  test.setTimeout(240_000); // waits on mined blocks: generous for a slow CI machine
  const network = new NetworkPage(page, goto);
  await network.open();
  await expect(network.topology).toBeVisible();
  await expect(network.nodeRows).toHaveCount(5);
  await expect(network.linkRows).toHaveCount(10);
  await expect(network.cutLinks).toHaveCount(0);

  await network.partition(SIDE_A);
  // Every link between the sides is down (2 x 3 = 6), in the engine and in the view.
  await expect.poll(async () => (await lab.call('network.topology', {})).links.filter((l) => !l.up).length).toBe(6);
  await expect(network.cutLinks).toHaveCount(6);
  const cut = await lab.call('network.topology', {});
  for (const l of cut.links) expect(l.up, `${l.a}-${l.b}`).toBe(SIDE_A.includes(l.a) === SIDE_A.includes(l.b));
  expect([...SIDE_A, ...SIDE_B].sort()).toEqual(cut.nodes.map((n) => n.id).sort());

  // Both sides keep mining (half the hash power each): each grows past the height at the split, on its own tip.
  const atSplit = await tips(lab);
  const splitHeight = Math.max(...Object.values(atSplit).map((t) => t.height));
  await expect
    .poll(
      async () => {
        const t = await tips(lab);
        const grown = t.h0!.height > splitHeight && t.h2!.height > splitHeight;
        return grown && t.h0!.tip !== t.h2!.tip && t.h0!.tip === t.h1!.tip && t.h2!.tip === t.h3!.tip;
      },
      { timeout: 90_000, intervals: [1_000], message: 'both sides mine their own branch' },
    )
    .toBe(true);

  await network.heal();
  await expect(network.cutLinks).toHaveCount(0);
  expect((await lab.call('network.topology', {})).links.every((l) => l.up)).toBe(true);
  // The heavier branch wins everywhere once a block crosses the healed links.
  await expect.poll(async () => new Set(Object.values(await tips(lab)).map((t) => t.tip)).size, { timeout: 60_000, intervals: [1_000] }).toBe(1);
});
