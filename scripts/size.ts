import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, bundleSize } from './bundle-size.js';

// What an app pays, gzipped, for the interceptor on top of axios. CEILING fails the check, so
// that the size can only go down from where it is; docs/benchmarks.md accounts for every byte.
const CEILING = 7140;

/** An app module that imports `name` from `from` and keeps it, so that it cannot be dropped. */
function app(name: string, from = 'axios-refresh-interceptor'): string {
  return `export { ${name} } from '${from}';`;
}

function line(name: string, size: { minified: number; gzipped: number }, note = '', from = 'axios-refresh-interceptor'): string {
  const what = `import { ${name} } from '${from}'`.padEnd(76);
  return `${what}${String(size.minified).padStart(6)} B minified ${String(size.gzipped).padStart(6)} B gzipped${note}`;
}

if (!existsSync(join(ROOT, 'dist/index.js'))) {
  console.error('dist/index.js is missing: run `npm run build` first.');
  process.exit(1);
}

const full = await bundleSize(app('createRefreshInterceptor'));
const guard = await bundleSize(app('isSessionExpiredError'));
// An app that calls fetch too pays for the wrapper on top of the interceptor it already has.
const both = await bundleSize(`${app('createRefreshInterceptor')}\n${app('createRefreshFetch', 'axios-refresh-interceptor/fetch')}`);
console.log(line('createRefreshInterceptor', full, `   ceiling ${CEILING} B (docs/benchmarks.md)`));
console.log(line('isSessionExpiredError', guard));
console.log(
  line('createRefreshFetch', { minified: both.minified - full.minified, gzipped: both.gzipped - full.gzipped }, '   on top of createRefreshInterceptor', 'axios-refresh-interceptor/fetch'),
);

let failed = false;
if (full.gzipped > CEILING) {
  failed = true;
  console.error(`\nOver the ceiling of ${CEILING} B gzipped. Where the bytes are, by source file:`);
  const bySource = await bundleSize(app('createRefreshInterceptor', './src/index.ts'));
  for (const input of bySource.inputs) {
    console.error(`  ${input.file.padEnd(22)}${String(input.minified).padStart(6)} B minified  ~${input.gzipped} B gzipped`);
  }
}
// An app that only checks errors must not bundle the interceptor: that takes `sideEffects: false`
// and exports that a bundler can drop one by one.
if (guard.gzipped * 2 > full.gzipped) {
  failed = true;
  console.error('\nImporting only isSessionExpiredError bundles most of the library: unused exports are no longer dropped.');
}
process.exitCode = failed ? 1 : 0;
