// The block interval: set from the network view in the virtual-time workspace, the engine's status takes it, and the
// dashboard shows it as the target beside the observed intervals.

import { expect, test } from './fixtures.ts';
import { DashboardPage } from './pages/dashboard.ts';
import { NetworkPage } from './pages/network.ts';

test('set the block interval in the network view: the status and the dashboard follow', async ({ page, goto, lab }) => {
  const before = (await lab.status()).blockInterval;
  expect(before.adjustable, 'the e2e workspace runs in virtual time (--sim)').toBe(true);
  const wanted = before.seconds === 7.5 ? 9 : 7.5;
  const network = new NetworkPage(page, goto);
  try {
    await network.open();
    await expect(network.blockIntervalCurrent).toHaveText(`${before.seconds} s`);
    await network.setBlockInterval(wanted);
    await expect.poll(async () => (await lab.status()).blockInterval).toEqual({ seconds: wanted, adjustable: true });
    await expect(network.blockIntervalCurrent).toHaveText(`${wanted} s`);
    await expect(network.testId('block-interval-fixed')).toHaveCount(0);

    const dashboard = new DashboardPage(page, goto);
    await dashboard.open();
    await expect(dashboard.targetInterval).toContainText(`${wanted} s`);
    await expect(dashboard.intervalChart).toBeVisible();
  } finally {
    // The other specs expect blocks at the usual pace.
    await lab.call('mining.setBlockInterval', { seconds: before.seconds });
  }
  expect((await lab.status()).blockInterval.seconds).toBe(before.seconds);
});
