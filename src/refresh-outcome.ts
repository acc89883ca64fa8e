/**
 * How a refresh ended, judged once for every transport: new credentials, a rejection that ends
 * the session, or a transient failure, and then how long to wait before the next attempt.
 */
import { isSessionExpiredError } from './codes.js';

/** @internal Why a refresh did not give new credentials. */
export class RefreshFailure extends Error {
  /** Set for a refresh started ahead of expiry rather than by a failed request. */
  ahead = false;
  /** For a transient failure: when a new refresh may reach the server, in ms since the epoch. */
  retryAt: number | undefined;
  /** The request that started the refresh, as `METHOD url`, for the errors' messages. */
  startedBy: string | undefined;
  /** Who ended the session, for the errors' messages: the server's rejection, the app or another tab. */
  declare by: 'server' | 'app' | 'other-tab' | undefined;

  constructor(
    readonly expired: boolean,
    override readonly cause: unknown,
  ) {
    // Never shown: the transports turn it into the error each waiting request rejects with.
    super();
    // The app is given its cause, which was most often made while the session's functions ran.
    unpin(cause);
  }
}

/**
 * Reads the stack of `error` and of its causes, which formats them. Until then V8 keeps the
 * function and `this` of each frame an error was made in, and all that they hold: an error made
 * while a session's functions ran (a timeout, a failed answer, the session's end, one that
 * `refresh` threw at once) would keep the session, its `refresh` and the instance that `refresh`
 * closes over alive for as long as an app keeps the error. Called once the error's name and
 * message are final, since the stack's first line is made from them.
 */
export function unpin(error: unknown): void {
  try {
    // A few causes deep: a cause chain may loop.
    for (let depth = 0; depth < 4 && typeof error === 'object' && error !== null; depth += 1) {
      // A call, which no minifier drops as it may a property read whose value goes unused.
      Reflect.get(error, 'stack');
      error = (error as { cause?: unknown }).cause;
    }
  } catch {
    // A getter that throws (a hostile error, a revoked proxy) keeps its frames; nothing else changes.
  }
}

/** A request as `METHOD url`, without the URL's query or hash, which may hold secrets. */
export const describeRequest = ({ method, url }: { readonly method?: string | undefined; readonly url?: string | undefined }): string =>
  `${(method ?? 'get').toUpperCase()} ${url?.split(/[?#]/)[0] ?? ''}`;

/**
 * Names in an error's message the request that started the refresh it failed with. Every error
 * the app is given for a failed refresh passes here last, so its stack is formatted here.
 */
export function naming<E extends Error>(error: E, failure: RefreshFailure): E {
  // The classes' message tells of the server's rejection; the app's log-out is no such thing.
  // Named as the `session-ended` event names it.
  if (failure.by && failure.by !== 'server') error.message = `Session expired: ended by ${failure.by}`;
  if (failure.startedBy) error.message += ` (the refresh was started by ${failure.startedBy})`;
  unpin(error);
  return error;
}

/** Answers to a refresh that are worth trying again later: timeout and rate limit. */
const TRANSIENT = new Set([408, 429]);

/** True when the refresh failed because the server refused the credentials: the session is over. */
export function isRejection(cause: unknown): boolean {
  if (isSessionExpiredError(cause)) return true;
  const status = (cause as { response?: { status?: unknown } } | null | undefined)?.response?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && !TRANSIENT.has(status);
}

interface FetchResponseLike {
  ok?: unknown;
  status?: unknown;
  headers?: { forEach?: unknown };
}

/** A fetch `Response` (from any realm), told by its shape. */
export function isFetchResponse(value: unknown): value is Response {
  const response = value as FetchResponseLike | null | undefined;
  return typeof response?.ok === 'boolean' && typeof response.status === 'number' && typeof response.headers?.forEach === 'function';
}

/**
 * The status of an answer a refresh resolved with that counts as failed: a fetch `Response` that
 * is not `ok`, or an axios response whose status is not 2xx (its client resolves what a
 * permissive `validateStatus` lets through); `undefined` for anything else. Status 0 (an opaque
 * answer: a redirect not followed, a no-cors response) of a `Response` is transient, as an
 * unfollowed 3xx is.
 */
export function failedStatus(value: unknown): number | undefined {
  if (isFetchResponse(value)) {
    if (value.ok) return undefined;
    // Its body is not wanted; cancelling frees the connection.
    value.body?.cancel().catch(() => undefined);
    return value.status;
  }
  const response = value as { status?: unknown; config?: unknown; headers?: unknown } | null | undefined;
  const status = response?.status;
  if (typeof status !== 'number' || status === 0 || (status >= 200 && status < 300)) return undefined;
  if (typeof response?.headers !== 'object' || typeof response.config !== 'object') return undefined;
  return status;
}

/** The longest `Retry-After` honoured: a server asking for more still gets a try a minute later. */
export const MAX_RETRY_AFTER = 60_000;
/** The first backoff without `Retry-After`, before jitter; it doubles with each failure in a row. */
export const BACKOFF_START = 250;
/** The longest backoff without `Retry-After`: an app recovers within this of the server's return. */
export const BACKOFF_CAP = 5_000;

/** Milliseconds a `Retry-After` value asks for (delay-seconds or an HTTP date), if it is one. */
export function retryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  // An HTTP date names its weekday and month; `Date.parse` would also read `-5` as a year.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /[a-z]{3}/i.test(text) ? Date.parse(text) - now : Number.NaN;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(ms, 0), MAX_RETRY_AFTER);
}

function retryAfterOf(cause: unknown, now: number): number | undefined {
  const headers = (cause as { response?: { headers?: unknown } } | null | undefined)?.response?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  const value: unknown =
    typeof get === 'function'
      ? (get as (name: string) => unknown).call(headers, 'retry-after')
      : (headers as Record<string, unknown>)['retry-after'];
  return retryAfter(value, now);
}

/**
 * How long after the `failures`-th transient failure in a row no refresh may reach the server:
 * an exponential backoff from {@link BACKOFF_START} to {@link BACKOFF_CAP}, with the upper half
 * jittered so that many clients of one server do not come back at the same instant, or what
 * `Retry-After` says (capped at {@link MAX_RETRY_AFTER}) when that is longer. A server may ask for
 * more than the backoff, never for less: `Retry-After: 0`, or a date its clock has already passed,
 * would otherwise let every poll's 401 send a refresh to a server that is down.
 */
export function backoff(cause: unknown, failures: number, now: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP, BACKOFF_START * 2 ** Math.max(0, failures - 1));
  return Math.max(retryAfterOf(cause, now) ?? 0, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}
