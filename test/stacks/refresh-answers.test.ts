import axios from 'axios';
import type { AxiosError, AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SessionExpiredError,
  createRefreshInterceptor,
  isRefreshFailedError,
  isSessionExpiredError,
} from '../../src/index.js';
import type { RefreshContext } from '../../src/index.js';
import { passCooldown } from '../helpers/cooldown.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';
import { startStatusServer } from './helpers/refresh-status-server.js';
import type { StatusServer } from './helpers/refresh-status-server.js';

let server: StatusServer;
beforeEach(async () => {
  server = await startStatusServer();
});
afterEach(async () => {
  await server.close();
});

interface App {
  api: AxiosInstance;
  /** `onSessionExpired` calls so far. */
  expired: () => number;
}

/** A bearer app whose refresh posts to `/refresh` through `client` and stores the new token. */
function app(options: { refresh?: (context: RefreshContext) => unknown; refreshTimeout?: number } = {}): App {
  const store = { token: server.access };
  const api = axios.create({ baseURL: server.url });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  let expired = 0;
  createRefreshInterceptor(api, {
    refresh:
      options.refresh ??
      (async ({ client, signal }) => {
        const { data } = await client.post<{ access: string }>('/refresh', null, { signal });
        store.token = data.access;
      }),
    onSessionExpired: () => {
      expired += 1;
    },
    ...(options.refreshTimeout === undefined ? {} : { refreshTimeout: options.refreshTimeout }),
  });
  return { api, expired: () => expired };
}

/** Two requests on the expired token, both waiting on the one refresh their 401s start. */
async function twoWaiting(api: AxiosInstance): Promise<AxiosError[]> {
  server.expireAccess();
  return Promise.all([rejection(api.get('/api/a')), rejection(api.get('/api/b'))]);
}

/**
 * After a transient failure: a 401 during the cooldown fails at once, with no refresh; the first
 * 401 after it refreshes afresh and, when that succeeds, gets through.
 */
async function recovers({ api, expired }: App): Promise<void> {
  server.refreshAnswer = 200;
  const cooling = await rejection(api.get('/api/c'));
  expect(isRefreshFailedError(cooling)).toBe(true);
  expect(server.refreshCalls()).toBe(1);
  passCooldown(cooling);
  await expect(api.get('/api/c')).resolves.toMatchObject({ status: 200, data: { token: 'access-1' } });
  expect(server.refreshCalls()).toBe(2);
  expect(server.seen.filter((r) => r.path === '/api/c').map((r) => [r.status, r.token])).toEqual([
    [401, 'access-0'],
    [401, 'access-0'],
    [200, 'access-1'],
  ]);
  await turns(5);
  expect(expired()).toBe(0);
}

describe('answers to the refresh that end the session', () => {
  it.each([400, 401, 403, 404, 409, 410, 422])(
    'ends the session on a refresh answered %i: SessionExpiredError for every waiting request, onSessionExpired once',
    async (status) => {
      const { api, expired } = app();
      server.refreshAnswer = status;

      const errors = await twoWaiting(api);

      for (const error of errors) {
        expect(isSessionExpiredError(error)).toBe(true);
        expect(isRefreshFailedError(error)).toBe(false);
        expect(error.response?.status).toBe(401);
        expect((error.cause as AxiosError).response?.status).toBe(status);
      }
      await turns(5);
      expect(expired()).toBe(1);
      expect(server.refreshCalls()).toBe(1);
      // Neither request went out again.
      expect(server.count('/api/', 401)).toBe(2);
      expect(server.count('/api/', 200)).toBe(0);
    },
  );

  it('ends the session when `refresh` throws `new SessionExpiredError(cause)`, calling no server', async () => {
    const thrown = new SessionExpiredError(new Error('no refresh token stored'));
    const { api, expired } = app({
      refresh: () => {
        throw thrown;
      },
    });

    const errors = await twoWaiting(api);

    for (const error of errors) {
      expect(isSessionExpiredError(error)).toBe(true);
      expect(error.cause).toBe(thrown);
    }
    await turns(5);
    expect(expired()).toBe(1);
    expect(server.refreshCalls()).toBe(0);
    expect(server.count('/api/')).toBe(2);
  });
});

describe('answers to the refresh that are transient', () => {
  it.each([408, 429, 500, 502, 503, 504])(
    'keeps the session on a refresh answered %i: RefreshFailedError, no onSessionExpired, and the first 401 after the cooldown refreshes afresh',
    async (status) => {
      const session = app();
      server.refreshAnswer = status;

      const errors = await twoWaiting(session.api);

      for (const error of errors) {
        expect(isRefreshFailedError(error)).toBe(true);
        expect(isSessionExpiredError(error)).toBe(false);
        expect(error.response?.status).toBe(401);
        expect((error.cause as AxiosError).response?.status).toBe(status);
      }
      expect(server.refreshCalls()).toBe(1);
      await recovers(session);
    },
  );

  it('keeps the session when the refresh’s connection is destroyed (network error)', async () => {
    const session = app();
    server.refreshAnswer = 'drop';

    const errors = await twoWaiting(session.api);

    for (const error of errors) {
      expect(isRefreshFailedError(error)).toBe(true);
      expect((error.cause as AxiosError).response).toBeUndefined();
    }
    expect(server.refreshCalls()).toBe(1);
    await recovers(session);
  });

  it('keeps the session when the refresh outlasts refreshTimeout', async () => {
    const session = app({ refreshTimeout: 100 });
    server.refreshAnswer = 'hang';

    const errors = await twoWaiting(session.api);

    for (const error of errors) {
      expect(isRefreshFailedError(error)).toBe(true);
      expect((error.cause as Error).name).toBe('TimeoutError');
    }
    expect(server.refreshCalls()).toBe(1);
    await recovers(session);
  });
});
