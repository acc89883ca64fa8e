import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, createRefreshSession, isSessionExpiredError } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerRefresh } from './helpers/clients.js';
import { turns, until } from './helpers/gate.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/** Two instances of one app that read the same in-memory token. */
function twoInstances(): { a: AxiosInstance; b: AxiosInstance; store: { token: string } } {
  const store = { token: server.access };
  const make = (): AxiosInstance => {
    const api = axios.create({ baseURL: server.url });
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${store.token}`);
      return config;
    });
    return api;
  };
  return { a: make(), b: make(), store };
}

describe('sharing one session between instances', () => {
  it('makes one refresh call for concurrent 401s on two instances sharing a session', async () => {
    const { a, b, store } = twoInstances();
    const session = createRefreshSession({ refresh: bearerRefresh(server, store) });
    createRefreshInterceptor(a, { session });
    createRefreshInterceptor(b, { session });
    server.expireAccess();

    const responses = await Promise.all([...Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).get(`/api/${i}`))]);

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('shares through the session of an existing interceptor as well', async () => {
    const { a, b, store } = twoInstances();
    const first = createRefreshInterceptor(a, { refresh: bearerRefresh(server, store) });
    createRefreshInterceptor(b, { session: first.session });
    server.expireAccess();

    await Promise.all([a.get('/api/a'), b.get('/api/b')]);

    expect(server.refreshCalls()).toBe(1);
  });

  it('calls onSessionExpired once for both instances when the shared refresh is rejected', async () => {
    const { a, b, store } = twoInstances();
    let expired = 0;
    const session = createRefreshSession({
      refresh: bearerRefresh(server, store),
      onSessionExpired: () => {
        expired += 1;
      },
    });
    createRefreshInterceptor(a, { session });
    createRefreshInterceptor(b, { session });
    server.expireAccess();
    server.refreshMode = 'reject';

    const errors = await Promise.all([a.get('/api/a').catch((e: unknown) => e), b.get('/api/b').catch((e: unknown) => e)]);

    expect(errors.every(isSessionExpiredError)).toBe(true);
    expect(expired).toBe(1);
    expect(server.refreshCalls()).toBe(1);
  });

  it('keeps the shared refresh going when one of the instances is ejected', async () => {
    const { a, b, store } = twoInstances();
    const session = createRefreshSession({ refresh: bearerRefresh(server, store) });
    const first = createRefreshInterceptor(a, { session });
    createRefreshInterceptor(b, { session });
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const fromB = b.get('/api/b');
    const fromA = a.get('/api/a').catch((e: unknown) => e);
    await server.arrived('/refresh', 1);
    await server.arrived('/api/a', 1);
    await until(() => server.count('/api/a') === 1);
    await turns(5);
    first.eject();

    // a's request settles with its own 401 at once, while the shared refresh is still held.
    expect(await fromA).toMatchObject({ code: 'ERR_BAD_REQUEST', response: { status: 401 } });
    refreshGate.open();
    await expect(fromB).resolves.toMatchObject({ status: 200 });
    expect(session.refreshing).toBe(false);
  });

  it('gives separately attached instances separate sessions', async () => {
    const { a, b, store } = twoInstances();
    createRefreshInterceptor(a, { refresh: bearerRefresh(server, store) });
    const other = createRefreshInterceptor(b, { refresh: () => new Promise(() => undefined) });
    server.expireAccess();

    const refreshGate = server.hold('/refresh');
    const fromA = a.get('/api/a');
    await server.arrived('/refresh', 1);

    // b is not held by a's refresh: its request reaches the server and starts b's own refresh.
    const fromB = b.get('/api/b').catch((e: unknown) => e);
    await server.arrived('/api/b', 1);
    await until(() => other.session.refreshing);
    refreshGate.open();
    await fromA;

    expect(server.refreshCalls()).toBe(1);
    other.eject();
    expect(await fromB).toMatchObject({ response: { status: 401 } });
  });
});
