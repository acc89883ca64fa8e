import { defineConfig } from 'vitest/config';

// Browser tests: kept out of `npm test` so that it runs where no browser is installed.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 30_000,
    // Browser tests take seconds by design; see vitest.config.ts.
    slowTestThreshold: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // Same switch as vitest.config.ts: CI reads the JSON report for its summary line.
    ...(process.env.VITEST_JSON ? { reporters: ['default', 'json'], outputFile: { json: process.env.VITEST_JSON } } : {}),
  },
});
