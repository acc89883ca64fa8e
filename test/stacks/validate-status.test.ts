import axios from 'axios';
import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isSessionExpiredError } from '../../src/index.js';
import type { SessionExpiredError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerRefresh } from '../helpers/clients.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';
import { startGraphqlServer } from './helpers/graphql-server.js';
import type { GraphqlBody, GraphqlServer } from './helpers/graphql-server.js';

const below500 = (status: number): boolean => status < 500;

/** A bearer app whose instance resolves what `validateStatus` lets through. */
function permissiveApp(
  server: { url: string; access: string },
  validateStatus: ((status: number) => boolean) | null,
): { api: AxiosInstance; store: { token: string } } {
  const store = { token: server.access };
  const api = axios.create({ baseURL: server.url, validateStatus });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  return { api, store };
}

describe('a permissive validateStatus against a real server', () => {
  let server: AuthServer;
  beforeEach(async () => {
    server = await startAuthServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const seenAt = (path: string): Array<[number, string | undefined]> =>
    server.seen.filter((r) => r.path === path).map((r) => [r.status, r.token]);

  it.each([
    { kind: 'a validateStatus that resolves it', validateStatus: below500, others: false },
    // axios resolves every status when validateStatus is null; with another response
    // interceptor the library judges the answer at its adapter.
    { kind: 'validateStatus: null', validateStatus: null, others: false },
    { kind: 'validateStatus: null, beside an app response interceptor', validateStatus: null, others: true },
  ])('refreshes a 401 that axios resolves ($kind) and resolves with the retry’s 200', async ({ validateStatus, others }) => {
    const { api, store } = permissiveApp(server, validateStatus);
    if (others) api.interceptors.response.use((r) => r);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();

    await expect(api.get('/api/a')).resolves.toMatchObject({ status: 200, data: { token: 'access-1' } });
    expect(server.refreshCalls()).toBe(1);
    expect(seenAt('/api/a')).toEqual([
      [401, 'access-0'],
      [200, 'access-1'],
    ]);
  });

  it.each(['before', 'after'])(
    'hands the retry’s data to the caller through an app `(r) => r.data` interceptor added %s attaching',
    async (order) => {
      const { api, store } = permissiveApp(server, below500);
      const unwrap = (): void => {
        api.interceptors.response.use((response: AxiosResponse): AxiosResponse => response.data as AxiosResponse);
      };
      if (order === 'before') unwrap();
      createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
      if (order === 'after') unwrap();
      server.expireAccess();

      const result: unknown = await api.get('/api/a');

      expect(result).toEqual({ path: '/api/a', token: 'access-1', method: 'GET', body: '' });
      expect(server.refreshCalls()).toBe(1);
      expect(seenAt('/api/a')).toEqual([
        [401, 'access-0'],
        [200, 'access-1'],
      ]);
    },
  );

  it('ends the session when the refresh through `client` is answered 401, though the instance resolves 401', async () => {
    const { api, store } = permissiveApp(server, below500);
    const expired: SessionExpiredError[] = [];
    createRefreshInterceptor(api, {
      refresh: bearerRefresh(server, store),
      onSessionExpired: (error) => {
        expired.push(error);
      },
    });
    server.expireAccess();
    server.refreshMode = 'reject';

    const error = await rejection(api.get('/api/a'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect((error.cause as AxiosError).response?.status).toBe(401);
    expect((error.cause as AxiosError).config?.url).toBe('/refresh');
    await turns(5);
    expect(expired).toHaveLength(1);
    expect(server.refreshCalls()).toBe(1);
    // The failed refresh left the stored token alone, and the request was not sent again.
    expect(store.token).toBe('access-0');
    expect(seenAt('/api/a')).toEqual([[401, 'access-0']]);
  });

  it('ends the session when `refresh` resolves with its own permissive client’s 401 response', async () => {
    const { api } = permissiveApp(server, below500);
    const own = axios.create({ baseURL: server.url, validateStatus: () => true });
    let expired = 0;
    let answered: AxiosResponse | undefined;
    createRefreshInterceptor(api, {
      refresh: async () => {
        answered = await own.post('/refresh', { refresh: 'not-a-refresh-token' });
        return answered;
      },
      onSessionExpired: () => {
        expired += 1;
      },
    });
    server.expireAccess();

    const error = await rejection(api.get('/api/a'));

    expect(answered?.status).toBe(401);
    expect(isSessionExpiredError(error)).toBe(true);
    expect((error.cause as AxiosError).response).toBe(answered);
    await turns(5);
    expect(expired).toBe(1);
    expect(server.refreshCalls()).toBe(1);
    expect(seenAt('/api/a')).toEqual([[401, 'access-0']]);
  });

  it('hands a skipAuthRefresh request its resolved 401 as it is under `validateStatus: () => true`', async () => {
    const { api, store } = permissiveApp(server, () => true);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();

    const response = await api.get('/api/login', { skipAuthRefresh: true });

    expect(response).toMatchObject({ status: 401, data: { path: '/api/login', token: 'access-0' } });
    await turns(5);
    expect(server.refreshCalls()).toBe(0);
    expect(seenAt('/api/login')).toEqual([[401, 'access-0']]);
  });

  it('resolves with the retry’s own 401 when the retry is turned down too, after one refresh', async () => {
    const { api } = permissiveApp(server, below500);
    // Refreshes on the server but keeps the old token: the retry goes out stale again.
    createRefreshInterceptor(api, {
      refresh: ({ client }) => client.post('/refresh', { refresh: server.refresh }),
    });
    server.expireAccess();

    const response = await api.get('/api/a');

    expect(response).toMatchObject({ status: 401, data: { path: '/api/a', token: 'access-0' } });
    await turns(5);
    expect(server.refreshCalls()).toBe(1);
    expect(seenAt('/api/a')).toEqual([
      [401, 'access-0'],
      [401, 'access-0'],
    ]);
  });
});

describe('failures signalled in a GraphQL body (shouldRefreshResponse)', () => {
  let server: GraphqlServer;
  beforeEach(async () => {
    // Its `/refresh` issues tokens to any caller; a query's data echoes the query.
    server = await startGraphqlServer({
      refreshNeedsToken: false,
      data: (token, body) => ({ viewer: { token }, query: body }),
    });
  });
  afterEach(async () => {
    await server.close();
  });

  const unauthenticated = (body: GraphqlBody | undefined): boolean =>
    body?.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED') ?? false;

  it.each(['before', 'after'])(
    'refreshes once and hides the UNAUTHENTICATED body from an app response interceptor added %s attaching',
    async (order) => {
      const { api, store } = permissiveApp(server, (status) => status >= 200 && status < 300);
      const bodies: Array<GraphqlBody | undefined> = [];
      const count = (): void => {
        api.interceptors.response.use((response: AxiosResponse<GraphqlBody | undefined>) => {
          bodies.push(response.data);
          return response;
        });
      };
      if (order === 'before') count();
      createRefreshInterceptor(api, {
        refresh: async ({ client }) => {
          const { data } = await client.post<{ access: string }>('/refresh');
          store.token = data.access;
        },
        shouldRefreshResponse: (r: AxiosResponse<GraphqlBody | undefined>) => r.status === 401 || unauthenticated(r.data),
      });
      if (order === 'after') count();
      server.expireAccess();
      const query = { query: '{ viewer { token } }' };

      const response = await api.post<GraphqlBody>('/graphql', query);

      expect(response.status).toBe(200);
      expect(response.data).toEqual({ data: { viewer: { token: 'access-1' }, query: JSON.stringify(query) } });
      expect(bodies).toHaveLength(1);
      expect(bodies.filter(unauthenticated)).toEqual([]);
      expect(server.refreshCalls()).toBe(1);
      expect(server.seen.map((r) => [r.path, r.answer, r.token, r.body])).toEqual([
        ['/graphql', 'unauthenticated', 'access-0', JSON.stringify(query)],
        ['/refresh', 'refreshed', undefined, ''],
        ['/graphql', 'data', 'access-1', JSON.stringify(query)],
      ]);
    },
  );
});
