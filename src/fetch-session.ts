/**
 * Sessions made on the fetch side, for apps that use only `fetch` (openapi-fetch, ky, plain
 * `fetch`): `refresh` gets no axios client, and nothing here needs axios.
 */
import { SessionExpiredError, answerError, requestError } from './fetch-errors.js';
import { failedStatus, isFetchResponse } from './refresh-outcome.js';
import { createSession } from './session.js';
import type { RefreshSession, Transport } from './session.js';
import type { CommonSessionOptions } from './session-options.js';

/** The answer that started a refresh, as an `Error` carrying it. */
export interface FailedAnswerError extends Error {
  /**
   * The answer: a fetch `Response` (its body already cancelled) when `createRefreshFetch`
   * started the refresh, an axios response when an axios instance on the same session did.
   */
  readonly response?: {
    /** The answer's HTTP status. */
    readonly status: number;
  } | undefined;
}

/**
 * What `refresh` is given on the fetch side.
 *
 * @example
 * ```ts
 * const session = createRefreshSession({
 *   refresh: async ({ signal }) => {
 *     const res = await fetch('/api/v1/auth/refresh/', { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }), signal });
 *     if (!res.ok) return res; // a 4xx ends the session, anything else is transient
 *     tokens = await res.json();
 *   },
 * });
 * ```
 */
export interface FetchRefreshContext {
  /** The failed answer that started this refresh; `undefined` when refreshing ahead of expiry. */
  error?: FailedAnswerError | undefined;
  /**
   * Aborts when the refresh takes longer than `refreshTimeout`, or the session ends while it is
   * out; pass it on as `{ signal }` (but see `superseded` for rotating refresh tokens).
   */
  signal: AbortSignal;
  /**
   * Aborts when a log-out (`session.end()`, in any tab) or a log-in overtakes this refresh: what
   * its call gives is no longer the current user's credentials, so store nothing then. Unlike
   * `signal` it does not abort at `refreshTimeout`, whose late answer still counts: with rotating
   * refresh tokens, pass this one on as `{ signal: superseded }` instead.
   */
  superseded: AbortSignal;
}

/** How a fetch-side session obtains new credentials and what it does when it cannot. */
export type FetchSessionOptions = CommonSessionOptions<FetchRefreshContext, SessionExpiredError>;

/** @internal How the fetch side shows a session's outcomes. */
export const fetchTransport: Transport<FetchRefreshContext, SessionExpiredError> = {
  context: ({ error }, signal, superseded) => ({ error: error as FailedAnswerError | undefined, signal, superseded }),
  answer: (value) => (failedStatus(value) === undefined ? undefined : answerError(value as { status: number })),
  expired: (cause, trigger) => {
    const response = trigger?.error?.response;
    // An axios instance on this session may have started the refresh; its answer is no `Response`.
    return new SessionExpiredError(cause, trigger?.config, isFetchResponse(response) ? response : undefined);
  },
  failed: (failure) => requestError(failure),
};

/**
 * Makes a session for `createRefreshFetch` without axios: an app that uses only `fetch`
 * bundles none of it. It works like the session of the axios side, except that `refresh` is
 * given no axios `client`: it calls the refresh endpoint itself, for example with the `fetch`
 * it wraps (a call that `refresh` makes through the wrapped function is sent as it is). An
 * axios instance can still share it; `refresh` then gets that instance's answers as `error`.
 *
 * @param options How the session refreshes and what it does when it cannot.
 * @returns A session to pass to {@link createRefreshFetch} as `{ session }`.
 * @throws TypeError when an option is not what is expected, naming the option.
 *
 * @example
 * ```ts
 * import { createRefreshFetch, createRefreshSession } from 'axios-refresh-interceptor/fetch';
 *
 * const session = createRefreshSession({
 *   refresh: ({ signal }) => fetch('/api/v1/users/refresh/', { method: 'POST', signal }),
 *   onSessionExpired: () => router.navigate('/login'),
 * });
 * const authFetch = createRefreshFetch(fetch, { session });
 * ```
 */
export function createRefreshSession(options: FetchSessionOptions): RefreshSession {
  return createSession(options, fetchTransport);
}
