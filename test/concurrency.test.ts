import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import axios from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { createRefreshInterceptor } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh, cookieApp, refreshHeld } from './helpers/clients.js';
import { turns, until } from './helpers/gate.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * Sends `/api/slow` on the expired token and holds it on the server while `/api/fast` meets the
 * expiry and completes a whole refresh; then lets `/api/slow` come back with its 401.
 */
async function refreshWhileOnTheWire(api: AxiosInstance): Promise<{ slow: Promise<AxiosResponse> }> {
  server.expireAccess();
  const slowGate = server.hold('/api/slow');
  const slow = api.get('/api/slow');
  await server.arrived('/api/slow', 1);
  await expect(api.get('/api/fast')).resolves.toMatchObject({ status: 200 });
  expect(server.refreshCalls()).toBe(1);
  slowGate.open();
  return { slow };
}

describe('single flight against a real server', () => {
  it('refreshes once for 100 concurrent 401s and replays every request', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => api.get(`/api/items/${i}`)));

    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/items', 401)).toBe(100);
    expect(server.count('/api/items', 200)).toBe(100);
    expect(server.seen.filter((r) => r.path.startsWith('/api') && r.status === 200).every((r) => r.token === 'access-1')).toBe(true);
  });

  it('refreshes once for 100 concurrent 401s with cookie credentials', async () => {
    const { api } = cookieApp(server);
    createRefreshInterceptor(api, { refresh: ({ client }) => client.post('/refresh') });
    server.expireAccess();

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => api.get(`/api/items/${i}`)));

    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/items', 200)).toBe(100);
  });

  it('holds requests started during a refresh and sends them with the new credentials', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    const { first, refreshGate } = await refreshHeld(server, api);
    const later = [api.get('/api/later/1'), api.post('/api/later/2', { n: 2 })];
    // Give held requests every chance to leak out before the refresh answers.
    await turns(50);
    expect(server.count('/api/later')).toBe(0);
    refreshGate.open();

    const responses = await Promise.all([first, ...later]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(server.count('/api/later', 401)).toBe(0);
    expect(server.seen.filter((r) => r.path.startsWith('/api/later')).map((r) => r.token)).toEqual([
      'access-1',
      'access-1',
    ]);
    expect(server.refreshCalls()).toBe(1);
  });

  it('refreshes again for a request held during a refresh when its new token is rejected too', async () => {
    const { api, store } = bearerApp(server);
    const wait: { for?: Promise<unknown> } = {};
    // Sends the held request only once the first one's retry is answered, so that expiring the
    // token on its arrival cannot reach that retry.
    api.interceptors.request.use(async (config) => {
      if (config.url === '/api/held') await wait.for;
      return config;
    });
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    const { first, refreshGate } = await refreshHeld(server, api);
    wait.for = first;
    const held = api.get('/api/held');
    await turns(20);
    server.expireAccessOnArrival('/api/held');
    refreshGate.open();

    await expect(held).resolves.toMatchObject({ data: { token: 'access-2' } });
    await first;
    expect(server.seen.filter((r) => r.path === '/api/held').map((r) => [r.status, r.token])).toEqual([
      [401, 'access-1'],
      [200, 'access-2'],
    ]);
    expect(server.refreshCalls()).toBe(2);
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('retries a 401 for a request sent before the latest refresh without refreshing again', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    const { slow } = await refreshWhileOnTheWire(api);

    await expect(slow).resolves.toMatchObject({ status: 200, data: { token: 'access-1' } });
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.seen.filter((r) => r.path === '/api/slow').map((r) => [r.status, r.token])).toEqual([
      [401, 'access-0'],
      [200, 'access-1'],
    ]);
  });

  it('retries a stale 401 whose headers an app interceptor replaced without refreshing again', async () => {
    const store = { token: server.access };
    const api = axios.create({ baseURL: server.url });
    // The pre-1.x way of setting a header: a new plain object, which axios turns into new headers.
    api.interceptors.request.use((config) => {
      const replaced: Record<string, unknown> = { ...config.headers.toJSON(), Authorization: `Bearer ${store.token}` };
      (config as { headers: unknown }).headers = replaced;
      return config;
    });
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    const { slow } = await refreshWhileOnTheWire(api);

    // The library records the epoch on the headers the request goes out with, after every
    // interceptor: replacing them earlier loses nothing.
    await expect(slow).resolves.toMatchObject({ status: 200, data: { token: 'access-1' } });
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('joins the running refresh when a 401 arrives for a request sent before it started', async () => {
    const { api, store } = bearerApp(server);
    const unauthorized = (): number => server.seen.filter((r) => r.status === 401).length;
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    const slowGate = server.hold('/api/slow');
    const refreshGate = server.hold('/refresh');

    const slow = api.get('/api/slow');
    await server.arrived('/api/slow', 1);
    const fast = api.get('/api/fast');
    await server.arrived('/refresh', 1);
    slowGate.open();
    await until(() => unauthorized() === 2);
    expect(server.refreshCalls()).toBe(0);
    refreshGate.open();

    const responses = await Promise.all([slow, fast]);
    expect(responses.map((r) => r.data as unknown)).toMatchObject([{ token: 'access-1' }, { token: 'access-1' }]);
    expect(server.refreshCalls()).toBe(1);
  });

  it('refreshes again for a 401 that comes after a later expiry', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    await api.get('/api/one');
    server.expireAccess();
    await api.get('/api/two');

    expect(server.refreshCalls()).toBe(2);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.seen.at(-1)).toMatchObject({ path: '/api/two', status: 200, token: 'access-2' });
  });
});
