import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshInterceptor, expiry as knownExpiry, isSessionExpiredError } from '../src/index.js';
import type { Expiry, RefreshContext, RefreshInterceptorOptions } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import { bearerApp } from './helpers/clients.js';
import { memoryServer } from './helpers/memory-adapter.js';

const LIFETIME = 60_000;

describe('refresh before expiry (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function app(refreshMargin?: number) {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter });
    let token = 'fresh';
    let expiry = Date.now() + LIFETIME;
    const contexts: RefreshContext[] = [];
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${token}`);
      return config;
    });
    createRefreshInterceptor(api, {
      refresh: (context) => {
        contexts.push(context);
        memory.token = `token-${contexts.length}`;
        token = memory.token;
        expiry = Date.now() + LIFETIME;
      },
      expiresAt: knownExpiry(() => expiry, refreshMargin),
    });
    return { api, memory, contexts };
  }

  it('sends a request 1 ms before the margin as it is, and refreshes first from the margin on', async () => {
    const { api, memory, contexts } = app();

    vi.setSystemTime(1_000_000 + LIFETIME - 5_001);
    await api.get('/before');
    expect(contexts).toHaveLength(0);

    vi.setSystemTime(1_000_000 + LIFETIME - 5_000);
    await api.get('/at');
    expect(contexts).toHaveLength(1);
    expect(contexts[0]?.error).toBeUndefined();
    expect(memory.seen).toEqual([
      ['/before', 200],
      ['/at', 200],
    ]);
  });

  it('uses the refreshMargin it is given', async () => {
    const { api, contexts } = app(0);

    vi.setSystemTime(1_000_000 + LIFETIME - 1);
    await api.get('/a');
    expect(contexts).toHaveLength(0);
    vi.setSystemTime(1_000_000 + LIFETIME);
    await api.get('/b');
    expect(contexts).toHaveLength(1);
  });

  it('costs a burst of N requests at expiry one refresh and N requests, none of them a 401', async () => {
    const { api, memory, contexts } = app();
    vi.setSystemTime(1_000_000 + LIFETIME);

    await Promise.all(Array.from({ length: 50 }, (_, i) => api.get(`/${i}`)));

    expect(contexts).toHaveLength(1);
    expect(memory.seen).toHaveLength(50);
    expect(memory.seen.every(([, status]) => status === 200)).toBe(true);
  });

  it('starts no timer while the app is idle', async () => {
    const { api } = app();
    await api.get('/a');
    expect(vi.getTimerCount()).toBe(0);
    vi.setSystemTime(1_000_000 + 10 * LIFETIME);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a clear error for a bad margin, a plain function as expiresAt, or the former refreshMargin', () => {
    const refresh = (): undefined => undefined;
    expect(() => knownExpiry(() => 0, -1)).toThrow('Expected `margin` to be a non-negative finite number of milliseconds, got `-1` (number)');
    expect(() => knownExpiry(1_700_000_000_000 as unknown as () => number)).toThrow(
      'Expected `read` to be a function, got `1700000000000` (number)',
    );
    expect(() =>
      createRefreshInterceptor(axios.create(), { refresh, expiresAt: (() => 1_700_000_000_000) as unknown as Expiry }),
    ).toThrow("Expected `expiresAt` to be made by `expiry(() => at)` or `jwtExpiry(() => token)` from 'axios-refresh-interceptor', got `function` (function)");
    expect(() =>
      createRefreshInterceptor(axios.create(), { refresh, refreshMargin: 1_000 } as RefreshInterceptorOptions),
    ).toThrow('Expected `refreshMargin` to be left out: pass the margin to `expiry(read, margin)` or `jwtExpiry(read, margin)`, got `1000` (number)');
  });
});

describe('refresh before expiry against a real server', () => {
  it('makes the server see N + 1 requests for a burst of N at expiry', async () => {
    const server = await startAuthServer();
    try {
      const { api, store } = bearerApp(server);
      let refreshToken = server.refresh;
      let expiry = 0;
      let expired = 0;
      createRefreshInterceptor(api, {
        refresh: async ({ client }) => {
          const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh: refreshToken });
          store.token = data.access;
          refreshToken = data.refresh;
          expiry = Date.now() + 60_000;
        },
        expiresAt: knownExpiry(() => expiry),
        onSessionExpired: () => {
          expired += 1;
        },
      });
      server.expireAccess();

      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => api.get(`/api/${i}`)));

      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(server.seen).toHaveLength(101);
      expect(server.refreshCalls()).toBe(1);
      expect(server.count('/api/', 401)).toBe(0);

      expiry = 0;
      server.refreshMode = 'reject';
      const error: unknown = await api.get('/api/late').catch((e: unknown) => e);
      expect(isSessionExpiredError(error)).toBe(true);
      expect(expired).toBe(1);
      expect(server.count('/api/late')).toBe(0);
    } finally {
      await server.close();
    }
  });
});
