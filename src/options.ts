import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import type { RefreshSession } from './session.js';
import type { SessionExpiredError } from './errors.js';
import { REFRESH_TIMEOUT } from './session-options.js';
import type { CommonSessionOptions } from './session-options.js';

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

/** How a session of the axios side obtains new credentials and what it does when it cannot. */
export type SessionOptions = CommonSessionOptions<RefreshContext, SessionExpiredError>;

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
  /** Given to the session, not here (a `TypeError` at run time too). */
  refresh?: never;
  /** Given to the session, not here. */
  onSessionExpired?: never;
  /** Given to the session, not here. */
  refreshTimeout?: never;
  /** Given to the session, not here. */
  expiresAt?: never;
  /** Given to the session, not here. */
  accessToken?: never;
  /** Given to the session, not here. */
  challenges?: never;
  /** Given to the session, not here. */
  credentialOrigins?: never;
  /** Given to the session, not here. */
  tokenOrigins?: never;
}

/** Defaults of every optional setting. */
export const defaults: {
  readonly refreshTimeout: number;
  readonly shouldRefresh: (error: AxiosError) => boolean;
  readonly shouldRefreshResponse: (response: AxiosResponse) => boolean;
} = {
  refreshTimeout: REFRESH_TIMEOUT,
  shouldRefresh: (error) => error.response?.status === 401,
  shouldRefreshResponse: (response) => response.status === 401,
};
