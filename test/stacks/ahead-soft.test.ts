import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, expiry as knownExpiry, isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';
import type { RefreshContext } from '../../src/index.js';
import { passCooldown } from '../helpers/cooldown.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerApp } from '../helpers/clients.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * A bearer app whose token, by `expiresAt`, expires in one second: within the default
 * 5-second `refreshMargin`, so the next request refreshes ahead first. A refresh that succeeds
 * moves the expiry a minute on.
 */
function dueApp(): { api: AxiosInstance; expired: () => number; contexts: RefreshContext[] } {
  const { api, store } = bearerApp(server);
  let refreshToken = server.refresh;
  let expiry = Date.now() + 1_000;
  let expired = 0;
  const contexts: RefreshContext[] = [];
  createRefreshInterceptor(api, {
    refresh: async (context) => {
      contexts.push(context);
      const { data } = await context.client.post<{ access: string; refresh: string }>('/refresh', { refresh: refreshToken });
      store.token = data.access;
      refreshToken = data.refresh;
      expiry = Date.now() + 60_000;
    },
    expiresAt: knownExpiry(() => expiry),
    onSessionExpired: () => {
      expired += 1;
    },
  });
  return { api, expired: () => expired, contexts };
}

const seen = (): Array<[string, number, string | undefined]> => server.seen.map((r) => [r.path, r.status, r.token]);

describe('a refresh ahead of expiry fails soft', () => {
  // 'error' answers the refresh 500; 'drop' destroys its socket (a network error).
  it.each(['error', 'drop'] as const)(
    'sends the request with the token it has when the refresh ahead fails transiently (%s)',
    async (mode) => {
      const { api, expired, contexts } = dueApp();
      server.refreshMode = mode;

      const response = await api.get<{ token: string }>('/api/data');

      expect(response.status).toBe(200);
      expect(response.data.token).toBe('access-0');
      expect(seen()).toEqual([
        ['/refresh', mode === 'error' ? 500 : 0, undefined],
        ['/api/data', 200, 'access-0'],
      ]);
      expect(contexts).toHaveLength(1);
      expect(contexts[0]?.error).toBeUndefined();
      expect(expired()).toBe(0);
    },
  );

  it('rejects a 401 with RefreshFailedError during the cooldown after a failed refresh ahead, and refreshes once it has passed', async () => {
    const { api, expired, contexts } = dueApp();
    server.expireAccess();
    server.refreshMode = 'error';
    const dataGate = server.hold('/api/data');
    const request = api.get<{ token: string }>('/api/data');
    await server.arrived('/api/data', 1);
    // The refresh ahead has answered 500 and the request went out; the server is back.
    server.refreshMode = 'rotate';
    dataGate.open();

    const error = await rejection(request);
    expect(isRefreshFailedError(error)).toBe(true);
    expect(error.response?.status).toBe(401);
    passCooldown(error);
    const response = await api.get<{ token: string }>('/api/data');

    expect(response.status).toBe(200);
    expect(response.data.token).toBe('access-1');
    expect(seen()).toEqual([
      ['/refresh', 500, undefined],
      ['/api/data', 401, 'access-0'],
      ['/refresh', 200, undefined],
      ['/api/data', 200, 'access-1'],
    ]);
    expect(contexts).toHaveLength(2);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(expired()).toBe(0);
  });

  it('rejects the request with SessionExpiredError, never sending it, when the refresh ahead is rejected', async () => {
    const { api, expired } = dueApp();
    server.refreshMode = 'reject';

    const error = await rejection(api.get('/api/data'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(error.config?.url).toBe('/api/data');
    expect(seen()).toEqual([['/refresh', 401, undefined]]);
    expect(expired()).toBe(1);
  });

  it('sends every request held at the due moment after one refresh ahead that failed transiently', async () => {
    const { api, expired, contexts } = dueApp();
    server.refreshMode = 'error';
    const refreshGate = server.hold('/refresh');
    const early = [0, 1, 2].map((i) => api.get(`/api/early/${i}`));
    await server.arrived('/refresh', 1);
    const late = [0, 1, 2].map((i) => api.get(`/api/late/${i}`));
    const settled = Promise.allSettled([...early, ...late]);
    await turns(20);
    expect(server.count('/api/')).toBe(0);
    refreshGate.open();

    const results = await settled;

    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as unknown)))).toEqual(Array(6).fill(200));
    expect(server.refreshCalls()).toBe(1);
    expect(contexts).toHaveLength(1);
    const requests = server.seen.filter((r) => r.path.startsWith('/api/'));
    expect(requests.map((r) => r.path).sort()).toEqual([
      '/api/early/0',
      '/api/early/1',
      '/api/early/2',
      '/api/late/0',
      '/api/late/1',
      '/api/late/2',
    ]);
    expect(requests.every((r) => r.status === 200 && r.token === 'access-0')).toBe(true);
    expect(server.seen).toHaveLength(7);
    expect(expired()).toBe(0);
  });
});
