import axios from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isSessionExpiredError } from '../src/index.js';
import { rejection } from './helpers/rejection.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh, cookieApp, defaultsApp, defaultsRefresh, refreshHeld, sessionApp } from './helpers/clients.js';
import { turns } from './helpers/gate.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

describe('transparent retry', () => {
  it('replays a 401 once through the instance, running its request interceptors again', async () => {
    const { api, store } = bearerApp(server);
    let intercepted = 0;
    api.interceptors.request.use((config) => {
      intercepted += 1;
      return config;
    });
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();

    const response = await api.get('/api/me');

    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({ path: '/api/me', token: 'access-1' });
    expect(intercepted).toBe(2);
    expect(server.seen.map((r) => [r.path, r.status])).toEqual([
      ['/api/me', 401],
      ['/refresh', 200],
      ['/api/me', 200],
    ]);
  });

  it('gives the caller the 401 of the retry when the retry fails again, without a second refresh', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });

    const error = await rejection(api.get('/public/status/401'));

    expect(error.response?.status).toBe(401);
    expect(error.config?.headers.Authorization).toBe('Bearer access-1');
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/public/status/401')).toBe(2);
  });

  it('sends the refresh through a bare client, so a 401 on the refresh ends the session instead of looping', async () => {
    const { api, expired } = sessionApp(server);
    server.expireAccess();
    server.refreshMode = 'reject';

    const error = await rejection(api.get('/api/me'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(expired()).toBe(1);
    expect(server.refreshCalls()).toBe(1);
    // The app's interceptor would have added a bearer token; the refresh carried none.
    expect(server.seen.find((r) => r.path === '/refresh')?.token).toBeUndefined();
    expect(server.count('/api/me')).toBe(1);
  });
});

describe('pass-through', () => {
  it('hands errors that are not auth failures to the caller as the very same object', async () => {
    const { api, store } = bearerApp(server);
    const seenByApp: unknown[] = [];
    api.interceptors.response.use(undefined, (error: unknown) => {
      seenByApp.push(error);
      throw error;
    });
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });

    for (const status of [400, 403, 404, 500]) {
      const error = await rejection(api.get(`/public/status/${status}`));
      expect(error).toBe(seenByApp.at(-1));
      expect(error.response?.status).toBe(status);
    }
    expect(server.refreshCalls()).toBe(0);
  });

  it('leaves successful responses untouched', async () => {
    const { api, store } = bearerApp(server);
    const seenByApp: AxiosResponse[] = [];
    api.interceptors.response.use((response) => {
      seenByApp.push(response);
      return response;
    });
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });

    const response = await api.get('/api/me');

    expect(response).toBe(seenByApp[0]);
    expect(server.seen).toHaveLength(1);
  });

  it('adds no config key and no visible header to a request that succeeds', async () => {
    const sent: Array<{ keys: string[]; headers: unknown }> = [];
    const adapter = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
      sent.push({ keys: Object.keys(config).sort(), headers: JSON.parse(JSON.stringify(config.headers)) as unknown });
      return Promise.resolve({ data: null, status: 200, statusText: 'OK', headers: {}, config, request: {} });
    };
    const bare = axios.create({ adapter, headers: { common: { Authorization: 'Bearer a' } } });
    const api = axios.create({ adapter, headers: { common: { Authorization: 'Bearer a' } } });
    createRefreshInterceptor(api, { refresh: () => undefined });

    await bare.post('/api/tasks', { title: 't' });
    await api.post('/api/tasks', { title: 't' });

    // What the server is sent, and the config an app's own code sees, are those of bare axios.
    expect(sent[1]).toEqual(sent[0]);
    expect(Object.keys(sent[1]?.headers ?? {})).toContain('Authorization');
  });

  it('never refreshes for network errors, even when shouldRefresh says yes', async () => {
    let refreshed = 0;
    const api = axios.create({ baseURL: 'http://127.0.0.1:1' });
    createRefreshInterceptor(api, {
      refresh: () => {
        refreshed += 1;
      },
      shouldRefresh: () => true,
    });

    const error = await rejection(api.get('/api/me'));

    expect(error.code).toBe('ECONNREFUSED');
    expect(refreshed).toBe(0);
  });

  it('ignores a request marked skipAuthRefresh: its 401 passes through and it is not held', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();

    const error = await rejection(api.get('/api/me', { skipAuthRefresh: true }));
    expect(error.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(0);

    const refreshGate = server.hold('/refresh');
    const waiting = api.get('/api/one');
    await server.arrived('/refresh', 1);
    const skipped = rejection(api.get('/api/two', { skipAuthRefresh: true }));
    await server.arrived('/api/two', 1);
    expect((await skipped).response?.status).toBe(401);
    refreshGate.open();
    await expect(waiting).resolves.toMatchObject({ status: 200 });
  });
});

