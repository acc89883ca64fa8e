import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, createRefreshSession } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { rejection } from '../helpers/rejection.js';
import { activeHandlers, countedRefresh, plainApp } from './helpers/attach-order.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * Expires the access token `times` times, sending one request after each expiry; every request
 * must succeed with the token of that expiry's refresh, one refresh per expiry.
 */
async function survivesExpiries(api: AxiosInstance, times: number, label: string): Promise<void> {
  const before = server.refreshCalls();
  for (let i = 1; i <= times; i += 1) {
    server.expireAccess();
    const path = `/api/${label}/${i}`;
    const response = await api.get(path);
    expect(response).toMatchObject({ status: 200, data: { path, token: `access-${before + i}` } });
    expect(server.refreshCalls()).toBe(before + i);
    expect(server.seen.filter((r) => r.path === path).map((r) => r.status)).toEqual([401, 200]);
  }
  expect(server.reusedRefreshTokens).toBe(0);
  expect(server.count('/refresh', 200)).toBe(server.refreshCalls());
}

describe('attaching twice to one instance', () => {
  it('returns the same handle for the same options object and refreshes once per expiry', async () => {
    const { api, tokens, useBearer } = plainApp(server);
    useBearer();
    const counted = countedRefresh(tokens);
    const options = { refresh: counted.refresh };
    const baseline = activeHandlers(api);

    const first = createRefreshInterceptor(api, options);
    const hooks = activeHandlers(api);
    const second = createRefreshInterceptor(api, options);

    expect(second).toBe(first);
    // One set of axios hooks for the instance: the second call adds none.
    expect(activeHandlers(api)).toBe(hooks);
    expect(hooks).toBeGreaterThan(baseline);
    await survivesExpiries(api, 3, 'same-options');
    expect(counted.calls()).toBe(3);
    expect(server.refreshCalls()).toBe(3);
  });

  it('returns the same handle for the same session and refreshes once per expiry', async () => {
    const { api, tokens, useBearer } = plainApp(server);
    useBearer();
    const counted = countedRefresh(tokens);
    const session = createRefreshSession({ refresh: counted.refresh });

    // Two distinct options objects naming one session.
    const first = createRefreshInterceptor(api, { session });
    const hooks = activeHandlers(api);
    const second = createRefreshInterceptor(api, { session });

    expect(second).toBe(first);
    expect(second.session).toBe(session);
    expect(activeHandlers(api)).toBe(hooks);
    await survivesExpiries(api, 3, 'same-session');
    expect(counted.calls()).toBe(3);
    expect(server.refreshCalls()).toBe(3);
  });

  it('keeps both interceptors of a hot reload working: the newest refreshes, the older takes over once it is ejected', async () => {
    const { api, tokens, useBearer } = plainApp(server);
    useBearer();
    const older = countedRefresh(tokens);
    const newer = countedRefresh(tokens);
    const hooks = (): number => activeHandlers(api);

    createRefreshInterceptor(api, { session: createRefreshSession({ refresh: older.refresh }) });
    const withOne = hooks();
    const reloaded = createRefreshInterceptor(api, { session: createRefreshSession({ refresh: newer.refresh }) });
    expect(hooks()).toBe(withOne);

    await survivesExpiries(api, 3, 'reloaded');
    expect(newer.calls()).toBe(3);
    expect(older.calls()).toBe(0);

    reloaded.eject();
    expect(hooks()).toBe(withOne);
    await survivesExpiries(api, 2, 'after-eject');
    expect(newer.calls()).toBe(3);
    expect(older.calls()).toBe(2);
    expect(server.refreshCalls()).toBe(5);
  });

  it('refreshes once for 20 concurrent 401s with two sessions and the app interceptors on both sides', async () => {
    const { api, tokens, useBearer } = plainApp(server);
    useBearer();
    const older = countedRefresh(tokens);
    const newer = countedRefresh(tokens);
    createRefreshInterceptor(api, { session: createRefreshSession({ refresh: older.refresh }) });
    createRefreshInterceptor(api, { session: createRefreshSession({ refresh: newer.refresh }) });
    api.interceptors.response.use((r) => r);
    server.expireAccess();

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => api.get(`/api/items/${i}`)));

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(responses.map((r) => (r.data as { path: string }).path)).toEqual(
      Array.from({ length: 20 }, (_, i) => `/api/items/${i}`),
    );
    expect(server.refreshCalls()).toBe(1);
    expect(newer.calls() + older.calls()).toBe(1);
    expect(newer.calls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/items', 401)).toBe(20);
    expect(server.count('/api/items', 200)).toBe(20);
    expect(server.seen.filter((r) => r.path.startsWith('/api/items') && r.status === 200).every((r) => r.token === 'access-1')).toBe(
      true,
    );
  });

  it('lets a 401 reach the caller once the handle returned twice is ejected', async () => {
    const { api, tokens, useBearer } = plainApp(server);
    useBearer();
    const baseline = activeHandlers(api);
    const counted = countedRefresh(tokens);
    const options = { refresh: counted.refresh };
    const first = createRefreshInterceptor(api, options);
    const second = createRefreshInterceptor(api, options);
    expect(second).toBe(first);

    // One eject of the one handle removes it: attaching twice does not count references.
    second.eject();

    expect(activeHandlers(api)).toBe(baseline);
    server.expireAccess();
    const error = await rejection(api.get('/api/me'));
    expect(error.response?.status).toBe(401);
    expect(counted.calls()).toBe(0);
    expect(server.refreshCalls()).toBe(0);
    expect(server.seen.filter((r) => r.path === '/api/me').map((r) => r.status)).toEqual([401]);
  });
});
