import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import type { SessionExpiredError } from './errors.js';
import type { AccessToken } from './bearer.js';
import type { Expiry } from './expiry.js';
import type { RefreshSession } from './session.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * Leave this request alone: a 401 reaches the caller as it is, and the request is never
     * held while a refresh runs (so it may be used to call the refresh endpoint itself).
     * Use it for log-in and sign-up, where a 401 means wrong credentials.
     * @default false
     */
    skipAuthRefresh?: boolean;
  }
}

/**
 * What `refresh` is given.
 *
 * @example
 * ```ts
 * createRefreshInterceptor(api, {
 *   refresh: async ({ client, signal }) => {
 *     const { data } = await client.post('auth/refresh/', { refresh: tokens.refresh }, { signal });
 *     tokens = { access: data.access, refresh: data.refresh };
 *   },
 * });
 * ```
 */
export interface RefreshContext {
  /**
   * A bare axios instance made from the instance's current defaults (baseURL, headers,
   * withCredentials, adapter, timeout, ...) with none of its interceptors: a request through
   * it is never held, retried or refreshed, so a failing refresh cannot loop.
   */
  client: AxiosInstance;
  /** The failure that started this refresh; `undefined` when refreshing ahead of expiry. */
  error?: AxiosError | undefined;
  /** Aborts when the refresh takes longer than `refreshTimeout`; pass it on as `{ signal }`. */
  signal: AbortSignal;
}

/** How a session obtains new credentials and what it does when it cannot. */
export interface SessionOptions {
  /**
   * Obtains new credentials, for example `({ client }) => client.post('users/refresh/')`.
   * At most one call runs at a time per session, even one that outlives `refreshTimeout`. It
   * may return a promise; once that resolves the credentials are taken to be fresh.
   * Rejecting with a 4xx response other than 408 and 429, or resolving with one (an axios
   * response or a fetch `Response`), ends the session until a log-in; any other failure
   * (network error, timeout, 408, 429, 5xx, an error thrown here) is transient, and no refresh
   * runs again before its `Retry-After` or a backoff of 250 ms to 5 s has passed.
   */
  refresh: (context: RefreshContext) => unknown;
  /**
   * Called once when the server rejects a refresh (a 4xx other than 408 and 429): the session
   * is over, and stays over until a log-in, so it is not called again for later 401s. Typically it clears the app's user state and sends the user to the login page. It
   * is not called for a transient failure (network error, timeout, 408, 429, 5xx). It runs once
   * every request waiting on that refresh has its outcome, so what it does (navigate, eject,
   * clear state) changes nothing for them. Errors it throws or rejects with are ignored.
   * @default undefined
   */
  onSessionExpired?: ((error: SessionExpiredError) => unknown) | undefined;
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

/** Options that belong to one instance, whether its session is its own or shared. */
export interface InstanceOptions {
  /**
   * Whether a failed response means the credentials have expired. Only consulted for errors
   * that have a response: cancellations, timeouts and network errors are never refreshed.
   * @default (error) => error.response?.status === 401
   */
  shouldRefresh?: ((error: AxiosError) => boolean) | undefined;
  /**
   * Whether a response that axios resolved means the credentials have expired: a 401 that a
   * permissive `validateStatus` lets through, or an auth failure signalled in the body, as
   * GraphQL servers do with a 200. When given, it sees the body as `transformResponse` makes it
   * (parsed JSON). Such a response is refreshed and replayed like a rejected 401; the app's
   * response interceptors never see it.
   * @default (response) => response.status === 401
   *
   * @example
   * ```ts
   * createRefreshInterceptor(graphql, {
   *   refresh,
   *   shouldRefreshResponse: ({ status, data }) =>
   *     status === 401 || data?.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED'),
   * });
   * ```
   */
  shouldRefreshResponse?: ((response: AxiosResponse) => boolean) | undefined;
}

/**
 * Options of an instance with a session of its own: the session's options and the instance's.
 * See {@link createRefreshInterceptor} for an example.
 */
export interface RefreshInterceptorOptions extends SessionOptions, InstanceOptions {}

/**
 * Options of an instance that shares a session made by {@link createRefreshSession} (or by
 * `createTabSession` from `axios-refresh-interceptor/tabs`). The session's own options, such as
 * `refresh`, are given to the session, not here.
 */
export interface SharedSessionOptions extends InstanceOptions {
  /** The session to share, from {@link createRefreshSession} or another interceptor's `session`. */
  session: RefreshSession;
}

/** Defaults of every optional setting. */
export const defaults: {
  readonly refreshTimeout: number;
  readonly shouldRefresh: (error: AxiosError) => boolean;
  readonly shouldRefreshResponse: (response: AxiosResponse) => boolean;
} = {
  refreshTimeout: 10_000,
  shouldRefresh: (error) => error.response?.status === 401,
  shouldRefreshResponse: (response) => response.status === 401,
};
