import axios, { isAxiosError } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, createRefreshSession as createAxiosSession } from '../../src/index.js';
import type { SessionExpiredError as AxiosSessionExpiredError } from '../../src/index.js';
import {
  RefreshFailedError,
  SessionExpiredError,
  bearer,
  createRefreshFetch,
  createRefreshSession,
  isRefreshFailedError,
  isSessionExpiredError,
} from '../../src/fetch.js';
import type { FetchRefreshContext } from '../../src/fetch.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

const at = (path: string): string => `${server.url}${path}`;

/** A fetch-only app: its session comes from the fetch entry point, and `refresh` calls the endpoint with `fetch`. */
function fetchApp(): { authFetch: typeof fetch; contexts: FetchRefreshContext[]; ended: SessionExpiredError[] } {
  const tokens = { access: server.access, refresh: server.refresh };
  const contexts: FetchRefreshContext[] = [];
  const ended: SessionExpiredError[] = [];
  const session = createRefreshSession({
    refresh: async (context) => {
      contexts.push(context);
      const res = await fetch(at('/refresh'), { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }), signal: context.signal });
      if (!res.ok) return res;
      Object.assign(tokens, (await res.json()) as typeof tokens);
      return undefined;
    },
    accessToken: bearer(() => tokens.access),
    credentialOrigins: [server.url],
    onSessionExpired: (error) => {
      ended.push(error);
    },
  });
  return { authFetch: createRefreshFetch(fetch, { session }), contexts, ended };
}

describe('createRefreshSession from the fetch entry point', () => {
  it('refreshes once for concurrent 401s, giving refresh the 401 and its signals but no client, and retries each call with the new token', async () => {
    const { authFetch, contexts } = fetchApp();
    server.expireAccess();

    const statuses = await Promise.all(['/api/a', '/api/b', '/api/c'].map(async (path) => (await authFetch(at(path))).status));

    expect(statuses).toEqual([200, 200, 200]);
    expect(server.refreshCalls()).toBe(1);
    expect(contexts).toHaveLength(1);
    expect(Object.keys(contexts[0]!).sort()).toEqual(['error', 'signal', 'superseded']);
    expect(contexts[0]!.error?.response?.status).toBe(401);
    expect(contexts[0]!.error).toBeInstanceOf(Error);
    const calls = server.seen.filter((r) => r.path.startsWith('/api/'));
    expect(calls.filter((r) => r.status === 401)).toHaveLength(3);
    expect(calls.filter((r) => r.status === 200).map((r) => r.token)).toEqual([server.access, server.access, server.access]);
  });

  it('rejects with the fetch side\'s RefreshFailedError, a plain Error with the shared code and guard, when the refresh fails transiently', async () => {
    const { authFetch, ended } = fetchApp();
    server.expireAccess();
    server.refreshMode = 'error';

    const error: unknown = await authFetch(at('/api/a?secret=1')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RefreshFailedError);
    expect(isAxiosError(error)).toBe(false);
    expect(isRefreshFailedError(error)).toBe(true);
    expect(isSessionExpiredError(error)).toBe(false);
    expect(error).toMatchObject({ code: 'ERR_REFRESH_FAILED', request: { method: 'get', url: at('/api/a') }, response: { status: 401 } });
    expect((error as RefreshFailedError).retryAt).toBeGreaterThan(Date.now());
    expect((error as RefreshFailedError).cause).toMatchObject({ response: { status: 500 } });
    expect(ended).toEqual([]);
    expect(server.seen.map((r) => [r.path, r.status])).toEqual([['/api/a', 401], ['/refresh', 500]]);
  });

  it('gives the calls and onSessionExpired the fetch side\'s SessionExpiredError when the server refuses the refresh', async () => {
    const { authFetch, ended } = fetchApp();
    server.expireAccess();
    server.refreshMode = 'reject';

    const errors = await Promise.all([authFetch(at('/api/a')), authFetch(at('/api/b'))].map((call) => call.catch((e: unknown) => e)));

    for (const error of errors) {
      expect(error).toBeInstanceOf(SessionExpiredError);
      expect(isSessionExpiredError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'SessionExpiredError', code: 'ERR_SESSION_EXPIRED', response: { status: 401 } });
    }
    expect(ended).toHaveLength(1);
    expect(ended[0]).toBeInstanceOf(SessionExpiredError);
    expect(ended[0]!.request?.url).toMatch(/\/api\/[ab]$/);
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/refresh', 401)).toBe(1);
  });
});

describe('one session for axios and fetch, made by the axios entry point', () => {
  it('rejects each transport with its own error and gives onSessionExpired the axios side\'s, even when fetch started the refresh', async () => {
    const tokens = { access: server.access, refresh: server.refresh };
    const ended: AxiosSessionExpiredError[] = [];
    const session = createAxiosSession({
      refresh: ({ client, error }) => {
        // The 401 that fetch got reaches refresh as an AxiosError, as the axios side's options type it.
        expect(isAxiosError(error)).toBe(true);
        return client.post(at('/refresh'), { refresh: tokens.refresh });
      },
      onSessionExpired: (error) => {
        ended.push(error);
      },
    });
    const api = axios.create({ baseURL: server.url, headers: { Authorization: `Bearer ${tokens.access}` } });
    createRefreshInterceptor(api, { session });
    const authFetch = createRefreshFetch((input, init) => fetch(input, { ...init, headers: { Authorization: `Bearer ${tokens.access}` } }), { session });
    server.expireAccess();
    server.refreshMode = 'reject';

    const fetchError: unknown = await authFetch(at('/api/f')).catch((e: unknown) => e);
    const axiosError: unknown = await api.get('/api/a').catch((e: unknown) => e);

    expect(fetchError).toBeInstanceOf(SessionExpiredError);
    expect(isAxiosError(fetchError)).toBe(false);
    expect(isAxiosError(axiosError)).toBe(true);
    expect([fetchError, axiosError].map((e) => isSessionExpiredError(e))).toEqual([true, true]);
    expect(ended).toHaveLength(1);
    expect(isAxiosError(ended[0])).toBe(true);
    expect(ended[0]!.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
    expect(server.seen.map((r) => [r.path, r.status])).toEqual([['/api/f', 401], ['/refresh', 401], ['/api/a', 401]]);
  });
});
