// The desktop shell as it runs: the window shows the app, the preload exposes the bridge and nothing of Node, and
// new windows are refused. Electron project only; skipped (with the reason) where no Electron binary exists.

import { expect, test } from './fixtures.ts';

test.beforeEach(({ playwright: _playwright }, testInfo) => {
  test.skip(testInfo.project.name !== 'electron', 'desktop-shell checks run in the electron project only');
});

test('the window shows the app through the bridge, with no Node in the page', async ({ page, electronApp }) => {
  await expect(page.getByTestId('nav')).toBeVisible();
  const seen = await page.evaluate(() => {
    const g = globalThis as unknown as Record<string, unknown>;
    const bridge = g.forklab as { versions?: { electron?: string }; call?: unknown } | undefined;
    return { require: typeof g.require, process: typeof g.process, bridge: typeof bridge?.call, electron: bridge?.versions?.electron ?? null, opened: (g.open as (u: string) => unknown)('https://example.com/') === null };
  });
  expect(seen).toEqual({ require: 'undefined', process: 'undefined', bridge: 'function', electron: expect.any(String), opened: true });
  expect(electronApp!.windows()).toHaveLength(1);
});
