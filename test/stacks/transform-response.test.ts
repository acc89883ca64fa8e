/**
 * A request's own `transformResponse` that expects the success's shape (a schema parse, a
 * `data.items.map(...)`) and throws on anything else. axios runs it on a 401's body as well,
 * before any response interceptor; the 401 must still be refreshed and the request sent again,
 * whatever else the app attached to the instance.
 */
import axios from 'axios';
import type { AxiosInstance, AxiosResponseTransformer } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerApp, bearerRefresh } from '../helpers/clients.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

type Stack = 'bearer part' | 'own token interceptor' | 'own token interceptor and a response interceptor';

function app(stack: Stack, adapter: 'http' | 'fetch'): AxiosInstance {
  if (stack === 'bearer part') {
    const store = { token: server.access };
    const api = axios.create({ baseURL: server.url, adapter });
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store), accessToken: bearer(() => store.token) });
    return api;
  }
  const { api, store } = bearerApp(server);
  api.defaults.adapter = adapter;
  if (stack !== 'own token interceptor') api.interceptors.response.use((response) => response);
  createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
  return api;
}

/** axios's JSON parsing, then a check that only a success passes. */
const successOnly: AxiosResponseTransformer[] = [
  ...[axios.defaults.transformResponse ?? []].flat(),
  function (this: unknown, data: unknown, _headers: unknown, status?: number) {
    if (status !== 200) throw new TypeError(`expected the task list, got ${String(status)}`);
    return { token: (data as { token?: string }).token };
  },
];

// axios before 1.7 has no fetch adapter.
const hasFetchAdapter = (() => {
  try {
    return typeof axios.getAdapter('fetch') === 'function';
  } catch {
    return false;
  }
})();
const adapters = hasFetchAdapter ? (['http', 'fetch'] as const) : (['http'] as const);

const stacks: Stack[] = ['bearer part', 'own token interceptor', 'own token interceptor and a response interceptor'];
describe.each(stacks.flatMap((stack) => adapters.map((adapter) => ({ stack, adapter }))))(
  'a transformResponse that throws on the 401 body ($stack, $adapter adapter)',
  ({ stack, adapter }) => {
    it('refreshes once and gives the caller the retry’s 200 as the transform makes it', async () => {
      const api = app(stack, adapter);
      server.expireAccess();

      const outcome = await api.get('/tasks', { transformResponse: successOnly }).then(
        (response) => ({ status: response.status, data: response.data as unknown }),
        (error: unknown) => ({ error: String(error) }),
      );

      expect(outcome).toEqual({ status: 200, data: { token: server.access } });
      expect({
        refreshes: server.refreshCalls(),
        seen: server.seen.filter((r) => r.path === '/tasks').map((r) => r.status),
      }).toEqual({ refreshes: 1, seen: [401, 200] });
    });
  },
);
