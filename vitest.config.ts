// Unit and scenario tests: Node environment, one forked process per test file so tests may start worker threads.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['e2e/**', 'node_modules/**', 'out/**', 'test/slow/**'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
