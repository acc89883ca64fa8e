/**
 * The axios side's errors: `AxiosError`s, so that what reads axios errors (retry plugins,
 * `axios.isAxiosError`) reads them too. Their codes and guards are shared with the fetch side.
 */
import { AxiosError, AxiosHeaders } from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { ERR_REFRESH_FAILED, ERR_SESSION_EXPIRED } from './codes.js';
import { RefreshFailure, naming } from './refresh-outcome.js';

export { ERR_BODY_NOT_REPLAYABLE, ERR_REFRESH_FAILED, ERR_SESSION_EXPIRED, isRefreshFailedError, isSessionExpiredError } from './codes.js';
export type { RefreshFailedErrorLike, SessionExpiredErrorLike } from './codes.js';

/**
 * What the library's own errors share: `toJSON()` leaves out the request's headers, body and
 * query string, where credentials travel, so logging a serialised error leaks none.
 */
class CredentialSafeError<T, D> extends AxiosError<T, D> {
  /** Takes what both errors are made of: the request that waited, and the refresh failure as `cause`. */
  constructor(
    name: string,
    message: string,
    code: string,
    cause: unknown,
    config?: InternalAxiosRequestConfig<D>,
    response?: AxiosResponse<T, D>,
  ) {
    super(message, code, config, response?.request, response);
    this.name = name;
    (this as { cause?: unknown }).cause = cause;
  }

  /**
   * A plain object for logging: what `AxiosError` gives, with the request reduced to its method,
   * `baseURL` and `url` without the query string.
   */
  // axios declares toJSON as a property, so it is overridden as one.
  override toJSON = (): object => {
    const config = this.config;
    return {
      ...AxiosError.prototype.toJSON.call(this),
      config: config && { method: config.method, baseURL: config.baseURL, url: config.url?.split('?')[0] },
    };
  };
}

/**
 * The server rejected the refresh (a 4xx response): the session is over and the user has to
 * log in again. Every request that was waiting on that refresh rejects with this error.
 *
 * It is an `AxiosError` (`axios.isAxiosError(err)` is true) whose `response` and `config` are
 * the original request's (`response` is `undefined` for a request that was held before it was
 * sent) and whose `cause` is the refresh failure. Recognise it with
 * {@link isSessionExpiredError}, which also works when axios is loaded twice.
 *
 * Its `code` is {@link ERR_SESSION_EXPIRED}. A request sent through `createRefreshFetch` rejects
 * with the fetch side's error of the same name and code instead.
 */
export class SessionExpiredError<T = unknown, D = unknown> extends CredentialSafeError<T, D> {
  /** Always {@link ERR_SESSION_EXPIRED}, as on the fetch side. */
  declare code: typeof ERR_SESSION_EXPIRED;

  /**
   * The library makes these for the requests that waited. An app makes one to end the session
   * from its own `refresh`: throwing `new SessionExpiredError(cause)` there (for example when
   * there is no refresh token to send) counts as the server rejecting the refresh.
   * @param cause Why the session ended: the refresh failure.
   * @param config The request that was waiting on the refresh.
   * @param response That request's 401, if it was sent.
   */
  constructor(
    cause: unknown,
    config?: InternalAxiosRequestConfig<D>,
    response?: AxiosResponse<T, D>,
  ) {
    super(
      'SessionExpiredError',
      'Session expired: the server rejected the credentials refresh',
      ERR_SESSION_EXPIRED,
      cause,
      config,
      response,
    );
  }
}

/**
 * The refresh failed for a reason that does not end the session: a network error, a timeout
 * (`refreshTimeout`), a 408, 429 or 5xx response, or an error thrown by `refresh` itself.
 * Requests waiting on that refresh reject with this error, and so does a 401 during the
 * cooldown that follows (see `retryAt`); the first 401 after it tries a new refresh.
 *
 * `cause` holds the refresh failure; `response` and `config` are the original request's.
 * Recognise it with {@link isRefreshFailedError}. Its `code` is {@link ERR_REFRESH_FAILED}.
 */
export class RefreshFailedError<T = unknown, D = unknown> extends CredentialSafeError<T, D> {
  /** Always {@link ERR_REFRESH_FAILED}, as on the fetch side. */
  declare code: typeof ERR_REFRESH_FAILED;

  /**
   * When a new refresh may reach the server, in milliseconds since the epoch: after a transient
   * failure the session waits out `Retry-After` or a backoff, and a 401 meanwhile rejects at once
   * with this error. `undefined` when the refresh timed out and its call is still out.
   */
  readonly retryAt: number | undefined;

  /**
   * The library makes these; an app seldom needs to, except to stand in for one in its tests.
   * @param cause The refresh failure: an axios error, a timeout, or whatever `refresh` threw.
   * @param config The request that was waiting on the refresh.
   * @param response That request's 401, if it was sent.
   * @param retryAt When a new refresh may reach the server, in milliseconds since the epoch.
   */
  constructor(
    cause: unknown,
    config?: InternalAxiosRequestConfig<D>,
    response?: AxiosResponse<T, D>,
    retryAt?: number,
  ) {
    const next = retryAt === undefined ? '' : `; no new refresh before ${new Date(retryAt).toISOString()}`;
    super(
      'RefreshFailedError',
      `Could not refresh credentials: ${cause instanceof Error ? cause.message : String(cause)}${next}`,
      ERR_REFRESH_FAILED,
      cause,
      config,
      response,
    );
    this.retryAt = retryAt;
  }
}

/** The error axios's `settle` makes for a response that its `validateStatus` turned down. */
export function statusError(response: AxiosResponse): AxiosError {
  const code = response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
  return new AxiosError(`Request failed with status code ${response.status}`, code, response.config, response.request, response);
}

/** A fetch `Response` as an axios response, for errors that carry one. */
export function answerOf(response: Pick<Response, 'status' | 'statusText' | 'headers'>, config: InternalAxiosRequestConfig): AxiosResponse {
  const headers = new AxiosHeaders();
  response.headers.forEach((value, name) => headers.set(name, value));
  return { data: undefined, status: response.status, statusText: response.statusText, headers, config, request: undefined };
}

/**
 * What a request that waited on a refresh rejects with: {@link SessionExpiredError} or
 * {@link RefreshFailedError} for a failed refresh, anything else as it is.
 */
export function requestError(failure: unknown, config?: InternalAxiosRequestConfig, response?: AxiosResponse): unknown {
  if (!(failure instanceof RefreshFailure)) return failure;
  // A request held before it was sent carries the refresh's answer instead of one of its own,
  // so that retry plugins see an HTTP answer and not what looks like a network error.
  const answer = response ?? (failure.cause as { response?: AxiosResponse } | null | undefined)?.response;
  return naming(
    failure.expired
      ? new SessionExpiredError(failure.cause, config, answer)
      : new RefreshFailedError(failure.cause, config, answer, failure.retryAt),
    failure,
  );
}
