/**
 * The options every session has, whichever transport made it. Nothing here needs axios: a
 * fetch-only app builds its session from these.
 */
import type { SessionExpiredErrorLike } from './codes.js';
import type { AccessToken } from './bearer.js';
import type { Expiry } from './expiry.js';
import type { Challenges } from './challenges.js';

/** Milliseconds a request waits for a refresh, unless `refreshTimeout` says otherwise. */
export const REFRESH_TIMEOUT = 10_000;

/**
 * How a session obtains new credentials and what it does when it cannot, on either transport:
 * `Context` is what `refresh` is given (with an axios `client` on the axios side, without one on
 * the fetch side), `Expired` what `onSessionExpired` is given (the side's `SessionExpiredError`).
 */
export interface CommonSessionOptions<Context, Expired extends SessionExpiredErrorLike = SessionExpiredErrorLike> {
  /**
   * Obtains new credentials, for example `({ client }) => client.post('users/refresh/')` with
   * axios, or `({ signal }) => fetch('/api/v1/users/refresh/', { method: 'POST', signal })`.
   * At most one call runs at a time per session, even one that outlives `refreshTimeout`. It
   * may return a promise; once that resolves the credentials are taken to be fresh.
   * Rejecting with a 4xx response other than 408 and 429, or resolving with one (an axios
   * response or a fetch `Response`), ends the session until a log-in; any other failure
   * (network error, timeout, 408, 429, 5xx, an error thrown here) is transient, and no refresh
   * runs again before its `Retry-After` or a backoff (125 ms to 5 s, with jitter) has passed.
   */
  refresh: (context: Context) => unknown;
  /**
   * Called once when the server rejects a refresh (a 4xx other than 408 and 429): the session
   * is over, and stays over until a log-in, so it is not called again for later 401s. Typically it clears the app's user state and sends the user to the login page. It
   * is not called for a transient failure (network error, timeout, 408, 429, 5xx). It runs once
   * every request waiting on that refresh has its outcome, so what it does (navigate, eject,
   * clear state) changes nothing for them. Errors it throws or rejects with are ignored. Its
   * `error` is the `SessionExpiredError` of the entry point that made the session: an
   * `AxiosError` for a session of `axios-refresh-interceptor`, a plain `Error` for one of
   * `axios-refresh-interceptor/fetch`, whichever transport's request started the refresh.
   * @default undefined
   */
  onSessionExpired?: ((error: Expired) => unknown) | undefined;
  /**
   * Milliseconds a request waits for a refresh. After that its `signal` aborts and every request
   * waiting on it rejects with `RefreshFailedError`; a call that ignores the signal still counts,
   * and no other refresh starts until it settles.
   * @default 10_000
   */
  refreshTimeout?: number | undefined;
  /**
   * Refresh ahead of expiry, made by `expiry(() => at)` (an expiry the app stored) or
   * `jwtExpiry(() => token)` (the `exp` of a JWT access token): a request that would go out
   * within the margin of the access token's expiry first waits for a refresh, so it is never sent
   * with a token about to die. A 401 is still handled as usual.
   * @default undefined
   *
   * @example
   * ```ts
   * import axios from 'axios';
   * import { createRefreshInterceptor, expiry } from 'axios-refresh-interceptor';
   *
   * const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
   * let at = 0; // set at log-in: Date.now() + expires_in * 1000
   * createRefreshInterceptor(api, {
   *   refresh: async ({ client }) => {
   *     const { data } = await client.post<{ expires_in: number }>('users/refresh/');
   *     at = Date.now() + data.expires_in * 1000;
   *   },
   *   expiresAt: expiry(() => at),
   * });
   * ```
   */
  expiresAt?: Expiry | undefined;
  /**
   * The access token to send as `Authorization: Bearer <token>`, made by `bearer(() => token)`,
   * for apps that keep a bearer token in memory. Read as each request goes out, after any wait
   * for a refresh, so a held or retried request carries the token of the latest refresh. Sent
   * only to the instance's own origin (relative URLs, and absolute ones on the origin of
   * `baseURL` or, in a browser with no `baseURL`, of the page) and to `credentialOrigins`. A
   * request that sets its own `Authorization` keeps it.
   * @default undefined
   *
   * @example
   * ```ts
   * import axios from 'axios';
   * import { bearer, createRefreshInterceptor } from 'axios-refresh-interceptor';
   *
   * const api = axios.create({ baseURL: 'https://api.example.com/' });
   * let tokens = { access: '', refresh: '' };
   * createRefreshInterceptor(api, {
   *   refresh: async ({ client }) => {
   *     tokens = (await client.post('auth/refresh/', { refresh: tokens.refresh })).data;
   *   },
   *   accessToken: bearer(() => tokens.access),
   * });
   * ```
   */
  accessToken?: AccessToken | undefined;
  /**
   * Reads the server's `WWW-Authenticate`, made by `wwwAuthenticate()`: a 401 or 403 that asks
   * for step-up authentication (`error="insufficient_user_authentication"`) or a scope the token
   * lacks (`error="insufficient_scope"`) is not refreshed, does not end the session, and carries
   * the parsed challenge as `challenge`. A cross-origin API must send
   * `Access-Control-Expose-Headers: WWW-Authenticate` for a browser to show the header.
   * @default undefined
   */
  challenges?: Challenges | undefined;
  /**
   * Origins besides the instance's own that share the session's credentials: they receive the
   * access token (with `accessToken`), and their 401s refresh the session. A 401 from any other
   * origin reaches its caller as it is, with no refresh and no end of the session. The instance's
   * own are relative URLs and the origin of `baseURL` (or, without one, of the page); a cookie
   * session also counts the page's. In Node with no `baseURL` there is no page: list the API's
   * origin here, or a cookie session counts every origin, since it cannot tell, and a bearer
   * session none but relative URLs.
   * @default []
   *
   * @example
   * ```ts
   * createRefreshInterceptor(api, { refresh, credentialOrigins: ['https://uploads.example.com'] });
   * ```
   */
  credentialOrigins?: readonly string[] | undefined;
  /**
   * The former name of `credentialOrigins`; both are accepted, and their origins count together.
   * @deprecated Use credentialOrigins
   * @default []
   */
  tokenOrigins?: readonly string[] | undefined;
}
