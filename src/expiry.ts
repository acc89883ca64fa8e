/**
 * Refresh ahead of expiry, a part an app opts into with `expiresAt: expiry(() => at)` or
 * `expiresAt: jwtExpiry(() => token)`: a request that would go out within the margin of the
 * access token's expiry first waits for a refresh. An app that does not import it does not
 * bundle it.
 */

import { checkJwtRuntime, checkPartArguments, rethrowMistake } from './checks.js';
import { clock, dateOf } from './clock.js';

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** When the access token expires, for the `expiresAt` option: made by {@link expiry} or {@link jwtExpiry}. */
export interface Expiry {
  /** Tells an expiry made here from a plain function. */
  readonly part: 'expiry';
  /** @internal True when a request about to go out should wait for a refresh first. */
  due(): boolean;
  /**
   * @internal A refresh succeeded, resolving `answer` if it ran in this tab: the server's time is
   * measured again, and an expiry the refresh left within the margin is ignored until it changes
   * or passes.
   */
  refreshed(answer?: unknown): void;
  /** @internal Milliseconds until the access token expires, in the time its expiry is written in; `undefined` when unknown. */
  left(): number | undefined;
  /**
   * @internal True when the token is valid for more than `min` milliseconds, or unknown, or when
   * the latest refresh already handed it over with no more than that left: refreshing again would
   * give the same.
   */
  fresh(min: number): boolean;
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

/** A JWT's `exp` and `iat`, in milliseconds since the epoch. */
interface Claims {
  exp: number | undefined;
  iat: number | undefined;
}

// A NumericDate counts seconds; some servers write milliseconds, which read as seconds would put
// the token's end some 50 000 years away. Whichever reading is nearer to now is meant.
const ms = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? inMilliseconds(value, Date.now()) : undefined;

/** The `exp` and `iat` claims of a JWT's payload, decoded without checking the signature. */
function decodeClaims(token: string | null | undefined): Claims | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    // atob gives one character per byte; JSON.parse accepts the UTF-8 bytes of other claims
    // as Latin-1 characters, and `exp` and `iat` are plain ASCII.
    const { exp, iat } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown };
    return { exp: ms(exp), iat: ms(iat) };
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds since the epoch at which a JWT expires, from the `exp` claim of its payload,
 * decoded without checking the signature; `undefined` for anything else.
 */
export function decodeExpiry(token: string | null | undefined): number | undefined {
  return decodeClaims(token)?.exp;
}

/**
 * @param ownTime True when `read` gives an expiry in the client's own clock.
 * @param serverTime The server's time when a refresh resolved `answer`, if it can be told.
 */
function ahead(read: () => number | undefined, margin: number, ownTime: boolean, serverTime: (answer: unknown) => number | undefined): Expiry {
  const time = clock(margin, ownTime);
  // The expiry a successful refresh handed over, and how long it had left then: one it left
  // within a margin (a clock ahead of the server's that could not be measured, or a margin longer
  // than the token lives) is not refreshed for that margin again, which would give the same.
  let handed: { at: number | undefined; left: number | undefined } | undefined;
  const left = (): number | undefined => {
    const at = read();
    return at === undefined ? undefined : at - time.now();
  };
  const fresh = (min: number): boolean => {
    const remaining = left();
    // Strictly more, as a request is held for a refresh from the margin on. A token handed over
    // with no more than `min` left counts as fresh until it expires, unless it came expired.
    if (remaining === undefined || remaining > min) return true;
    const given = handed?.left ?? Infinity;
    return handed !== undefined && read() === handed.at && given <= min && (remaining > 0 || given <= 0);
  };
  return {
    part: 'expiry',
    due: () => !fresh(margin),
    left,
    fresh,
    margin,
    refreshed(answer) {
      time.measured(serverTime(answer));
      handed = { at: read(), left: left() };
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
  return ahead(
    () => {
      const at = read();
      return typeof at === 'number' ? inMilliseconds(at, Date.now()) : undefined;
    },
    margin,
    true,
    () => undefined,
  );
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
    if (process.env.NODE_ENV !== 'production') {
      checkPartArguments(read, margin);
      checkJwtRuntime();
    }
  } catch (error) {
    rethrowMistake(error);
  }
  let decoded: { token: string | null | undefined; claims: Claims | undefined } | undefined;
  const claims = (): Claims | undefined => {
    let token: string | null | undefined;
    try {
      token = read();
    } catch {
      // A token that cannot be read has no known expiry; the request that sends it fails with why.
      return undefined;
    }
    if (decoded?.token !== token) decoded = { token, claims: decodeClaims(token) };
    return decoded?.claims;
  };
  // The server's time: the refresh answer's `Date`, or else when it issued the new token.
  return ahead(() => claims()?.exp, margin, false, (answer) => dateOf(answer) ?? claims()?.iat);
}
