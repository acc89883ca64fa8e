/**
 * What the design card's app and each part cost, measured once for the size check and the
 * benchmark report, and the README's table of it.
 */
import { bundleSize } from './bundle-size.js';
import type { BundleSize } from './bundle-size.js';
import { CORE, EVERYTHING, FETCH_ONLY, PARTS } from './parts.js';

/** The design card's app, each part on top of it, every part together, and a fetch-only app. */
export interface Prices {
  core: BundleSize;
  parts: Array<{ label: string; size: BundleSize }>;
  everything: BundleSize;
  fetchOnly: BundleSize;
}

export async function priceParts(): Promise<Prices> {
  const parts: Prices['parts'] = [];
  for (const part of PARTS) parts.push({ label: part.label, size: await bundleSize(part.source) });
  return {
    core: await bundleSize(CORE.source),
    parts,
    everything: await bundleSize(EVERYTHING.source),
    fetchOnly: await bundleSize(FETCH_ONLY.source),
  };
}

/** 11919 as the README writes it: 11 919. */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, ' ');

/** The README's short table: gzipped bytes only, each part by its name alone. */
export function readmeTable({ core, parts, everything, fetchOnly }: Prices): string {
  const rows = [[CORE.label, grouped(core.gzipped)]];
  for (const { label, size } of parts) rows.push([`+ ${label.replace(/ \(.*\)$/, '')}`, `+${grouped(size.gzipped - core.gzipped)}`]);
  rows.push(['every export of every entry point', grouped(everything.gzipped)]);
  rows.push(['only `/fetch` (`createRefreshSession`, `createRefreshFetch`), no axios', grouped(fetchOnly.gzipped)]);
  return ['| the app uses | bytes |', '| --- | --- |', ...rows.map(([label, bytes]) => `| ${label} | ${bytes} |`)].join('\n');
}
