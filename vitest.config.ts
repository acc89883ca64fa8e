import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 20_000,
    // Worker threads start faster than the default child processes. One worker per core, not
    // one fewer: the slowest files (test/leaks/, test/package/) mostly wait on child processes.
    pool: 'threads',
    maxWorkers: availableParallelism(),
    // CI asks for a machine-readable report beside the usual one, to print its summary line.
    ...(process.env.VITEST_JSON ? { reporters: ['default', 'json'], outputFile: { json: process.env.VITEST_JSON } } : {}),
  },
});
