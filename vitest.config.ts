import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // The type tests (test/**/*.test-d.ts) are compiled by `npm run typecheck`, which fails on
    // any of their assertions; vitest's own typecheck would only add a warning that it is
    // experimental to every passing run.
    testTimeout: 20_000,
    // Loopback servers, packing and browsers make many tests take seconds by design: a duration
    // printed in warning colours would make a passing run look like it is failing.
    slowTestThreshold: 60_000,
    // Worker threads start faster than the default child processes. One worker per core, not
    // one fewer: the slowest files (test/leaks/, test/package/) mostly wait on child processes.
    pool: 'threads',
    maxWorkers: availableParallelism(),
    // CI asks for a machine-readable report beside the usual one, to print its summary line.
    ...(process.env.VITEST_JSON ? { reporters: ['default', 'json'], outputFile: { json: process.env.VITEST_JSON } } : {}),
  },
});
