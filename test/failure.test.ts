import axios, { isAxiosError } from 'axios';
import type { AxiosError } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ERR_REFRESH_FAILED,
  ERR_SESSION_EXPIRED,
  createRefreshInterceptor,
  isRefreshFailedError,
  isSessionExpiredError,
} from '../src/index.js';
import type { RefreshContext, SessionExpiredError } from '../src/index.js';
import { passCooldown } from './helpers/cooldown.js';
import { rejection } from './helpers/rejection.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer, RefreshMode } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh, sessionApp } from './helpers/clients.js';
import { memoryServer } from './helpers/memory-adapter.js';

describe('against a real server', () => {
  let server: AuthServer;
  beforeEach(async () => {
    server = await startAuthServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('ends the session once when the refresh is rejected, failing every waiting request with SessionExpiredError', async () => {
    const { api, store } = bearerApp(server);
    const expired: SessionExpiredError[] = [];
    createRefreshInterceptor(api, {
      refresh: bearerRefresh(server, store),
      onSessionExpired: (error) => {
        expired.push(error);
      },
    });
    server.expireAccess();
    server.refreshMode = 'reject';
    const refreshGate = server.hold('/refresh');

    const failing = Array.from({ length: 20 }, (_, i) => rejection(api.get(`/api/items/${i}`)));
    await server.arrived('/refresh', 1);
    const held = rejection(api.get('/api/held'));
    refreshGate.open();
    const errors = await Promise.all(failing);

    expect(expired).toHaveLength(1);
    expect(server.refreshCalls()).toBe(1);
    for (const [i, error] of errors.entries()) {
      expect(isSessionExpiredError(error)).toBe(true);
      expect(isAxiosError(error)).toBe(true);
      expect(error.code).toBe(ERR_SESSION_EXPIRED);
      expect(error.response?.status).toBe(401);
      expect(error.response?.data).toMatchObject({ path: `/api/items/${i}` });
      expect(error.config?.url).toBe(`/api/items/${i}`);
      expect((error.cause as AxiosError).response?.status).toBe(401);
      expect((error.cause as AxiosError).config?.url).toBe('/refresh');
    }
    const heldError = await held;
    expect(isSessionExpiredError(heldError)).toBe(true);
    // Never sent, it carries the refresh's answer, so a retry plugin sees an HTTP answer.
    expect(heldError.response).toBe((heldError.cause as AxiosError).response);
    expect(heldError.response?.config.url).toBe('/refresh');
    expect(heldError.config?.url).toBe('/api/held');
    expect(server.count('/api/held')).toBe(0);
  });

  it('fails a late 401 sent before the session ended with SessionExpiredError, without another refresh', async () => {
    const { api, expired } = sessionApp(server);
    server.expireAccess();
    server.refreshMode = 'reject';
    const slowGate = server.hold('/api/slow');

    const slow = rejection(api.get('/api/slow'));
    await server.arrived('/api/slow', 1);
    expect(isSessionExpiredError(await rejection(api.get('/api/fast')))).toBe(true);
    slowGate.open();

    expect(isSessionExpiredError(await slow)).toBe(true);
    expect(expired()).toBe(1);
    expect(server.refreshCalls()).toBe(1);
  });

  it('rejects a request sent after the session ended with SessionExpiredError at once: no second refresh, no second onSessionExpired', async () => {
    const { api, expired } = sessionApp(server);
    server.expireAccess();
    server.refreshMode = 'reject';
    await rejection(api.get('/api/one'));
    const later = await rejection(api.get('/api/two'));

    expect(isSessionExpiredError(later)).toBe(true);
    expect(later.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
    expect(expired()).toBe(1);
  });

  it.each<[RefreshMode, string]>([
    ['error', '5xx response'],
    ['drop', 'dropped connection'],
  ])('treats a refresh that fails by %s as transient (%s): no logout, a 401 during the cooldown fails at once, and the first after it refreshes afresh', async (mode) => {
    const { api, expired } = sessionApp(server);
    server.expireAccess();
    server.refreshMode = mode;

    const errors = await Promise.all([rejection(api.get('/api/a')), rejection(api.get('/api/b'))]);

    for (const error of errors) {
      expect(isRefreshFailedError(error)).toBe(true);
      expect(isSessionExpiredError(error)).toBe(false);
      expect(error.code).toBe(ERR_REFRESH_FAILED);
      expect(error.response?.status).toBe(401);
      expect(isAxiosError(error.cause)).toBe(true);
    }
    expect(expired()).toBe(0);
    expect(server.refreshCalls()).toBe(1);

    server.refreshMode = 'rotate';
    const cooling = await rejection(api.get('/api/c'));
    expect(isRefreshFailedError(cooling)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    passCooldown(cooling);
    await expect(api.get('/api/c')).resolves.toMatchObject({ data: { token: 'access-1' } });
    expect(server.refreshCalls()).toBe(2);
  });

  it('treats a 3xx answer to the refresh as transient when redirects are not followed', async () => {
    const { api } = bearerApp(server);
    let expired = 0;
    createRefreshInterceptor(api, {
      refresh: ({ client }) => client.post('/refresh', null, { maxRedirects: 0 }),
      onSessionExpired: () => {
        expired += 1;
      },
    });
    server.expireAccess();
    server.refreshMode = 'redirect';

    const error = await rejection(api.get('/api/a'));

    expect(isRefreshFailedError(error)).toBe(true);
    expect((error.cause as AxiosError).response?.status).toBe(302);
    expect(expired).toBe(0);
  });

  it('treats a refresh answered with 401 and an HTML body as the end of the session', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    server.refreshMode = 'html401';

    const error = await rejection(api.get('/api/a'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect((error.cause as AxiosError).response?.data).toContain('<html>');
  });
});

describe('refresh timeout (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function hangingApp(refreshTimeout?: number) {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter, headers: { Authorization: 'Bearer stale' } });
    const contexts: RefreshContext[] = [];
    createRefreshInterceptor(api, {
      refresh: (context) => {
        contexts.push(context);
        return new Promise(() => undefined);
      },
      ...(refreshTimeout === undefined ? {} : { refreshTimeout }),
    });
    return { api, contexts };
  }

  it('abandons a refresh at exactly refreshTimeout, aborting its signal and rejecting the waiting requests then', async () => {
    const { api, contexts } = hangingApp();
    let settled = false;
    const request = rejection(api.get('/a')).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(contexts).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(9_999);
    expect(settled).toBe(false);
    expect(contexts[0]!.signal.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    const error = await request;
    expect(isRefreshFailedError(error)).toBe(true);
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(contexts[0]!.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses the refreshTimeout it is given', async () => {
    const { api } = hangingApp(250);
    let settled = false;
    const request = rejection(api.get('/a')).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(249);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(isRefreshFailedError(await request)).toBe(true);
  });

  it('clears its timer as soon as the refresh settles, whether it succeeds or fails', async () => {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter, headers: { Authorization: 'Bearer stale' } });
    let outcome: 'succeed' | 'fail' = 'succeed';
    createRefreshInterceptor(api, {
      refresh: () => {
        if (outcome === 'fail') throw new Error('no luck');
        api.defaults.headers.Authorization = `Bearer ${memory.token}`;
      },
    });

    await expect(api.get('/a')).resolves.toMatchObject({ status: 200 });
    expect(vi.getTimerCount()).toBe(0);

    memory.token = 'newer';
    outcome = 'fail';
    expect(isRefreshFailedError(await rejection(api.get('/b')))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
