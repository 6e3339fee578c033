// The first screen is alive: every node has a card, heights grow as the network mines, and the strip links to blocks.

import { expect, test } from './fixtures.ts';
import { BlockPage } from './pages/block.ts';
import { DashboardPage } from './pages/dashboard.ts';

test('the dashboard shows every node mining: heights grow', async ({ page, goto }) => {
  const dashboard = new DashboardPage(page, goto);
  await dashboard.open();
  await expect(dashboard.nodeCards).toHaveCount(5);
  await expect(dashboard.card('h0').getByTestId('node-height')).toHaveText(/\d/);
  const before = await dashboard.heights();
  expect(Object.keys(before).sort()).toEqual(['attacker', 'h0', 'h1', 'h2', 'h3']);
  // Blocks come about every 5 s in --sim mode: within 45 s the best height must have grown.
  const best = Math.max(...Object.values(before));
  await expect.poll(async () => Math.max(...Object.values(await dashboard.heights())), { timeout: 45_000 }).toBeGreaterThan(best);
  await expect(dashboard.intervalChart).toBeVisible();
  await expect(dashboard.shareChart).toBeVisible();
});

test('the block strip links to the newest blocks', async ({ page, goto }) => {
  const dashboard = new DashboardPage(page, goto);
  await dashboard.open();
  await expect(dashboard.stripBlocks.first()).toBeVisible();
  await dashboard.stripBlocks.first().click();
  await expect(page).toHaveURL(/#\/block\//);
  const block = new BlockPage(page, goto);
  await expect(block.height).toHaveText(/^\s*\d[\d,]*\s*$/);
  expect(await block.hashValue()).toMatch(/^[0-9a-f]{64}$/);
});
