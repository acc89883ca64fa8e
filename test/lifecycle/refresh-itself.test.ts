import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';
import type { RefreshContext, RefreshSession } from '../../src/index.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
});
afterEach(async () => {
  await server.close();
});

interface App {
  api: AxiosInstance;
  session: RefreshSession;
  expired: () => number;
}

/** An app whose header its own interceptor sets, with `refresh` written as `refresh(api, tokens)`. */
function app(refresh: (api: AxiosInstance, tokens: { access: string; refresh: string }, context: RefreshContext) => unknown): App {
  const tokens = { access: server.access, refresh: server.refresh };
  const api = axios.create({ baseURL: server.url });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${tokens.access}`);
    return config;
  });
  let expired = 0;
  const { session } = createRefreshInterceptor(api, {
    refresh: (context) => refresh(api, tokens, context),
    onSessionExpired: () => {
      expired += 1;
    },
  });
  return { api, session, expired: () => expired };
}

describe('what counts as a failed refresh', () => {
  it.each([401, 403])('ends the session when refresh resolves a fetch Response answered %i', async (status) => {
    server.reply = { status };
    server.revokeRefresh();
    const { api, session, expired } = app((_api, tokens) =>
      fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }) }),
    );
    server.expireAccess();

    const error = await rejection(api.get('/api/a'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect((error.cause as { response?: { status?: number } }).response?.status).toBe(status);
    await turns(5);
    expect(expired()).toBe(1);
    expect(session.state).toBe('ended');
    expect(server.count('/api/a')).toBe(1);
  });

  it('cools down when refresh resolves a fetch Response answered 503, reading its Retry-After', async () => {
    server.reply = { status: 503, headers: { 'retry-after': '7' } };
    const { api, session } = app((_api, tokens) =>
      fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }) }),
    );
    server.expireAccess();
    const before = Date.now();

    const error = await rejection(api.get('/api/a'));

    expect(isRefreshFailedError(error)).toBe(true);
    expect(session.state).toBe('cooling-down');
    expect(error.cause).toMatchObject({ response: { status: 503 } });
    const { retryAt } = error as unknown as { retryAt: number };
    expect(retryAt - before).toBeGreaterThanOrEqual(7_000);
    expect(retryAt - Date.now()).toBeLessThanOrEqual(7_000);
  });

  it('takes an ok fetch Response as success', async () => {
    const { api } = app(async (_api, tokens) => {
      const answer = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }) });
      Object.assign(tokens, await answer.json());
      return answer;
    });
    server.expireAccess();

    await expect(api.get('/api/a')).resolves.toMatchObject({ status: 200 });
  });
});

describe('the refresh sent through the intercepted instance', () => {
  it('ends a dead session at once when refresh posts through the instance itself', async () => {
    const { api, expired } = app((self, tokens) => self.post('/refresh', { refresh: tokens.refresh }));
    server.expireAccess();
    server.revokeRefresh();
    const started = Date.now();

    const errors = await Promise.all([rejection(api.get('/api/a')), rejection(api.get('/api/b'))]);

    for (const error of errors) expect(isSessionExpiredError(error)).toBe(true);
    // Well before the 10 s refreshTimeout it would have waited on itself.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.refreshCalls()).toBe(1);
    await turns(5);
    expect(expired()).toBe(1);
  });

  it('refreshes through the instance itself with a live refresh token, after an await too', async () => {
    const { api } = app(async (self, tokens) => {
      await Promise.resolve();
      const { data } = await self.post<typeof tokens>('/refresh', { refresh: tokens.refresh });
      Object.assign(tokens, data);
    });
    server.expireAccess();

    const responses = await Promise.all([api.get('/api/a'), api.get('/api/b')]);

    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(server.refreshStatuses()).toEqual([200]);
    expect(server.reused()).toBe(0);
  });

  it('names the likely cause and the fix in the timeout message', async () => {
    const api = axios.create({ baseURL: server.url });
    createRefreshInterceptor(api, { refresh: () => new Promise(() => {}), refreshTimeout: 50 });
    server.expireAccess();

    const error = await rejection(api.get('/api/a'));

    expect(isRefreshFailedError(error)).toBe(true);
    expect(error.message).toContain('did not settle within 50 ms');
    expect(error.message).toContain('send it with `client`');
  });
});
