/**
 * Refresh ahead of expiry, a part an app opts into with `expiresAt: expiry(() => at)` or
 * `expiresAt: jwtExpiry(() => token)`: a request that would go out within the margin of the
 * access token's expiry first waits for a refresh. An app that does not import it does not
 * bundle it.
 */

import { checkPartArguments, rethrowMistake } from './checks.js';

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** When the access token expires, for the `expiresAt` option: made by {@link expiry} or {@link jwtExpiry}. */
export interface Expiry {
  /** Tells an expiry made here from a plain function. */
  readonly part: 'expiry';
  /** @internal True when a request about to go out should wait for a refresh first. */
  due(): boolean;
  /** @internal A refresh succeeded: an expiry it left within the margin is ignored until it changes. */
  refreshed(): void;
  /** @internal When the access token expires, in milliseconds since the epoch; `undefined` when unknown. */
  at(): number | undefined;
  /** @internal How long before expiry a request refreshes first, in milliseconds. */
  readonly margin: number;
}

/** The default margin: how long before expiry a request refreshes first. */
export const REFRESH_MARGIN = 5_000;

/**
 * An expiry in milliseconds, whether it was given in milliseconds or, a common slip, in seconds
 * (a JWT `exp` passed as it is): read as seconds, such a value is nearer to `now`.
 */
export function inMilliseconds(at: number, now: number): number {
  return Math.abs(at * 1000 - now) < Math.abs(at - now) ? at * 1000 : at;
}

/**
 * Milliseconds since the epoch at which a JWT expires, from the `exp` claim of its payload,
 * decoded without checking the signature; `undefined` for anything else.
 */
export function decodeExpiry(token: string | null | undefined): number | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    // atob gives one character per byte; JSON.parse accepts the UTF-8 bytes of other claims
    // as Latin-1 characters, and `exp` is plain ASCII.
    const { exp } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function ahead(read: () => number | undefined, margin: number): Expiry {
  // An expiry that a successful refresh left within the margin (a clock ahead of the server's,
  // or a margin longer than the token lives): refreshing again would give the same.
  let ignored: number | undefined;
  const due = (): boolean => {
    const at = read();
    return at !== undefined && at !== ignored && Date.now() >= at - margin;
  };
  return {
    part: 'expiry',
    due,
    at: read,
    margin,
    refreshed() {
      ignored = undefined;
      if (due()) ignored = read();
    },
  };
}

/**
 * Refreshes ahead of a known expiry: `read` gives when the current access token expires, in
 * milliseconds since the epoch (from an `expires_in` the app stored), or `undefined` when
 * unknown. It is read before each request; one that would go out within `margin` of that moment
 * first waits for a refresh. Nothing runs while the app is idle, and a 401 is still handled as
 * usual. A value nearer to now read as seconds than as milliseconds is taken as seconds.
 *
 * @param margin How long before expiry a request refreshes first, in milliseconds. Keep it well
 * below the token's lifetime, or every request refreshes.
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
export function expiry(read: () => number | undefined, margin: number = REFRESH_MARGIN): Expiry {
  try {
    if (process.env.NODE_ENV !== 'production') checkPartArguments(read, margin);
  } catch (error) {
    rethrowMistake(error);
  }
  return ahead(() => {
    const at = read();
    return typeof at === 'number' ? inMilliseconds(at, Date.now()) : undefined;
  }, margin);
}

/**
 * Refreshes ahead of the expiry written in a JWT access token: the `exp` claim of the token `read`
 * gives, decoded without checking the signature (a token that is not a JWT has no known expiry).
 * A token is decoded once, however often it is read.
 *
 * @param margin How long before expiry a request refreshes first, in milliseconds.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { bearer, createRefreshInterceptor, jwtExpiry } from 'axios-refresh-interceptor';
 *
 * const api = axios.create({ baseURL: 'https://api.example.com/' });
 * let tokens = { access: '', refresh: '' };
 * createRefreshInterceptor(api, {
 *   refresh: async ({ client }) => {
 *     tokens = (await client.post('auth/refresh/', { refresh: tokens.refresh })).data;
 *   },
 *   accessToken: bearer(() => tokens.access),
 *   expiresAt: jwtExpiry(() => tokens.access),
 * });
 * ```
 */
export function jwtExpiry(read: () => string | null | undefined, margin: number = REFRESH_MARGIN): Expiry {
  try {
    if (process.env.NODE_ENV !== 'production') checkPartArguments(read, margin);
  } catch (error) {
    rethrowMistake(error);
  }
  let decoded: { token: string | null | undefined; at: number | undefined } | undefined;
  return ahead(() => {
    let token: string | null | undefined;
    try {
      token = read();
    } catch {
      // A token that cannot be read has no known expiry; the request that sends it fails with why.
      return undefined;
    }
    if (decoded?.token !== token) decoded = { token, at: decodeExpiry(token) };
    return decoded?.at;
  }, margin);
}
