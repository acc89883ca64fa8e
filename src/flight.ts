/**
 * A refresh call in flight and the requests waiting for it. The session (session.ts) decides when
 * one starts and what its outcome means; this is the call itself and its waiters.
 */
import { RefreshFailure, isRejection } from './refresh-outcome.js';

/** The refresh call in flight, from its start until it settles, however late. */
export interface Flight {
  readonly controller: AbortController;
  /** The log-in it belongs to: one from before the latest log-in changes nothing when it settles. */
  life: number;
  readonly ahead: boolean;
  readonly began: number;
  /** Settles when the call does, with `true` when it succeeded. */
  settled: Promise<boolean>;
  waited: number;
  /** Its waiters gave up after `refreshTimeout` at least once: the call is late. */
  late: boolean;
  /** What the requests waiting now are given; a new wave starts for those who come after a timeout. */
  wave: Wave | undefined;
  /**
   * Aborts when a log-in or an end overtakes the call: it presented the credentials from before
   * them, their rejection ends nothing, and what it gives is no longer the session's to store.
   */
  readonly superseded: AbortController;
  /** The bearer token when it set out: another one when it settles came from a log-in. */
  readonly token: string | undefined;
}

/** A refresh call starting now, for the log-in `life`; `ahead` when no failed request started it. */
export function newFlight(life: number, ahead: boolean, token: string | undefined): Flight {
  return { controller: new AbortController(), life, ahead, began: Date.now(), settled: Promise.resolve(false), waited: 0, late: false, wave: undefined, superseded: new AbortController(), token };
}

/** The requests waiting for a refresh, released together, or after `refreshTimeout` alone. */
export interface Wave {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(failure: RefreshFailure): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Settles when both do, as `last` did: calls for one purpose never overlap, so the one left last
 * settles last and tells whether the credentials were renewed.
 */
export const latest = (first: Promise<unknown> | undefined, last: Promise<unknown>): Promise<unknown> =>
  Promise.all([first, last]).then((both) => both[1]);

/** Does nothing: what a settled promise nobody reads is handled with. */
export const noop = (): void => {};

/** Waiters that give up after `timeout`, when `onTimeout` runs. */
export function newWave(timeout: number, onTimeout: () => void): Wave {
  let resolve = noop;
  let reject: (failure: RefreshFailure) => void = noop;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every waiter handles the failure; this keeps a wave nobody waits for any more quiet.
  promise.catch(noop);
  return { promise, resolve, reject, timer: setTimeout(onTimeout, timeout) };
}

/** Lets a wave's waiters go, with the failure if there is one. */
export function release(wave: Wave | undefined, failure?: RefreshFailure): void {
  if (!wave) return;
  clearTimeout(wave.timer);
  if (failure) wave.reject(failure);
  else wave.resolve();
}

/**
 * Runs `refresh` and resolves with its answer, or rejects with a {@link RefreshFailure} for
 * whatever it did instead: threw, rejected, or resolved with what `failed` calls a failure.
 */
export function callRefresh(refresh: () => unknown, failed: (answer: unknown) => unknown): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    // Inside a promise, so that a synchronous throw is a failed refresh too.
    resolve(refresh());
  }).then(
    (value) => {
      const failure = failed(value);
      if (failure) throw new RefreshFailure(isRejection(failure), failure);
      return value;
    },
    (cause: unknown) => {
      throw new RefreshFailure(isRejection(cause), cause);
    },
  );
}

// Read only for a hint that a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** What the waiters of a flight are given when they give up after `timeout` ms. */
export function lateFailure(timeout: number, flight: Flight): RefreshFailure {
  // The likely cause in a browser, where a request `refresh` sends after an `await` through an
  // intercepted instance cannot be told from any other and waits for the refresh itself. A
  // long hint, so only in development builds, as the checks are.
  let hint = '';
  try {
    if (process.env.NODE_ENV !== 'production') hint = '; if `refresh` sends its call through an intercepted instance, that call waits for the refresh itself: send it with `client`';
  } catch {
    // No `process` (plain ESM in a browser): no hint.
  }
  const error = new Error(`The refresh did not settle within ${timeout} ms${hint}`);
  error.name = 'TimeoutError';
  const failure = new RefreshFailure(false, error);
  failure.ahead = flight.ahead;
  return failure;
}
