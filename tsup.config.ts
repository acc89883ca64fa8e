import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/tabs.ts', 'src/fetch.ts'],
  // One copy of the session for every entry point, in CommonJS as in ESM: a tab session or a
  // fetch wrapper works on sessions and failures made by the main entry's code.
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'es2022',
  treeshake: true,
});
