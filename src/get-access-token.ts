/**
 * A fresh token outside any request, a part an app opts into with `getAccessToken(session)`: for
 * what axios and fetch do not carry (a WebSocket's connection parameters, a stream, a worker).
 * It follows the session's rules as a request does. An app that does not import it does not
 * bundle it.
 */
import { checkTokenRequest, rethrowMistake } from './checks.js';
import { REFRESH_MARGIN } from './expiry.js';
import { isSoftFailure } from './session.js';
import type { RefreshSession } from './session.js';

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** What {@link getAccessToken} is asked for. */
export interface AccessTokenRequest {
  /**
   * How long, in milliseconds, the token must still be valid for: a token with exactly this long
   * left is refreshed, as a request is at the margin. Default: the margin of the
   * session's `expiresAt` part (5 000 without one). Read against `expiresAt`; with no known
   * expiry, any token counts as valid.
   */
  minValidity?: number | undefined;
  /**
   * The token the server just refused (a socket closed with 4401, a stream answered 401): it is
   * not fresh, whatever its expiry says. When the session's token is already another one (a
   * refresh happened meanwhile), that one is given without a refresh.
   */
  refused?: string | undefined;
}

/** True when the session's bearer token is known not to work: there is none, or the app saw it refused. */
function stale(session: RefreshSession, refused: string | undefined): boolean {
  const { bearer } = session;
  if (!bearer) return false;
  const token = bearer.token();
  return token === undefined || token === refused;
}

/** True when the session's credentials need no refresh for this request. */
function fresh(session: RefreshSession, minValidity: number, refused: string | undefined): boolean {
  return !stale(session, refused) && (session.expiry?.fresh(minValidity) ?? true);
}

/**
 * Resolves the session's access token once it is valid for at least `minValidity`: the current
 * one when it is, else after a refresh. A refresh already in flight (started by a request, by
 * another call, or in another tab with `/tabs`) is joined, never doubled: ten calls at once that
 * need a refresh make one. It keeps the session's rules: on an ended session it rejects with
 * `SessionExpiredError`; while the session cools down after a failed refresh, or when the refresh
 * fails transiently, with `RefreshFailedError` (see its `retryAt`).
 *
 * A session without `accessToken` (cookies) resolves `undefined` once its credentials are fresh,
 * refreshing first when `expiresAt` says they are within `minValidity` of expiry. After one
 * refresh it resolves with what the session then has, even when that is still within
 * `minValidity` (a token that lives shorter than asked), rather than refresh again.
 *
 * @param session The session of an interceptor (`interceptor.session`) or one made by
 * `createRefreshSession` or `createTabSession`.
 * @throws TypeError in development builds when `session`, `minValidity` or `refused` is not what
 * is expected, naming it.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { bearer, createRefreshInterceptor, getAccessToken, jwtExpiry } from 'axios-refresh-interceptor';
 *
 * const api = axios.create({ baseURL: 'https://api.example.com/' });
 * let tokens = { access: '', refresh: '' };
 * const { session } = createRefreshInterceptor(api, {
 *   refresh: async ({ client }) => {
 *     tokens = (await client.post('auth/refresh/', { refresh: tokens.refresh })).data;
 *   },
 *   accessToken: bearer(() => tokens.access),
 *   expiresAt: jwtExpiry(() => tokens.access),
 * });
 * // A socket that lives a minute gets a token valid for at least that long.
 * const token = await getAccessToken(session, { minValidity: 60_000 });
 * ```
 */
export async function getAccessToken(session: RefreshSession, request: AccessTokenRequest = {}): Promise<string | undefined> {
  try {
    if (process.env.NODE_ENV !== 'production') checkTokenRequest(session, request);
  } catch (error) {
    rethrowMistake(error);
  }
  // Asked by `refresh` itself (headers for its call, say): the token it is replacing, since
  // waiting for the refresh would wait for itself until refreshTimeout.
  if (session.refreshing && session.owns()) return session.bearer?.token();
  const { minValidity = session.expiry?.margin ?? REFRESH_MARGIN, refused } = request;
  // A refresh for a refused token is no refresh ahead of expiry: its failure holds requests back.
  const trigger = { config: {}, by: 'getAccessToken', client: () => session.client(), stale: () => stale(session, refused) };
  try {
    // Stamped now, so that only a refresh that settles from here on counts; one in flight is joined.
    if (session.state === 'ended' || !fresh(session, minValidity, refused)) await session.recover(session.epoch, trigger);
    // A refresh out now may be replacing this very token (a 401 started it): waited for, as a
    // request is, unless it is one ahead of expiry already late while the token works; and so is
    // one due after it (a refresh that a log-in overtook leaves the log-in's token, maybe due).
    // One ahead of expiry that fails transiently leaves the token as good as it was.
    while (session.due() && (session.refreshing || !fresh(session, minValidity, refused))) {
      await session.renew(trigger).catch((failure: unknown) => {
        if (!isSoftFailure(failure)) throw failure;
      });
    }
  } catch (failure) {
    throw session.error(failure);
  }
  return session.bearer?.token();
}
