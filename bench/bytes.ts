import { bundleSize } from '../scripts/bundle-size.js';
import type { BundleSize } from '../scripts/bundle-size.js';
import { CORE, EVERYTHING, FETCH_ONLY } from '../scripts/parts.js';
import { priceParts, readmeTable } from '../scripts/prices.js';
import type { Prices } from '../scripts/prices.js';
import { table } from './report.js';

const OURS = "export { createRefreshInterceptor } from 'axios-refresh-interceptor';";
const THEIRS = "export { createAuthRefresh } from 'axios-auth-refresh';";
const IMPORTS: ReadonlyArray<[label: string, source: string]> = [
  ["`import { createRefreshInterceptor } from 'axios-refresh-interceptor'`", OURS],
  ["`import { isSessionExpiredError } from 'axios-refresh-interceptor'`", "export { isSessionExpiredError } from 'axios-refresh-interceptor';"],
  ["`import * from 'axios-refresh-interceptor'` (every export)", "export * from 'axios-refresh-interceptor';"],
  [
    "`createRefreshInterceptor` and `import { createRefreshFetch } from 'axios-refresh-interceptor/fetch'`",
    `${OURS}\nexport { createRefreshFetch } from 'axios-refresh-interceptor/fetch';`,
  ],
  ["`import { createAuthRefresh } from 'axios-auth-refresh'`", THEIRS],
];

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(0)} %`;

/** Our bytes by source file, bundled from `src/` with the same settings as the package. */
function bySource(size: BundleSize): string {
  const glue = size.minified - size.inputs.reduce((sum, input) => sum + input.minified, 0);
  const rows = size.inputs.map((input) => [
    `\`${input.file}\``,
    `${input.minified} B`,
    percent(input.minified, size.minified),
    `~${input.gzipped} B`,
  ]);
  rows.push([
    'imports and exports between modules',
    `${glue} B`,
    percent(glue, size.minified),
    `~${Math.round((size.gzipped * glue) / size.minified)} B`,
  ]);
  rows.push(['total', `${size.minified} B`, '100 %', `${size.gzipped} B`]);
  return table(['Source file', 'minified', 'of the bundle', 'gzipped, in proportion'], rows);
}

/** What each part adds to the design card's app, and what every part together costs. */
function partsTable({ core, parts, everything, fetchOnly }: Prices): string {
  const rows = [[`${CORE.label} alone, the design card's app`, `${core.minified} B`, `${core.gzipped} B`]];
  for (const { label, size } of parts) rows.push([`+ ${label}`, `+${size.minified - core.minified} B`, `+${size.gzipped - core.gzipped} B`]);
  rows.push([EVERYTHING.label, `${everything.minified} B`, `${everything.gzipped} B`]);
  // An app with no axios at all ships this instead of the design card's app.
  rows.push([`${FETCH_ONLY.label}, with no axios`, `${fetchOnly.minified} B`, `${fetchOnly.gzipped} B`]);
  return table(['What the app uses', 'minified', 'gzipped'], rows);
}

/**
 * What an app bundles for each import, and where our bytes above axios-auth-refresh's come from
 * (`doc`, for docs/benchmarks.md), and the README's table of what each part costs (`readme`).
 */
export async function measureBytes(): Promise<{ doc: string; readme: string }> {
  const sizes = new Map<string, BundleSize>();
  for (const [, source] of IMPORTS) sizes.set(source, await bundleSize(source));
  const imports = table(
    ['What the app imports', 'minified', 'gzipped'],
    IMPORTS.map(([label, source]) => {
      const size = sizes.get(source)!;
      return [label, `${size.minified} B`, `${size.gzipped} B (${(size.gzipped / 1024).toFixed(2)} kB)`];
    }),
  );
  const excess = sizes.get(OURS)!.gzipped - sizes.get(THEIRS)!.gzipped;
  const source = await bundleSize("export { createRefreshInterceptor } from './src/index.ts';");
  const prices = await priceParts();
  const doc = [
    imports,
    'What each part adds to the design card\'s app (an app that imports a part pays this on top):',
    partsTable(prices),
    `Above axios-auth-refresh: **${excess} B gzipped**. By source file (esbuild's metafile, bundled from \`src/\` with the same settings; gzip has no per-file figure, so each file's share is in proportion to its minified bytes):`,
    bySource(source),
  ].join('\n\n');
  return { doc, readme: readmeTable(prices) };
}
