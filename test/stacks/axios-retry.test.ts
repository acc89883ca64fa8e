import axiosRetry from 'axios-retry';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';
import type { RefreshFailedError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerApp, bearerRefresh, defaultsApp, defaultsRefresh } from '../helpers/clients.js';
import { turns, until } from '../helpers/gate.js';
import { startFlakyServer } from './helpers/flaky-server.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

type Order = 'axios-retry before the interceptor' | 'axios-retry after the interceptor';
type Kind = 'bearer' | 'defaults';
const orders: Order[] = ['axios-retry before the interceptor', 'axios-retry after the interceptor'];
const kinds: Kind[] = ['bearer', 'defaults'];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** An app with axios-retry on its defaults (`axiosRetry(api)`) and the interceptor, in `order`. */
function app(kind: Kind, order: Order): { api: AxiosInstance; expired: () => number } {
  let api: AxiosInstance;
  let refresh: (context: { client: AxiosInstance }) => Promise<void>;
  if (kind === 'bearer') {
    const bearer = bearerApp(server);
    api = bearer.api;
    refresh = bearerRefresh(server, bearer.store);
  } else {
    api = defaultsApp(server);
    refresh = defaultsRefresh(server, api);
  }
  let expired = 0;
  if (order === 'axios-retry before the interceptor') axiosRetry(api);
  createRefreshInterceptor(api, {
    refresh,
    onSessionExpired: () => {
      expired += 1;
    },
  });
  if (order === 'axios-retry after the interceptor') axiosRetry(api);
  return { api, expired: () => expired };
}

/**
 * Five GETs go out on the expired token; the refresh their 401s start is held on the server
 * while five more GETs are made, which the library holds before sending. Then the refresh answers.
 */
async function burst(api: AxiosInstance): Promise<Array<PromiseSettledResult<AxiosResponse>>> {
  server.expireAccess();
  const refreshGate = server.hold('/refresh');
  const sent = range(5).map((i) => api.get(`/api/sent/${i}`));
  await server.arrived('/refresh', 1);
  const held = range(5).map((i) => api.get(`/api/held/${i}`));
  await turns(20);
  expect(server.count('/api/held')).toBe(0);
  refreshGate.open();
  return Promise.allSettled([...sent, ...held]);
}

/** The statuses the server answered to each path under /api, in order. */
function statusesByPath(): Map<string, number[]> {
  const byPath = new Map<string, number[]>();
  for (const { path, status } of server.seen) {
    if (!path.startsWith('/api/')) continue;
    byPath.set(path, [...(byPath.get(path) ?? []), status]);
  }
  return byPath;
}

describe.each(orders)('with %s', (order) => {
  describe.each(kinds)('in a %s app', (kind) => {
    it('costs a live session one refresh for 10 concurrent GETs at expiry, each sent at most twice', async () => {
      const { api, expired } = app(kind, order);

      const results = await burst(api);

      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as unknown)))).toEqual(Array(10).fill(200));
      expect(server.refreshCalls()).toBe(1);
      expect(server.reusedRefreshTokens).toBe(0);
      expect(expired()).toBe(0);
      const byPath = statusesByPath();
      for (const i of range(5)) expect(byPath.get(`/api/sent/${i}`)).toEqual([401, 200]);
      for (const i of range(5)) expect(byPath.get(`/api/held/${i}`)).toEqual([200]);
      // 5 first tries answered 401, one refresh, 10 successes: nothing else.
      expect(server.seen).toHaveLength(16);
      expect(server.seen.filter((r) => r.status === 200 && r.path !== '/refresh').every((r) => r.token === 'access-1')).toBe(true);
    });

    it('costs a dead session one rejected refresh and one onSessionExpired, and sends no GET twice', async () => {
      const { api, expired } = app(kind, order);
      server.refreshMode = 'reject';

      const results = await burst(api);

      for (const result of results) {
        expect(result.status).toBe('rejected');
        if (result.status === 'rejected') expect(isSessionExpiredError(result.reason)).toBe(true);
      }
      expect(server.refreshCalls()).toBe(1);
      expect(expired()).toBe(1);
      const byPath = statusesByPath();
      for (const i of range(5)) expect(byPath.get(`/api/sent/${i}`)).toEqual([401]);
      expect(server.count('/api/held')).toBe(0);
      // The 5 first tries and the rejected refresh; axios-retry sent nothing again.
      expect(server.seen).toHaveLength(6);
      await turns(20);
      expect(server.seen).toHaveLength(6);
    });
  });

  it('lets axios-retry retry a GET that answered 503, with no refresh', async () => {
    const { api, expired } = app('bearer', order);
    const flaky = await startFlakyServer(1, 503);
    try {
      const response = await api.get<{ attempt: number }>(`${flaky.url}/flaky`);

      expect(response.status).toBe(200);
      expect(response.data.attempt).toBe(2);
      expect(flaky.answers('/flaky')).toEqual([503, 200]);
      expect(server.seen).toHaveLength(0);
      expect(expired()).toBe(0);
    } finally {
      await flaky.close();
    }
  });

  it('lets axios-retry retry held GETs once after a refresh answered 500, and the retries meet the cooldown: no second refresh, no logout', async () => {
    const { api, expired } = app('bearer', order);
    server.expireAccess();
    server.refreshMode = 'error';
    const firstGate = server.hold('/refresh');
    const first = api.get('/api/first');
    await server.arrived('/refresh', 1);
    const held = range(3).map((i) => api.get(`/api/held/${i}`));
    const settled = Promise.allSettled([first, ...held]);
    await turns(20);
    expect(server.count('/api/held')).toBe(0);
    firstGate.open();
    await until(() => server.count('/refresh', 500) === 1);
    server.refreshMode = 'rotate';
    // Held GETs reject with RefreshFailedError carrying the refresh's 500, which axios-retry's
    // defaults retry at once (a GET with a 5xx answer). The retries go out on the old token and
    // get 401 while the session cools down: they reject at once, and no refresh reaches the
    // server, although it would now succeed.
    const [firstResult, ...heldResults] = await settled;

    // The first GET's own answer was a 401: axios-retry leaves it alone.
    expect(firstResult.status).toBe('rejected');
    if (firstResult.status === 'rejected') {
      expect(isRefreshFailedError(firstResult.reason)).toBe(true);
      expect((firstResult.reason as { response?: { status: number } }).response?.status).toBe(401);
    }
    for (const result of heldResults) {
      expect(result.status).toBe('rejected');
      if (result.status !== 'rejected') continue;
      expect(isRefreshFailedError(result.reason)).toBe(true);
      expect((result.reason as RefreshFailedError).retryAt).toBeGreaterThan(Date.now());
    }
    expect(expired()).toBe(0);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([500]);
    const byPath = statusesByPath();
    expect(byPath.get('/api/first')).toEqual([401]);
    // Held, then sent once by axios-retry's retry.
    for (const i of range(3)) expect(byPath.get(`/api/held/${i}`)).toEqual([401]);
    expect(server.seen).toHaveLength(5);
  });
});
