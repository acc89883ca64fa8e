import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { createRefreshInterceptor } from '../../../src/index.js';
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

/**
 * The app's axios instance, as in the lesson: same origin, cookies, and the library in place
 * of the hand-written interceptor. `refresh` is wrapped only to tell the event log.
 */
export function createApi(countdown: Countdown, onSessionOver: () => void): AxiosInstance {
  const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
  createRefreshInterceptor(api, {
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
    onSessionExpired: (error) => {
      logEvent('session-expired', `session expired (${describeFailure(error.cause)}): log in again`);
      onSessionOver();
    },
  });
  return api;
}
