import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshInterceptor } from '../src/index.js';
import type { RefreshContext } from '../src/index.js';
import { rejection } from './helpers/rejection.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh } from './helpers/clients.js';
import { turns } from './helpers/gate.js';
import { memoryServer } from './helpers/memory-adapter.js';

function activeHandlers(api: AxiosInstance): number {
  const managers = [api.interceptors.request, api.interceptors.response] as unknown as Array<{
    handlers: unknown[];
  }>;
  return managers.reduce((sum, manager) => sum + manager.handlers.filter(Boolean).length, 0);
}

describe('eject', () => {
  let server: AuthServer;
  beforeEach(async () => {
    server = await startAuthServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('removes every interceptor it added, so 401s pass through afterwards', async () => {
    const { api, store } = bearerApp(server);
    const before = activeHandlers(api);
    const interceptor = createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    expect(activeHandlers(api)).toBe(before + 2);

    interceptor.eject();
    interceptor.eject();

    expect(activeHandlers(api)).toBe(before);
    server.expireAccess();
    const error = await rejection(api.get('/api/me'));
    expect(error.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(0);
  });

  it('settles requests waiting at that moment: failed ones with their own 401, held ones are sent as they are', async () => {
    const { api, store } = bearerApp(server);
    const contexts: RefreshContext[] = [];
    const refresh = bearerRefresh(server, store);
    const interceptor = createRefreshInterceptor(api, {
      refresh: (context) => {
        contexts.push(context);
        return refresh(context);
      },
    });
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const failed = rejection(api.get('/api/failed'));
    await server.arrived('/refresh', 1);
    const held = rejection(api.get('/api/held'));
    await turns(5);
    interceptor.eject();

    const [failedError, heldError] = await Promise.all([failed, held]);
    expect(failedError.code).toBe('ERR_BAD_REQUEST');
    expect(failedError.response?.status).toBe(401);
    expect(failedError.config?.url).toBe('/api/failed');
    expect(heldError.code).toBe('ERR_BAD_REQUEST');
    expect(heldError.response?.status).toBe(401);
    expect(server.count('/api/held', 401)).toBe(1);
    expect(contexts[0]?.signal.aborted).toBe(true);
    refreshGate.open();
  });

  it('lets a 401 that arrives after eject pass through untouched', async () => {
    const { api, store } = bearerApp(server);
    const interceptor = createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    const slowGate = server.hold('/api/slow');

    const slow = rejection(api.get('/api/slow'));
    await server.arrived('/api/slow', 1);
    interceptor.eject();
    slowGate.open();

    expect((await slow).code).toBe('ERR_BAD_REQUEST');
    expect(server.refreshCalls()).toBe(0);
  });
});

describe('eject and timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no timer behind when it abandons a refresh', async () => {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter, headers: { Authorization: 'Bearer stale' } });
    const interceptor = createRefreshInterceptor(api, { refresh: () => new Promise(() => undefined) });

    const request = rejection(api.get('/a'));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    interceptor.eject();

    expect((await request).response?.status).toBe(401);
    expect(vi.getTimerCount()).toBe(0);
  });
});
