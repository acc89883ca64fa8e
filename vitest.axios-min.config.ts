import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The same suite with `axios` resolved to another copy (the lowest version the peer range
// claims), installed by scripts/axios-min.mjs, so that the range is a measured fact.
const axiosDir = process.env.AXIOS_DIR;
if (!axiosDir) throw new Error('AXIOS_DIR must name the folder of the axios copy to test against');

export default mergeConfig(
  base,
  defineConfig({
    resolve: { alias: { axios: axiosDir } },
    test: {
      typecheck: { enabled: false },
      // The package smoke test installs its own axios, and the leak scripts run in child
      // processes that resolve axios on their own: neither would see the alias.
      exclude: ['test/package/**', 'test/leaks/**', 'node_modules/**'],
    },
  }),
);
