/**
 * The fetch side's errors: plain `Error`s with the same `code` as the axios side's, so that an
 * app that uses only `fetch` bundles no axios, and the same guards recognise both.
 */
import { ERR_BODY_NOT_REPLAYABLE, ERR_REFRESH_FAILED, ERR_SESSION_EXPIRED } from './codes.js';
import type { RefreshFailedErrorLike, SessionExpiredErrorLike } from './codes.js';
import { RefreshFailure, naming, unpin } from './refresh-outcome.js';

/** The call an error is about, as a log may show it: without query string, headers or body. */
export interface FetchRequestSummary {
  /** `get`, `post`, ... in lower case. */
  readonly method: string | undefined;
  /** Without the query string, where secrets sometimes travel. */
  readonly url: string | undefined;
}

function summary(request: { readonly method?: string | undefined; readonly url?: string | undefined } | undefined): FetchRequestSummary | undefined {
  return request && { method: request.method, url: request.url?.split('?')[0] };
}

/**
 * The server rejected the refresh (a 4xx response): the session is over and the user has to log
 * in again. Every call of `createRefreshFetch` that was waiting on that refresh rejects with this
 * error; an axios instance on the same session rejects with the axios side's error of the same
 * name. Recognise either with `isSessionExpiredError`. Its `code` is `ERR_SESSION_EXPIRED`.
 */
export class SessionExpiredError extends Error implements SessionExpiredErrorLike {
  /** `ERR_SESSION_EXPIRED`. */
  readonly code: typeof ERR_SESSION_EXPIRED = ERR_SESSION_EXPIRED;
  /** The call that was waiting on the refresh, if a call started it. */
  readonly request: FetchRequestSummary | undefined;
  /** That call's 401; `undefined` for a call held before it was sent. */
  readonly response: Response | undefined;

  /**
   * The library makes these for the calls that waited. An app makes one to end the session from
   * its own `refresh`: throwing `new SessionExpiredError(cause)` there (for example when there is
   * no refresh token to send) counts as the server rejecting the refresh.
   * @param cause Why the session ended: the refresh failure.
   * @param request The call that was waiting on the refresh.
   * @param response That call's 401, if it was sent.
   */
  constructor(cause: unknown, request?: { readonly method?: string | undefined; readonly url?: string | undefined }, response?: Response) {
    super('Session expired: the server rejected the credentials refresh', { cause });
    this.name = 'SessionExpiredError';
    this.request = summary(request);
    this.response = response;
  }
}

/**
 * The refresh failed for a reason that does not end the session: a network error, a timeout
 * (`refreshTimeout`), a 408, 429 or 5xx response, or an error thrown by `refresh` itself. Calls
 * waiting on that refresh reject with this error, and so does a 401 during the cooldown that
 * follows (see `retryAt`). Recognise it with `isRefreshFailedError`. Its `code` is
 * `ERR_REFRESH_FAILED`.
 */
export class RefreshFailedError extends Error implements RefreshFailedErrorLike {
  /** `ERR_REFRESH_FAILED`. */
  readonly code: typeof ERR_REFRESH_FAILED = ERR_REFRESH_FAILED;
  /** The call that was waiting on the refresh. */
  readonly request: FetchRequestSummary | undefined;
  /** That call's 401; `undefined` for a call held before it was sent. */
  readonly response: Response | undefined;
  /**
   * When a new refresh may reach the server, in milliseconds since the epoch. `undefined` when the
   * refresh timed out and its call is still out.
   */
  readonly retryAt: number | undefined;

  /**
   * The library makes these; an app seldom needs to, except to stand in for one in its tests.
   * @param cause The refresh failure.
   * @param request The call that was waiting on the refresh.
   * @param response That call's 401, if it was sent.
   * @param retryAt When a new refresh may reach the server, in milliseconds since the epoch.
   */
  constructor(cause: unknown, request?: { readonly method?: string | undefined; readonly url?: string | undefined }, response?: Response, retryAt?: number) {
    const next = retryAt === undefined ? '' : `; no new refresh before ${new Date(retryAt).toISOString()}`;
    super(`Could not refresh credentials: ${cause instanceof Error ? cause.message : String(cause)}${next}`, { cause });
    this.name = 'RefreshFailedError';
    this.request = summary(request);
    this.response = response;
    this.retryAt = retryAt;
  }
}

/** An answer that failed, as an error whose `response` is that answer. */
export function answerError(response: { readonly status: number }): Error & { readonly response: typeof response } {
  const error = Object.assign(new Error(`Request failed with status code ${response.status}`), { response });
  // Made while a wrapped call runs, and kept by `refresh` or as a cause: see `unpin`.
  unpin(error);
  return error;
}

/** What a call that waited on a refresh rejects with: one of the errors above for a failed refresh, anything else as it is. */
export function requestError(failure: unknown, request?: { readonly method: string; readonly url: string }, response?: Response): unknown {
  if (!(failure instanceof RefreshFailure)) return failure;
  return naming(
    failure.expired
      ? new SessionExpiredError(failure.cause, request, response)
      : new RefreshFailedError(failure.cause, request, response, failure.retryAt),
    failure,
  );
}

/** The error a call whose body is a stream rejects with instead of being sent again. */
export function notReplayable(response: Response, cause: Error): Error {
  const error = Object.assign(
    new Error('Cannot send the request again after the refresh: its body is a stream, which can be read only once', { cause }),
    { code: ERR_BODY_NOT_REPLAYABLE, response },
  );
  unpin(error);
  return error;
}
