// Playwright e2e: the explorer served by `npm run serve` in Debian's Chromium, and the desktop app through
// `_electron.launch` where an Electron binary exists (its tests report themselves skipped, with the reason, where not).

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E_PORT } from './e2e/env.ts';
/**
 * A fresh Forklab home per run. Set here once: workers load this file again but inherit the environment, so they see
 * the same directory as the server the main process started.
 */
process.env.FORKLAB_E2E_HOME ??= join(tmpdir(), `forklab-e2e-${process.pid}`);

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results',
  // One server, one lab: specs change its network (partition, attacks), so they run one at a time.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}/`,
    viewport: { width: 1360, height: 860 },
    actionTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'serve-chromium',
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium' } },
    },
    {
      name: 'electron',
      // The `page` fixture (e2e/fixtures.ts) is the window of out/main/index.js under the Electron binary, or skips the
      // test with the reason. Chromium is named here only because Playwright builds its default page before that.
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium' } },
    },
  ],
  webServer: {
    // --sim: the default workspace runs in virtual time paced to the wall clock (blocks about every 5 s, no proof of
    // work burning the two CI cores), so the suite is quick and an attack finishes in seconds; --threads 1 for the
    // same reason. A fresh --home per run: every run starts from an empty lab.
    command: `npm run -s build && npm run -s serve -- --home ${process.env.FORKLAB_E2E_HOME} --port ${E2E_PORT} --threads 1 --sim`,
    url: `http://127.0.0.1:${E2E_PORT}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
