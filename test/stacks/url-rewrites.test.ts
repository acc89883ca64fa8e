import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerCount, probeApp, startProbe, within } from './helpers/request-probe.js';
import type { ProbeServer } from './helpers/request-probe.js';

let server: ProbeServer;
beforeEach(async () => {
  server = await startProbe();
});
afterEach(async () => {
  await server.close();
});

describe.each([
  { name: 'alone', responseInterceptor: false },
  { name: 'with app response interceptor', responseInterceptor: true },
])('query strings on retry ($name)', ({ responseInterceptor }) => {
  it('sends params and a paramsSerializer identically on the retry', async () => {
    const { api } = probeApp(server, {}, { responseInterceptor });
    server.expire();
    const r = await within(
      api.get('/api/q', {
        params: { a: [1, 2], b: 'x y', c: { d: 1 } },
        paramsSerializer: { indexes: null },
      }),
    );
    const hits = server.api('/api/q');
    expect(hits.map((h) => h.status)).toEqual([401, 200]);
    expect(hits[1]!.url).toBe(hits[0]!.url);
    expect(r.status).toBe(200);
  });

  it('sends a function paramsSerializer identically', async () => {
    const { api } = probeApp(server, { paramsSerializer: (p) => `custom=${Object.keys(p).join(',')}` }, { responseInterceptor });
    server.expire();
    await within(api.get('/api/q', { params: { a: 1, b: 2 } }));
    const hits = server.api('/api/q');
    expect(hits.map((h) => [h.status, h.url])).toEqual([
      [401, '/api/q?custom=a,b'],
      [200, '/api/q?custom=a,b'],
    ]);
  });

  it('keeps the query string an app interceptor appends to config.url once on the retry', async () => {
    const { api } = probeApp(server, {}, { responseInterceptor });
    api.interceptors.request.use((config) => {
      config.url = `${config.url}${config.url?.includes('?') ? '&' : '?'}lang=en`;
      return config;
    });
    server.expire();
    const r = await within(api.get('/api/q?x=1'));
    const hits = server.api('/api/q');
    expect(hits.map((h) => [h.status, h.url])).toEqual([
      [401, '/api/q?x=1&lang=en'],
      [200, '/api/q?x=1&lang=en'],
    ]);
    expect(r.status).toBe(200);
  });

  it('prefixes the path an app interceptor prefixes once on the retry', async () => {
    const { api } = probeApp(server, {}, { responseInterceptor });
    api.interceptors.request.use((config) => {
      config.url = `/api${config.url}`;
      return config;
    });
    server.expire();
    const r = await within(api.get('/tenant'));
    const hits = server.api();
    expect(hits.map((h) => [h.status, h.url])).toEqual([
      [401, '/api/tenant'],
      [200, '/api/tenant'],
    ]);
    expect(r.status).toBe(200);
  });

  it('sends a request held during a refresh to the URL an app interceptor prefixes, once', async () => {
    const { api } = probeApp(server, {}, { responseInterceptor });
    api.interceptors.request.use((config) => {
      config.url = `/api${config.url}`;
      return config;
    });
    server.expire();
    const release = server.holdRefresh();
    const first = api.get('/first');
    while (server.hits.filter((h) => h.path === '/refresh').length === 0) await new Promise((r) => setTimeout(r, 5));
    const held = api.get('/held');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await within(Promise.all([first, held]));
    // The retry and the held request go out together after the refresh, in either order.
    expect(server.api().map((h) => `${h.status} ${h.url}`).sort()).toEqual(['200 /api/first', '200 /api/held', '401 /api/first']);
  });

  it.each([
    ['a plain object', (config: InternalAxiosRequestConfig) => {
      const params = (config.params ?? {}) as Record<string, string>;
      params.include = [params.include, 'meta'].filter(Boolean).join(',');
      config.params = params;
    }, '?id=1&include=meta', '?id=2&include=meta'],
    ['URLSearchParams', (config: InternalAxiosRequestConfig) => {
      (config.params as URLSearchParams).append('sig', 'S');
    }, '?id=1&sig=S', '?id=2&sig=S'],
  ])('adds what an app interceptor adds to %s of params in place once, on the retry and on a request held during the refresh', async (kind, add, first, held) => {
    const { api } = probeApp(server, {}, { responseInterceptor });
    api.interceptors.request.use((config) => {
      add(config);
      return config;
    });
    const params = (id: number) => (kind === 'URLSearchParams' ? new URLSearchParams({ id: String(id) }) : { id: String(id) });
    const callers = [params(1), params(2)] as const;
    server.expire();
    const release = server.holdRefresh();
    const one = api.get('/api/one', { params: callers[0] });
    while (server.hits.filter((h) => h.path === '/refresh').length === 0) await new Promise((r) => setTimeout(r, 5));
    const two = api.get('/api/two', { params: callers[1] });
    await new Promise((r) => setTimeout(r, 50));
    release();
    await within(Promise.all([one, two]));
    expect(server.api().map((h) => `${h.status} ${h.url}`).sort()).toEqual([`200 /api/one${first}`, `200 /api/two${held}`, `401 /api/one${first}`]);
    // What the caller gave is changed as plain axios changes it: an object not at all (axios
    // copies it for each request), URLSearchParams once (axios passes them on as they are).
    expect(callers.map((given) => new URLSearchParams(given as Record<string, string>).toString())).toEqual(
      kind === 'URLSearchParams' ? ['id=1&sig=S', 'id=2&sig=S'] : ['id=1', 'id=2'],
    );
  });

  it('sends no duplicated headers on the retry', async () => {
    const { api } = probeApp(server, { headers: { common: { 'X-App': 'a' } } }, { responseInterceptor });
    server.expire();
    await within(api.post('/api/h', { a: 1 }, { headers: new axios.AxiosHeaders({ 'X-Req': 'r', accept: 'application/json' }) }));
    const [first, second] = server.api('/api/h');
    for (const name of ['authorization', 'x-app', 'x-req', 'accept', 'content-type', 'content-length', 'user-agent']) {
      expect([name, headerCount(second!, name)]).toEqual([name, headerCount(first!, name)]);
    }
    expect(second!.auth).toBe(`Bearer ${server.access}`);
  });
});
