import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/tabs.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'es2022',
  treeshake: true,
});
