/**
 * How large the leak scenarios run. LEAK_SCALE is the fraction of each scenario's full size:
 * a fifth unless set (`npm test`), 1 in `npm run test:stress`. What a scenario counts as left
 * behind (instances, handlers, timers still alive) is exact at any size; a heap bound scales
 * with the number of cycles, so that it allows the same bytes per cycle.
 */
const DEFAULT_SCALE = 0.2;

function scaleFromEnv(): number {
  const value = process.env.LEAK_SCALE;
  if (value === undefined || value === '') return DEFAULT_SCALE;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`LEAK_SCALE must be a number above 0, got ${value}`);
  return scale;
}

export const LEAK_SCALE = scaleFromEnv();

/** `full` scaled by LEAK_SCALE, rounded to a whole hundred (at least 100). */
export function count(full: number): number {
  return Math.max(100, Math.round((full * LEAK_SCALE) / 100) * 100);
}

/** 100000 as "100 000", the way the test names write counts. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
