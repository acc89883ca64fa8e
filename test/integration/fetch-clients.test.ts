import axios from 'axios';
import type { AxiosInstance } from 'axios';
import ky, { HTTPError } from 'ky';
import createClient from 'openapi-fetch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshFetch } from '../../src/fetch.js';
import type { FetchLike } from '../../src/fetch.js';
import { bearer, createRefreshInterceptor, createRefreshSession, isRefreshFailedError, isSessionExpiredError, jwtExpiry } from '../../src/index.js';
import type { RefreshContext, RefreshSession } from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer, SeenRequest } from '../helpers/auth-server.js';
import { bearerRefresh } from '../helpers/clients.js';
import { turns } from '../helpers/gate.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/** What the loopback server answers with: what it saw of the request. */
interface Echo {
  path: string;
  token?: string;
  method: string;
  contentType?: string;
  body: string;
}

interface Task {
  title: string;
  done: boolean;
}

// The shape openapi-typescript generates, written out for the two kinds of route the server has.
interface Json<T> {
  headers: Record<string, unknown>;
  content: { 'application/json': T };
}
interface NoParameters {
  query?: never;
  header?: never;
  path?: never;
  cookie?: never;
}
interface Unused {
  put?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}
interface Paths {
  '/api/{name}': Unused & {
    parameters: NoParameters;
    get: {
      parameters: Omit<NoParameters, 'path'> & { path: { name: string } };
      requestBody?: never;
      responses: { 200: Json<Echo>; 401: Json<Echo> };
    };
    post: {
      parameters: Omit<NoParameters, 'path'> & { path: { name: string } };
      requestBody: { content: { 'application/json': Task } };
      responses: { 200: Json<Echo>; 401: Json<Echo> };
    };
  };
  '/public/status/{code}': Unused & {
    parameters: NoParameters;
    get: {
      parameters: Omit<NoParameters, 'path'> & { path: { code: number } };
      requestBody?: never;
      responses: { 200: Json<Echo>; 404: Json<Echo> };
    };
    post?: never;
  };
}

interface App {
  session: RefreshSession;
  store: { token: string };
  /** An axios instance on the session, as the README's recipe has. */
  api: AxiosInstance;
  authFetch: typeof fetch;
  expired: () => number;
}

interface AppOptions {
  /** Give the session the token to attach (the README's advice); off for apps that set it themselves. */
  accessToken?: boolean;
  fetchLike?: (store: { token: string }) => FetchLike;
  refresh?: (store: { token: string }) => (context: RefreshContext) => Promise<void>;
}

function app({ accessToken = true, fetchLike, refresh }: AppOptions = {}): App {
  const store = { token: server.access };
  let expired = 0;
  const session = createRefreshSession({
    refresh: (refresh ?? ((s) => bearerRefresh(server, s)))(store),
    onSessionExpired: () => {
      expired += 1;
    },
    // In Node there is no page whose origin would let absolute URLs carry the token.
    ...(accessToken ? { accessToken: bearer(() => store.token), expiresAt: jwtExpiry(() => store.token), credentialOrigins: [server.url] } : {}),
  });
  const api = axios.create({ baseURL: server.url });
  createRefreshInterceptor(api, { session });
  const authFetch = createRefreshFetch(fetchLike ? fetchLike(store) : fetch, { session });
  return { session, store, api, authFetch, expired: () => expired };
}

/** A `fetchLike` that sets the app's token itself, read as each attempt goes out. */
const bearerFetch =
  (store: { token: string }): FetchLike =>
  (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('Authorization', `Bearer ${store.token}`);
    return fetch(input, { ...init, headers });
  };

/** The requests to `path` the server saw, without the refresh calls. */
const sent = (path: string): SeenRequest[] => server.seen.filter((r) => r.path === path);

/** The server saw `body` posted as JSON to `path` twice: with the expired token, then the new one. */
function expectPostedTwice(path: string, body: unknown): void {
  const attempts = sent(path);
  expect(attempts.map((r) => [r.method, r.token, r.status])).toEqual([
    ['POST', 'access-0', 401],
    ['POST', 'access-1', 200],
  ]);
  expect(attempts.map((r) => r.body)).toEqual([JSON.stringify(body), JSON.stringify(body)]);
  expect(attempts.map((r) => r.contentType)).toEqual(['application/json', 'application/json']);
}