describe('credentials on retry', () => {
  it('carries the refreshed cookie', async () => {
    const { api, jar } = cookieApp(server);
    createRefreshInterceptor(api, { refresh: ({ client }) => client.post('/refresh') });
    server.expireAccess();

    await expect(api.get('/api/me')).resolves.toMatchObject({ data: { token: 'access-1' } });
    expect(jar.get('refresh_token')).toBe('refresh-1');
  });

  it('carries a token set by an app request interceptor', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();

    await expect(api.get('/api/me')).resolves.toMatchObject({ data: { token: 'access-1' } });
  });

  it('carries a token that refresh wrote into the instance defaults, not the stale copy in the failed config', async () => {
    const api = defaultsApp(server);
    createRefreshInterceptor(api, { refresh: defaultsRefresh(server, api) });
    server.expireAccess();

    const responses = await Promise.all([api.get('/api/a'), api.get('/api/b', { headers: { 'X-Trace': 'kept' } })]);

    expect(responses.map((r) => (r.data as { token: string }).token)).toEqual(['access-1', 'access-1']);
    expect(server.count('/api/', 200)).toBe(2);
    expect(server.refreshCalls()).toBe(1);
  });

  it('updates defaults-based credentials of requests held during the refresh', async () => {
    const api = defaultsApp(server);
    createRefreshInterceptor(api, { refresh: defaultsRefresh(server, api) });
    server.expireAccess();
    const { first, refreshGate } = await refreshHeld(server, api);
    const held = api.get('/api/held');
    await turns(20);
    refreshGate.open();

    await expect(held).resolves.toMatchObject({ data: { token: 'access-1' } });
    await first;
    expect(server.count('/api/held')).toBe(1);
  });

  it('sends no default header the app removed from the instance on a retry, after an earlier retry ran while it was there', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    // Another response interceptor: the retry is prepared below the interceptors, at the adapter.
    api.interceptors.response.use((response) => response);
    // An admin impersonates a user for a while: a default header.
    api.defaults.headers.common['X-Impersonate'] = 'user-42';
    server.expireAccess();
    await api.get('/api/while');
    delete api.defaults.headers.common['X-Impersonate'];

    server.expireAccess();
    await expect(api.post('/api/after', { done: true })).resolves.toMatchObject({ status: 200 });

    const after = server.seen.filter((r) => r.path === '/api/after');
    expect(after.map((r) => [r.status, r.headers['x-impersonate']])).toEqual([
      [401, undefined],
      [200, undefined],
    ]);
    expect(server.seen.filter((r) => r.path === '/api/while').map((r) => r.headers['x-impersonate'])).toEqual(['user-42', 'user-42']);
  });

  it('keeps a credential the request set for itself', async () => {
    const api = defaultsApp(server);
    api.defaults.headers.common.Authorization = 'Bearer stale';
    createRefreshInterceptor(api, {
      refresh: () => {
        api.defaults.headers.common.Authorization = `Bearer ${server.access}`;
      },
    });

    const error = await rejection(api.get('/api/me', { headers: { Authorization: 'Bearer mine' } }));

    expect(error.response?.status).toBe(401);
    expect(server.seen.map((r) => r.token)).toEqual(['mine', 'mine']);
  });
});
