import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { createRefreshInterceptor } from '../../../src/index.js';
import { createTabSession } from '../../../src/tabs.js';
import type { TabSession } from '../../../src/tabs.js';
import type { TokenResponse } from '../../client/utilities.js';
import type { Countdown } from './countdown.js';
import { logEvent } from './event-log.js';

/** `401 token_expired`, from the reference API's error body. */
export function describeFailure(error: unknown): string {
  if (!isAxiosError(error)) return error instanceof Error ? error.message : String(error);
  const data: unknown = error.response?.data;
  const code = typeof data === 'object' && data !== null && 'code' in data ? String(data.code) : (error.code ?? '');
  return `${error.response?.status ?? ''} ${code}`.trim();
}

export interface Api {
  api: AxiosInstance;
  /** Shared by every tab of the app: one refresh at a time, and logout or expiry reaches them all. */
  session: TabSession;
}

/**
 * The app's axios instance, as in the lesson: same origin, cookies, and the library in place
 * of the hand-written interceptor. `refresh` is wrapped only to tell the event log.
 *
 * The tokens are HttpOnly cookies that every tab shares, so the tabs have nothing to hand each
 * other but the access token's expiry, for the countdown. `shareTokens` carries it: its `write`
 * runs exactly when this tab takes another tab's refresh instead of making its own.
 * `?share-expiry=off` leaves it out, as a cookie app that needs no countdown would.
 */
export function createApi(countdown: Countdown, onSessionOver: () => void): Api {
  const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
  const shareExpiry = new URLSearchParams(location.search).get('share-expiry') !== 'off';
  const session = createTabSession<number | undefined>({
    name: 'task-app',
    refresh: async ({ client, error, signal }) => {
      const why = error
        ? `${error.config?.method?.toUpperCase() ?? ''} ${error.config?.url ?? ''} got ${describeFailure(error)}`
        : 'ahead of expiry';
      logEvent('refresh-started', `refresh started: ${why}`);
      const started = performance.now();
      try {
        const { data } = await client.post<TokenResponse>('users/refresh/', {}, { signal });
        countdown.issued(data.expires_in);
        logEvent('refresh-succeeded', `refresh succeeded in ${Math.round(performance.now() - started)} ms`);
      } catch (failure) {
        logEvent('refresh-failed', `refresh failed: ${describeFailure(failure)}`);
        throw failure;
      }
    },
    shareTokens: shareExpiry
      ? {
          read: () => countdown.expiresAt,
          write: (expiresAt) => {
            countdown.expiresAt = expiresAt;
            logEvent('refresh-adopted', 'refreshed in another tab');
          },
        }
      : undefined,
    onSessionExpired: (error) => {
      logEvent('session-expired', `session expired (${describeFailure(error.cause)}): log in again`);
      onSessionOver();
    },
  });
  createRefreshInterceptor(api, { session });
  return { api, session };
}
