import axios from 'axios';
import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isSessionExpiredError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerRefresh } from '../helpers/clients.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

const EIGHT = Array.from({ length: 8 }, (_, i) => i);

/**
 * A bearer app whose request interceptor replaces `config.headers` wholesale with a new plain
 * object (the pre-1.x way), added before or after the refresh interceptor is attached.
 */
function replacingApp(order: 'before' | 'after'): { api: AxiosInstance; expired: () => number } {
  const store = { token: server.access };
  const api = axios.create({ baseURL: server.url });
  const replace = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    const replaced: Record<string, unknown> = { ...config.headers.toJSON(), Authorization: `Bearer ${store.token}` };
    (config as { headers: unknown }).headers = replaced;
    return config;
  };
  let expired = 0;
  if (order === 'before') api.interceptors.request.use(replace);
  createRefreshInterceptor(api, {
    refresh: bearerRefresh(server, store),
    onSessionExpired: () => {
      expired += 1;
    },
  });
  if (order === 'after') api.interceptors.request.use(replace);
  return { api, expired: () => expired };
}

/**
 * Sends 8 requests on the expired token and holds their 401s on the server while `/api/trigger`
 * meets the expiry and its refresh settles; resolves once that trigger has its outcome.
 */
async function lateAfterRefresh(
  api: AxiosInstance,
  trigger: (request: Promise<unknown>) => Promise<void>,
): Promise<{ late: Array<Promise<unknown>>; open: () => void }> {
  server.expireAccess();
  const lateGate = server.hold('/api/late');
  const late = EIGHT.map((i) => api.get(`/api/late/${i}`));
  await server.arrived('/api/late', 8);
  await trigger(api.get('/api/trigger'));
  return {
    late,
    open: () => {
      lateGate.open();
    },
  };
}

describe.each(['before', 'after'] as const)('headers replaced by an app interceptor added %s attaching', (order) => {
  it('retries 8 late 401s that arrive after the refresh with no further refresh', async () => {
    const { api, expired } = replacingApp(order);
    const { late, open } = await lateAfterRefresh(api, async (request) => {
      await expect(request).resolves.toMatchObject({ status: 200, data: { token: 'access-1' } });
    });
    expect(server.refreshCalls()).toBe(1);
    open();

    const responses = (await Promise.all(late)) as Array<{ status: number; data: { token: string } }>;

    expect(responses.map((r) => [r.status, r.data.token])).toEqual(EIGHT.map(() => [200, 'access-1']));
    await turns(5);
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/late', 401)).toBe(8);
    expect(server.count('/api/late', 200)).toBe(8);
    expect(server.seen.filter((r) => r.path.startsWith('/api/late') && r.status === 200).map((r) => r.token)).toEqual(
      EIGHT.map(() => 'access-1'),
    );
    expect(expired()).toBe(0);
  });

  it('makes one refresh call and one onSessionExpired call for 8 concurrent 401s on a dead session', async () => {
    const { api, expired } = replacingApp(order);
    server.expireAccess();
    server.refreshMode = 'reject';
    const refreshGate = server.hold('/refresh');

    const failing = EIGHT.map((i) => rejection(api.get(`/api/items/${i}`)));
    await server.arrived('/api/items', 8);
    await server.arrived('/refresh', 1);
    refreshGate.open();
    const errors = await Promise.all(failing);

    expect(errors.map((e) => isSessionExpiredError(e))).toEqual(EIGHT.map(() => true));
    await turns(5);
    expect(server.refreshCalls()).toBe(1);
    expect(expired()).toBe(1);
    expect(server.count('/api/items', 401)).toBe(8);
    expect(server.count('/api/items')).toBe(8);
  });

  it('makes one refresh call and one onSessionExpired call for 8 late 401s after the refresh was rejected', async () => {
    const { api, expired } = replacingApp(order);
    server.refreshMode = 'reject';
    const { late, open } = await lateAfterRefresh(api, async (request) => {
      expect(isSessionExpiredError(await rejection(request))).toBe(true);
    });
    await turns(5);
    expect(server.refreshCalls()).toBe(1);
    expect(expired()).toBe(1);
    open();

    const errors = await Promise.all(late.map((request) => rejection(request)));

    expect(errors.map((e) => isSessionExpiredError(e))).toEqual(EIGHT.map(() => true));
    await turns(5);
    expect(server.refreshCalls()).toBe(1);
    expect(expired()).toBe(1);
    expect(server.count('/api/late', 401)).toBe(8);
    expect(server.count('/api/late')).toBe(8);
  });
});
