// Writes a screenshot of every view to docs/screenshots/<view>.png (light theme), plus the dashboard in dark.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const DIR = join(import.meta.dirname, '..', 'docs', 'screenshots');

/** Each view's route, and an element whose presence means the view has drawn its data. */
const VIEWS: { name: string; route: (lab: import('./api.ts').LabApi) => Promise<string>; ready: string }[] = [
  { name: 'dashboard', route: async () => '/', ready: 'strip-block' },
  { name: 'blocks', route: async () => '/blocks', ready: 'block-row' },
  { name: 'block', route: async (lab) => `/block/${(await lab.status()).nodes[0]!.height - 1}`, ready: 'tx-link' },
  { name: 'tx', route: async (lab) => `/tx/${await paymentOrCoinbase(lab)}`, ready: 'output-row' },
  { name: 'address', route: async (lab) => `/address/${(await lab.call('wallet.list', {}))[0]!.address}`, ready: 'address-utxos' },
  { name: 'provenance', route: async (lab) => `/provenance/${await paymentOrCoinbase(lab)}:0`, ready: 'coinbase-leaf' },
  { name: 'forks', route: async () => '/forks', ready: 'tip-row' },
  { name: 'network', route: async () => '/network', ready: 'node-row' },
  { name: 'wallet', route: async () => '/wallet', ready: 'wallet-row' },
  { name: 'attacks', route: async () => '/attacks', ready: 'attack-start' },
  { name: 'workspaces', route: async () => '/workspaces', ready: 'workspace-current' },
  { name: 'generals', route: async () => '/generals', ready: 'generals-run' },
  { name: 'search', route: async () => '/search/00', ready: 'search-result' },
];

/** A payment when one is confirmed (a richer page), else a coinbase. */
async function paymentOrCoinbase(lab: import('./api.ts').LabApi): Promise<string> {
  for (const b of await lab.call('explorer.latestBlocks', { node: 'h0', limit: 20 })) {
    if ((b.txCount ?? 0) > 1) return (await lab.call('explorer.block', { node: 'h0', id: b.hash }))!.txids[1]!;
  }
  return (await lab.call('explorer.block', { node: 'h0', id: 1 }))!.txids[0]!;
}

async function settle(ready: Locator): Promise<void> {
  await expect(ready.first()).toBeVisible();
  // Charts and graphs animate in; let them finish before the picture is taken.
  await ready.page().waitForTimeout(1_200);
}

test.beforeAll(() => mkdirSync(DIR, { recursive: true }));
// One set of pictures: the served app's (the desktop window shows the same renderer).
test.beforeEach(({ playwright: _playwright }, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'screenshots are taken in the serve-chromium project');
});

for (const view of VIEWS) {
  test(`screenshot: ${view.name}`, async ({ page, goto, lab }) => {
    await goto(await view.route(lab));
    await settle(page.getByTestId(view.ready));
    await page.screenshot({ path: join(DIR, `${view.name}.png`) });
  });
}

test('screenshot: dashboard in the dark theme', async ({ page, goto }) => {
  await goto('/');
  await page.getByTestId('theme').click();
  await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  await settle(page.getByTestId('strip-block'));
  await page.screenshot({ path: join(DIR, 'dashboard-dark.png') });
  // Back to light for the tests that follow (the theme is remembered in localStorage).
  await page.getByTestId('theme').click();
  await expect(page.locator('html')).not.toHaveClass(/\bdark\b/);
});
