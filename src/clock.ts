/**
 * The time an expiry is read in, for the expiry parts. A client clock can be wrong (minutes off
 * the server's) and can be turned while the app runs; expiries written by the server (a JWT's
 * `exp`) are read in the server's time as far as it is known, and a clock turned back is noticed
 * against the monotonic clock.
 */

/** @internal */
export interface Clock {
  /** Now, in the time the expiry is written in, in milliseconds since the epoch. */
  now(): number;
  /**
   * A refresh succeeded, and `server` is the server's time at that moment if the answer said it
   * (its `Date` header, a new JWT's `iat`). A clock that differs by no more than `margin` (or a second)
   * counts as right: seconds of latency and rounding are no skew. Without it the clock keeps what it
   * knew, unless it only reads the client's own time (`ownTime`), which starts again from there.
   */
  measured(server: number | undefined): void;
}

/** @internal Some runtimes (older React Native) have no `performance`: a turned clock then goes unnoticed. */
export const monotonic = (): number => {
  const { performance } = globalThis as { performance?: { now(): number } };
  return performance ? performance.now() : Date.now();
};

// A `Date` header counts whole seconds, and `Date.now()` whole milliseconds beside the monotonic
// clock's fractions: differences below a second are rounding. Read as skew or turns they would
// add up, read after read, with a small margin.
const ROUNDING = 1_000;

/**
 * @param margin Differences up to this (at least a second) are not corrected, nor are clock turns up to it.
 * @param ownTime True for an expiry the app computed in its own clock (`Date.now() + expires_in`):
 * only a turn of the clock needs correcting, and a refresh gives a new expiry in the new time.
 */
export function clock(margin: number, ownTime: boolean): Clock {
  const tolerance = Math.max(margin, ROUNDING);
  // The server's time minus the client's, as far as a correction is needed.
  let offset = 0;
  let wall = Date.now();
  let mono = monotonic();
  return {
    now() {
      const w = Date.now();
      const m = monotonic();
      // The wall clock went back against the monotonic one: it was turned back. One that stands
      // still while the monotonic clock runs is a mocked `Date` (MockDate, fake timers for `Date`
      // alone), not a turn: a real one moves between two reads that far apart. A jump forward is
      // left alone: after a sleep the wall clock is right (the monotonic one may have paused), and
      // a clock turned forward costs one early refresh, which measures the server's time again.
      const turned = w - wall - (m - mono);
      if (w !== wall && turned < -tolerance) offset -= turned;
      wall = w;
      mono = m;
      return w + offset;
    },
    measured(server) {
      wall = Date.now();
      mono = monotonic();
      if (server !== undefined) {
        const skew = server - wall;
        offset = Math.abs(skew) > tolerance ? skew : 0;
      } else if (ownTime) offset = 0;
    },
  };
}

/** The server's time in the `Date` header of what a refresh resolved with (an axios response, a fetch `Response`). */
export function dateOf(value: unknown): number | undefined {
  const headers = (value as { headers?: unknown } | null | undefined)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  const date: unknown = typeof get === 'function' ? (get as (name: string) => unknown).call(headers, 'date') : (headers as Record<string, unknown>).date;
  const at = typeof date === 'string' ? Date.parse(date) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}
