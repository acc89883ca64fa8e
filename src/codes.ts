/**
 * What the errors of every transport share: their codes, and the guards that recognise them.
 * Each transport makes its own errors (the axios side's are `AxiosError`s, which retry plugins
 * read; the fetch side's are plain `Error`s, so that a fetch-only app bundles no axios), and the
 * guards accept both.
 */

/** `code` of the error a request rejects with when the server rejected the refresh. */
export const ERR_SESSION_EXPIRED = 'ERR_SESSION_EXPIRED';
/** `code` of the error a request rejects with when the refresh failed transiently. */
export const ERR_REFRESH_FAILED = 'ERR_REFRESH_FAILED';
/** `code` of the error a retry fails with when its body cannot be sent twice. */
export const ERR_BODY_NOT_REPLAYABLE = 'ERR_BODY_NOT_REPLAYABLE';

/**
 * What every `SessionExpiredError` has, whichever transport made it: the axios side's
 * (`axios-refresh-interceptor`) or the fetch side's (`axios-refresh-interceptor/fetch`).
 */
export interface SessionExpiredErrorLike extends Error {
  /** {@link ERR_SESSION_EXPIRED}. */
  code: typeof ERR_SESSION_EXPIRED;
  /** Why the session ended: the refresh failure. */
  readonly cause?: unknown;
}

/** What every `RefreshFailedError` has, whichever transport made it. */
export interface RefreshFailedErrorLike extends Error {
  /** {@link ERR_REFRESH_FAILED}. */
  code: typeof ERR_REFRESH_FAILED;
  /** The refresh failure. */
  readonly cause?: unknown;
  /** When a new refresh may reach the server, in milliseconds since the epoch, if known. */
  readonly retryAt: number | undefined;
}

function hasCode(error: unknown, code: string): boolean {
  const candidate = error as { isAxiosError?: unknown; code?: unknown } | null | undefined;
  return (candidate?.isAxiosError === true || error instanceof Error) && candidate?.code === code;
}

/**
 * True for a `SessionExpiredError` made by either transport, from this copy of the library or
 * any other (it checks `code`, not `instanceof` a class).
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
export function isSessionExpiredError(error: unknown): error is SessionExpiredErrorLike {
  return hasCode(error, ERR_SESSION_EXPIRED);
}

/**
 * True for a `RefreshFailedError` made by either transport, from this copy of the library or any
 * other. The session is still good: the same request may be tried again later. See
 * {@link isSessionExpiredError} for an example.
 */
export function isRefreshFailedError(error: unknown): error is RefreshFailedErrorLike {
  return hasCode(error, ERR_REFRESH_FAILED);
}
