// The slow suites (real-time runs, deep reorgs, long virtual runs): run by .ci/slow, not by `npm test`.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/slow/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