/**
 * Settles two calls whose first attempts both reach the server before either is answered, so
 * that both meet the expired token rather than one waiting for the other's refresh.
 */
async function bothOnExpiredToken<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const arrivals = server.hold('/api/');
  await server.arrived('/api/', 2);
  arrivals.open();
  return Promise.all([a, b]);
}

const tokens = (path: string): Array<[string | undefined, number]> => sent(path).map((r) => [r.token, r.status]);

describe('openapi-fetch with fetch: authFetch', () => {
  it('refreshes once for a GET on an expired token and gives the data of the retry, sent with the new token', async () => {
    const { authFetch } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    server.expireAccess();

    const { data, error, response } = await client.GET('/api/{name}', { params: { path: { name: 'tasks' } } });

    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ path: '/api/tasks', token: 'access-1', method: 'GET' });
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([
      ['access-0', 401],
      ['access-1', 200],
    ]);
  });

  it('sends a POST again after the refresh with the same JSON body and content type', async () => {
    const { authFetch } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    server.expireAccess();
    const task: Task = { title: 'Buy milk', done: false };

    const { data, response } = await client.POST('/api/{name}', { params: { path: { name: 'tasks' } }, body: task });

    expect(response.status).toBe(200);
    expect(data).toMatchObject({ token: 'access-1', method: 'POST', body: JSON.stringify(task) });
    expect(server.refreshCalls()).toBe(1);
    expectPostedTwice('/api/tasks', task);
  });

  it("gives a 404 back as openapi-fetch's error, untouched, without a refresh", async () => {
    const { authFetch } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    server.expireAccess();

    const { data, error, response } = await client.GET('/public/status/{code}', { params: { path: { code: 404 } } });

    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ path: '/public/status/404', token: 'access-0' });
    expect(server.refreshCalls()).toBe(0);
    expect(server.count('/public/status/404')).toBe(1);
  });

  it('rejects (it does not resolve with an error) with SessionExpiredError when the refresh is rejected, calling onSessionExpired once', async () => {
    const { authFetch, expired } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    server.expireAccess();
    server.refreshMode = 'reject';

    const outcome = await client.GET('/api/{name}', { params: { path: { name: 'tasks' } } }).then(
      (value) => ({ resolved: value }),
      (error: unknown) => ({ rejected: error }),
    );

    expect('rejected' in outcome && isSessionExpiredError(outcome.rejected)).toBe(true);
    expect(expired()).toBe(1);
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([['access-0', 401]]);
  });
});

