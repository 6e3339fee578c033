// The test object every spec uses: `page` is the served explorer in Chromium, or the Electron window in the
// electron project (skipped with the reason where no binary exists); every test fails on a console error or an
// uncaught page error; `lab` reaches the API for setup and ground truth; `goto` opens a route in either.

import { _electron, test as base, expect, type ElectronApplication, type Page } from '@playwright/test';
import { LabApi } from './api.ts';
import { electronBinary, NO_ELECTRON } from './env.ts';

export interface Fixtures {
  /** Opens a route of the app (`/blocks`, `/tx/…`): a hash route, so it works over http and from file://. */
  goto: (route: string) => Promise<void>;
  /** Console errors and page errors seen so far; the fixture fails the test if any remain at its end. */
  consoleErrors: string[];
}

export interface WorkerFixtures {
  /** In the electron project without a binary, every test is skipped before it could use this. */
  lab: LabApi;
  electronApp: ElectronApplication | null;
}

/** Mature coins for every flow that pays: coinbases mature after 10 blocks, so mine 24 at once instead of waiting minutes. */
const PRIMED_HEIGHT = 24;

export const test = base.extend<Fixtures, WorkerFixtures>({
  lab: [
    async ({ electronApp }, use, workerInfo) => {
      // The served app's engine over its WebSocket; the desktop app's through its window's bridge.
      const lab = workerInfo.project.name === 'electron' ? (electronApp ? LabApi.throughBridge(await electronApp.firstWindow()) : null) : await LabApi.connect();
      if (lab) {
        const status = await lab.status();
        const h0 = status.nodes.find((n) => n.id === 'h0');
        if (h0 && h0.height < PRIMED_HEIGHT) await lab.call('mining.mineNow', { node: 'h0', count: PRIMED_HEIGHT - h0.height });
      }
      await use(lab as LabApi);
      lab?.close();
    },
    { scope: 'worker' },
  ],

  electronApp: [
    async ({ playwright: _playwright }, use, workerInfo) => {
      if (workerInfo.project.name !== 'electron') return use(null);
      const executablePath = electronBinary();
      if (executablePath === null) return use(null);
      // The desktop app keeps its data in Electron's userData directory: point it at the run's fresh home.
      const home = `${process.env.FORKLAB_E2E_HOME}-electron`;
      const app = await _electron.launch({ executablePath, args: ['out/main/index.js', `--user-data-dir=${home}`], env: { ...process.env, FORKLAB_HOME: home } });
      await use(app);
      await app.close();
    },
    { scope: 'worker' },
  ],

  page: async ({ page, electronApp }, use, testInfo) => {
    if (testInfo.project.name !== 'electron') return use(page);
    test.skip(electronApp === null, NO_ELECTRON);
    const window = await electronApp!.firstWindow();
    await use(window);
  },

  goto: async ({ page }, use) => {
    await use(async (route) => {
      if (page.url().startsWith('file:')) {
        // Runs in the page; this project's types are Node's, so the page's `location` is reached through globalThis.
        await page.evaluate((r) => {
          (globalThis as unknown as { location: { hash: string } }).location.hash = r;
        }, route);
        await page.waitForFunction((r) => (globalThis as unknown as { location: { hash: string } }).location.hash === `#${r}`, route);
      } else await page.goto(`/#${route}`);
    });
  },

  consoleErrors: [
    async ({ page, lab }, use) => {
      void lab; // primes the lab before the first page loads
      const errors: string[] = [];
      const onConsole = (m: import('@playwright/test').ConsoleMessage): void => {
        if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
      };
      const onPageError = (e: Error): void => void errors.push(`pageerror: ${e.message}`);
      page.on('console', onConsole);
      page.on('pageerror', onPageError);
      await use(errors);
      page.off('console', onConsole);
      page.off('pageerror', onPageError);
      expect(errors, 'console errors and page errors during the test').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page };
