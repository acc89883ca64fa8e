import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { createRefreshInterceptor, isSessionExpiredError } from '../../../src/index.js';
import { createTabSession } from '../../../src/tabs.js';
import type { TabSession } from '../../../src/tabs.js';
import type { TokenResponse } from '../../client/utilities.js';
import { BurstRecorder } from './burst-trace.js';
import type { Countdown } from './countdown.js';

/** `401 token_expired`, from the reference API's error body; for a session that ended, why it did. */
export function describeFailure(error: unknown): string {
  if (isSessionExpiredError(error)) return describeFailure(error.cause);
  if (!isAxiosError(error)) return error instanceof Error ? error.message : String(error);
  const data: unknown = error.response?.data;
  const code = typeof data === 'object' && data !== null && 'code' in data ? String(data.code) : (error.code ?? '');
  return `${error.response?.status ?? ''} ${code}`.trim();
}

export interface Api {
  api: AxiosInstance;
  /** Shared by every tab of the app: one refresh at a time, and logout or expiry reaches them all. */
  session: TabSession;
  /** What happens to a burst's requests and to the session meanwhile, for its timeline. */
  recorder: BurstRecorder;
}

/**
 * The app's axios instance, as in the lesson: same origin, cookies, and the library in place
 * of the hand-written interceptor. What the session does reaches the event log through
 * `session.observe` (see session-log.ts), so `refresh` only refreshes.
 *
 * The tokens are HttpOnly cookies that every tab shares, so the tabs have nothing to hand each
 * other but the access token's expiry, for the countdown. `shareTokens` carries it: its `write`
 * runs exactly when this tab takes another tab's refresh instead of making its own.
 * `?share-expiry=off` leaves it out, as a cookie app that needs no countdown would.
 */
export function createApi(countdown: Countdown, onSessionExpired: () => void): Api {
  const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
  const shareExpiry = new URLSearchParams(location.search).get('share-expiry') !== 'off';
  const session: TabSession = createTabSession<number | undefined>({
    name: 'task-app',
    refresh: ({ client, signal }): Promise<void> =>
      recorder.ownRefresh(async () => {
        const { data } = await client.post<TokenResponse>('users/refresh/', {}, { signal });
        countdown.issued(data.expires_in);
      }),
    shareTokens: shareExpiry
      ? {
          read: () => countdown.expiresAt,
          write: (expiresAt) => {
            countdown.expiresAt = expiresAt;
          },
        }
      : undefined,
    onSessionExpired,
  });
  const recorder: BurstRecorder = new BurstRecorder(session);
  // A request the library holds or sends again passes here again: each pass is a send.
  api.interceptors.request.use((config) => {
    recorder.sent(config);
    return config;
  });
  createRefreshInterceptor(api, {
    session,
    // The library asks once for each failed answer: the app's response interceptors never see the 401s it handles.
    shouldRefresh: (error) => {
      const expired = error.response?.status === 401;
      if (expired) recorder.unauthorized(error.config);
      return expired;
    },
  });
  return { api, session, recorder };
}
