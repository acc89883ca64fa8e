import { AxiosError } from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';

/** `code` of {@link SessionExpiredError}. */
export const ERR_SESSION_EXPIRED = 'ERR_SESSION_EXPIRED';
/** `code` of {@link RefreshFailedError}. */
export const ERR_REFRESH_FAILED = 'ERR_REFRESH_FAILED';
/** `code` of the error a retry fails with when its body cannot be sent twice. */
export const ERR_BODY_NOT_REPLAYABLE = 'ERR_BODY_NOT_REPLAYABLE';

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
 * Its `code` is {@link ERR_SESSION_EXPIRED}.
 */
export class SessionExpiredError<T = unknown, D = unknown> extends CredentialSafeError<T, D> {
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

function hasCode(error: unknown, code: string): boolean {
  const candidate = error as { isAxiosError?: unknown; code?: unknown } | null | undefined;
  return candidate?.isAxiosError === true && candidate.code === code;
}

/**
 * True for a {@link SessionExpiredError}, from this copy of the library or any other
 * (it checks `isAxiosError` and `code`, not `instanceof`).
 *
 * @example
 * ```ts
 * try {
 *   await api.post('tasks/', task);
 * } catch (error) {
 *   if (isSessionExpiredError(error)) return; // onSessionExpired already sent the user to log in
 *   if (isRefreshFailedError(error)) showBanner('Connection problem, try again');
 *   else throw error;
 * }
 * ```
 */
export function isSessionExpiredError(error: unknown): error is SessionExpiredError {
  return hasCode(error, ERR_SESSION_EXPIRED);
}

/**
 * True for a {@link RefreshFailedError}, from this copy of the library or any other. The session
 * is still good: the same request may be tried again later. See {@link isSessionExpiredError}
 * for an example.
 */
export function isRefreshFailedError(error: unknown): error is RefreshFailedError {
  return hasCode(error, ERR_REFRESH_FAILED);
}
