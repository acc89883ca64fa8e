/**
 * A refresh when the app wakes, a part an app opts into with `refreshOnWake(session)`: after a
 * laptop slept, a phone locked or a tab sat in the back-forward cache, the token expired while
 * nothing ran, and the first request after waking would wait for the refresh. Refreshing when
 * the page shows again takes that wait out of the first request. An app that does not import it
 * does not bundle it.
 */
import { checkWakeArguments, rethrowMistake } from './checks.js';
import type { RefreshSession } from './session.js';
import { monotonic } from './clock.js';

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** What {@link refreshOnWake} is asked for. */
export interface WakeOptions {
  /**
   * The least time, in milliseconds, between two wakes that may refresh: a page shown, hidden and
   * shown again in quick succession, or a flapping network, starts at most one refresh in that
   * time. Default: 10 000.
   */
  minInterval?: number | undefined;
  /**
   * Listen to the page: `visibilitychange` to visible, `online`, and `pageshow` from the
   * back-forward cache. Default: true where there is a `document`. React Native has none: call
   * {@link Wake.check} when `AppState` turns `active`.
   */
  listen?: boolean | undefined;
}

/** What {@link refreshOnWake} returns. */
export interface Wake {
  /**
   * The app woke: when the access token expired or is within the margin by the clock, refresh
   * once, or join the refresh in flight (in any tab with `/tabs`). Does nothing while offline,
   * on an ended or cooling-down session, or within `minInterval` of the last wake that refreshed.
   * Resolves when that refresh settled; never rejects (a failed refresh ends or cools down the
   * session as any refresh does, and `onSessionExpired` and the events say so).
   */
  check(): Promise<void>;
  /** Stops listening to the page. */
  stop(): void;
}

/** The default {@link WakeOptions.minInterval}. */
const MIN_INTERVAL = 10_000;

const noop = (): void => {};

/** What a browser page has, where it has it; `undefined` in Node and React Native. */
interface PageLike {
  document?: { visibilityState?: string } & EventTarget;
  navigator?: { onLine?: boolean };
  addEventListener?: EventTarget['addEventListener'];
  removeEventListener?: EventTarget['removeEventListener'];
}

/**
 * Refreshes the session's credentials when the app wakes, so that the first request after a
 * sleep goes out with a fresh token instead of waiting for the refresh. Needs the session's
 * `expiresAt` (`expiry` or `jwtExpiry`): it is what says the credentials expired meanwhile.
 *
 * Off unless called: an app that does not know when its tokens expire has nothing to check, and
 * one that does chooses when to listen (and {@link Wake.stop}s, in a test or a micro-frontend
 * that unmounts).
 *
 * @param session The session of an interceptor (`interceptor.session`) or one made by
 * `createRefreshSession` or `createTabSession`.
 * @throws TypeError in development builds when `session` is not a session, has no `expiresAt`,
 * or an option is not what is expected, naming it.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createRefreshInterceptor, expiry, refreshOnWake } from 'axios-refresh-interceptor';
 *
 * const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
 * let expiresAt = 0;
 * const { session } = createRefreshInterceptor(api, {
 *   refresh: async ({ client }) => {
 *     const { data } = await client.post<{ expires_in: number }>('users/refresh/');
 *     expiresAt = Date.now() + data.expires_in * 1000;
 *   },
 *   expiresAt: expiry(() => expiresAt),
 * });
 * refreshOnWake(session);
 * ```
 */
export function refreshOnWake(session: RefreshSession, options: WakeOptions = {}): Wake {
  try {
    if (process.env.NODE_ENV !== 'production') checkWakeArguments(session, options);
  } catch (error) {
    rethrowMistake(error);
  }
  const page = globalThis as PageLike;
  const { minInterval = MIN_INTERVAL, listen = typeof page.document === 'object' } = options;
  // When the last wake that refreshed started, on both clocks: after a sleep the monotonic clock
  // may have paused, and a wake hours later must not count as soon after the last; a wall clock
  // turned back must not make it count as long ago either. The longer of the two counts.
  let last: [wall: number, mono: number] | undefined;

  const check = async (): Promise<void> => {
    const now: [number, number] = [Date.now(), monotonic()];
    if (page.navigator?.onLine === false || (last && Math.max(now[0] - last[0], now[1] - last[1]) < minInterval)) return;
    // `due` is false on an ended or cooling-down session, as for a request: it never starts a
    // refresh the session would not, and joins one in flight.
    if (!session.due()) return;
    if (!session.refreshing) last = now;
    await session.renew({ config: {}, by: 'refreshOnWake', client: () => session.client() }).catch(noop);
  };

  const onVisible = (): void => {
    if (page.document?.visibilityState === 'visible') void check();
  };
  const onOnline = (): void => void check();
  const onPageShow = (event: Event): void => {
    if ((event as Event & { persisted?: boolean }).persisted) void check();
  };
  if (listen) {
    page.document?.addEventListener('visibilitychange', onVisible);
    page.addEventListener?.('online', onOnline);
    page.addEventListener?.('pageshow', onPageShow);
  }
  return {
    check,
    stop() {
      page.document?.removeEventListener('visibilitychange', onVisible);
      page.removeEventListener?.('online', onOnline);
      page.removeEventListener?.('pageshow', onPageShow);
    },
  };
}