describe('ky with fetch: authFetch', () => {
  it('refreshes once for a GET on an expired token and resolves with the retry, sent with the new token', async () => {
    const { authFetch } = app();
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();

    const echo = await http.get('api/tasks').json<Echo>();

    expect(echo).toMatchObject({ path: '/api/tasks', token: 'access-1' });
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([
      ['access-0', 401],
      ['access-1', 200],
    ]);
  });

  it('sends the unread Request that ky builds for a JSON POST again with the same body and content type', async () => {
    const { authFetch } = app();
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();
    const task: Task = { title: 'Buy milk', done: false };

    const echo = await http.post('api/tasks', { json: task }).json<Echo>();

    expect(echo).toMatchObject({ token: 'access-1', method: 'POST', body: JSON.stringify(task) });
    expect(server.refreshCalls()).toBe(1);
    expectPostedTwice('/api/tasks', task);
  });

  it("throws ky's HTTPError for a 404, without a refresh and without a retry by ky", async () => {
    const { authFetch } = app();
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();

    const error = await rejection(http.get('public/status/404'));

    expect(error).toBeInstanceOf(HTTPError);
    expect(error).toMatchObject({ response: { status: 404 } });
    expect(server.refreshCalls()).toBe(0);
    expect(server.count('/public/status/404')).toBe(1);
  });

  it("does not retry a 401 with ky's default retry: a retry that 401s again costs one refresh and throws HTTPError 401", async () => {
    // A refresh that succeeds on the server but never stores the new token: the retry 401s too.
    const { authFetch } = app({
      refresh: () => async ({ client }) => {
        await client.post('/refresh', { refresh: server.refresh });
      },
    });
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();

    const error = await rejection(http.get('api/tasks'));

    expect(error).toBeInstanceOf(HTTPError);
    expect(error).toMatchObject({ response: { status: 401 } });
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([
      ['access-0', 401],
      ['access-0', 401],
    ]);
  });

  it("costs a dead session one rejected refresh and one onSessionExpired with ky's default retry: its retries reject at once", async () => {
    // ky retries every error that is not an HTTPError (it takes them for network errors) on
    // GET, PUT, HEAD, DELETE, OPTIONS and TRACE: the library's refresh errors included.
    const { authFetch, expired } = app();
    // ky's default limit and methods, without its back-off wait.
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch, retry: { limit: 2, delay: () => 0 } });
    server.expireAccess();
    server.refreshMode = 'reject';

    const error = await rejection(http.get('api/tasks'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    await turns(5);
    expect(expired()).toBe(1);
    // ky still sends the GET again twice (it takes the session's errors for network errors).
    expect(tokens('/api/tasks')).toEqual([
      ['access-0', 401],
      ['access-0', 401],
      ['access-0', 401],
    ]);
  });

  it('costs a dead session one rejected refresh when ky.retry.shouldRetry declines the refresh errors', async () => {
    const { authFetch, expired } = app();
    const http = ky.create({
      prefixUrl: server.url,
      fetch: authFetch,
      retry: {
        shouldRetry: ({ error }) => (isSessionExpiredError(error) || isRefreshFailedError(error) ? false : undefined),
      },
    });
    server.expireAccess();
    server.refreshMode = 'reject';

    const error = await rejection(http.get('api/tasks'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    expect(expired()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([['access-0', 401]]);
  });

  it('costs a dead session one rejected refresh for a POST, which ky does not retry', async () => {
    const { authFetch, expired } = app();
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();
    server.refreshMode = 'reject';

    const error = await rejection(http.post('api/tasks', { json: { title: 'Buy milk', done: false } }));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    expect(expired()).toBe(1);
  });
});

describe('openapi-fetch, ky and axios on one session', () => {
  it('makes one refresh for a storm of 401s from all three clients, and every call succeeds with the new token', async () => {
    const { api, authFetch } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();
    // Every call reaches the server on the expired token before any is answered.
    const arrivals = server.hold('/api/storm');
    const each = 6;
    const calls: Array<Promise<Echo | undefined>> = [];
    for (let i = 0; i < each; i += 1) {
      calls.push(client.GET('/api/{name}', { params: { path: { name: `storm-openapi-${i}` } } }).then((r) => r.data));
      calls.push(http.post(`api/storm-ky-${i}`, { json: { title: `task ${i}`, done: false } }).json<Echo>());
      calls.push(api.get<Echo>(`/api/storm-axios-${i}`).then((r) => r.data));
    }

    await server.arrived('/api/storm', 3 * each);
    arrivals.open();
    const results = await Promise.all(calls);

    expect(results.map((r) => r?.token)).toEqual(Array<string>(3 * each).fill('access-1'));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/storm', 401)).toBe(3 * each);
    expect(server.count('/api/storm', 200)).toBe(3 * each);
    expect(server.seen.filter((r) => r.path.startsWith('/api/storm-ky') && r.status === 200).map((r) => r.body)).toEqual(
      Array.from({ length: each }, (_, i) => JSON.stringify({ title: `task ${i}`, done: false })),
    );
  });

  it('holds openapi-fetch and ky calls made while an axios refresh runs, and sends each once with the new token', async () => {
    const { api, authFetch } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = api.get<Echo>('/api/first');
    await server.arrived('/refresh', 1);

    const held = [
      client.GET('/api/{name}', { params: { path: { name: 'held-openapi' } } }).then((r) => r.data),
      http.get('api/held-ky').json<Echo>(),
    ];
    await turns(20);
    expect(server.count('/api/held')).toBe(0);
    refreshGate.open();

    const results = await Promise.all([first.then((r) => r.data), ...held]);
    expect(results.map((r) => r?.token)).toEqual(['access-1', 'access-1', 'access-1']);
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/held-openapi')).toEqual([['access-1', 200]]);
    expect(tokens('/api/held-ky')).toEqual([['access-1', 200]]);
  });
});

describe('middleware and hooks on the retry after a refresh', () => {
  it('runs an openapi-fetch onRequest middleware once per call: a token it sets is the old one on the retry', async () => {
    const { store, authFetch } = app({ accessToken: false });
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    const statuses: number[] = [];
    let requests = 0;
    client.use({
      onRequest({ request }) {
        requests += 1;
        request.headers.set('Authorization', `Bearer ${store.token}`);
        return request;
      },
      onResponse({ response }) {
        statuses.push(response.status);
      },
    });
    server.expireAccess();

    const { error, response } = await client.GET('/api/{name}', { params: { path: { name: 'tasks' } } });

    expect(requests).toBe(1);
    expect(statuses).toEqual([401]);
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ token: 'access-0' });
    expect(store.token).toBe('access-1');
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([
      ['access-0', 401],
      ['access-0', 401],
    ]);
  });

  it("runs ky's beforeRequest and afterResponse hooks once per call: a token beforeRequest sets is the old one on the retry", async () => {
    const { store, authFetch } = app({ accessToken: false });
    let before = 0;
    const statuses: number[] = [];
    const http = ky.create({
      prefixUrl: server.url,
      fetch: authFetch,
      hooks: {
        beforeRequest: [
          (request) => {
            before += 1;
            request.headers.set('Authorization', `Bearer ${store.token}`);
          },
        ],
        afterResponse: [
          (_request, _options, response) => {
            statuses.push(response.status);
          },
        ],
      },
    });
    server.expireAccess();

    const error = await rejection(http.get('api/tasks'));

    expect(before).toBe(1);
    expect(statuses).toEqual([401]);
    expect(error).toMatchObject({ response: { status: 401 } });
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/tasks')).toEqual([
      ['access-0', 401],
      ['access-0', 401],
    ]);
  });

  it("sends the new token on the retry when the session's accessToken sets it, with request middleware and hooks run once and response ones seeing only the retry", async () => {
    const { authFetch } = app();
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    let requests = 0;
    const statuses: Record<'openapi' | 'ky', number[]> = { openapi: [], ky: [] };
    client.use({
      onRequest() {
        requests += 1;
      },
      onResponse({ response }) {
        statuses.openapi.push(response.status);
      },
    });
    let before = 0;
    const http = ky.create({
      prefixUrl: server.url,
      fetch: authFetch,
      hooks: {
        beforeRequest: [
          () => {
            before += 1;
          },
        ],
        afterResponse: [
          (_request, _options, response) => {
            statuses.ky.push(response.status);
          },
        ],
      },
    });
    server.expireAccess();

    const [openapi, kyEcho] = await bothOnExpiredToken(
      client.GET('/api/{name}', { params: { path: { name: 'openapi' } } }),
      http.get('api/ky').json<Echo>(),
    );

    expect(openapi.data?.token).toBe('access-1');
    expect(kyEcho.token).toBe('access-1');
    expect([requests, before]).toEqual([1, 1]);
    // The response middleware and hooks see the retry's answer only, never the 401.
    expect(statuses).toEqual({ openapi: [200], ky: [200] });
    expect(server.refreshCalls()).toBe(1);
    expect(tokens('/api/openapi')).toEqual([
      ['access-0', 401],
      ['access-1', 200],
    ]);
    expect(tokens('/api/ky')).toEqual([
      ['access-0', 401],
      ['access-1', 200],
    ]);
  });

  it('sends the new token on the retry when the fetchLike given to createRefreshFetch sets it', async () => {
    const { authFetch } = app({ accessToken: false, fetchLike: bearerFetch });
    const client = createClient<Paths>({ baseUrl: server.url, fetch: authFetch });
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch });
    server.expireAccess();
    const task: Task = { title: 'Buy milk', done: false };

    const [openapi, kyEcho] = await bothOnExpiredToken(
      client.POST('/api/{name}', { params: { path: { name: 'openapi' } }, body: task }),
      http.post('api/ky', { json: task }).json<Echo>(),
    );

    expect(openapi.data).toMatchObject({ token: 'access-1', body: JSON.stringify(task), contentType: 'application/json' });
    expect(kyEcho).toMatchObject({ token: 'access-1', body: JSON.stringify(task), contentType: 'application/json' });
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(tokens('/api/openapi')).toEqual([
      ['access-0', 401],
      ['access-1', 200],
    ]);
    expect(tokens('/api/ky')).toEqual([
      ['access-0', 401],
      ['access-1', 200],
    ]);
  });
});
