import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ky, { HTTPError } from 'ky';
import createClient from 'openapi-fetch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession, isRefreshFailedError } from '../../src/fetch.js';
import type { FetchLike } from '../../src/fetch.js';

/**
 * An API with a rotating refresh token: `/refresh` answers `refreshPlan` in turn (a 200 rotates),
 * anything else 200 to the current access token and 401 otherwise.
 */
interface Api {
  url: string;
  access: string;
  refresh: string;
  refreshPlan: number[];
  refreshDelay: number;
  refreshes: Array<{ presented: string; status: number }>;
  concurrent: number;
  maxConcurrent: number;
  calls: Array<{ path: string; auth: string | undefined; status: number; body: string }>;
  close(): Promise<void>;
}

async function api(): Promise<Api> {
  let generation = 0;
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/refresh') {
        state.concurrent += 1;
        state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
        await new Promise((r) => setTimeout(r, state.refreshDelay));
        state.concurrent -= 1;
        const presented = (JSON.parse(body || '{}') as { refresh?: string }).refresh ?? '';
        let status = state.refreshPlan.shift() ?? 200;
        if (status === 200 && presented !== state.refresh) status = 401;
        state.refreshes.push({ presented, status });
        if (status !== 200) {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end('{}');
          return;
        }
        generation += 1;
        state.access = `a${generation}`;
        state.refresh = `r${generation}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access: state.access, refresh: state.refresh }));
        return;
      }
      const status = req.headers.authorization === `Bearer ${state.access}` ? 200 : 401;
      state.calls.push({ path: req.url ?? '', auth: req.headers.authorization, status, body });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status, auth: req.headers.authorization ?? null }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: Api = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    access: 'a0',
    refresh: 'r0',
    refreshPlan: [],
    refreshDelay: 10,
    refreshes: [],
    concurrent: 0,
    maxConcurrent: 0,
    calls: [],
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
  return state;
}

let server: Api;
beforeEach(async () => {
  server = await api();
});
afterEach(async () => {
  await server.close();
});

interface AppOptions {
  refresh?: (tokens: { access: string; refresh: string }, signal: AbortSignal) => Promise<unknown>;
  refreshTimeout?: number;
  fetchLike?: FetchLike;
}

function app(options: AppOptions = {}): { authFetch: typeof fetch; tokens: { access: string; refresh: string } } {
  const tokens = { access: 'a0', refresh: 'r0' };
  const plain = async (t: typeof tokens, signal: AbortSignal): Promise<unknown> => {
    const res = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: t.refresh }), signal });
    if (!res.ok) return res;
    Object.assign(t, (await res.json()) as typeof t);
    return undefined;
  };
  const session = createRefreshSession({
    refresh: ({ signal }) => (options.refresh ?? plain)(tokens, signal),
    accessToken: bearer(() => tokens.access),
    credentialOrigins: [server.url],
    ...(options.refreshTimeout === undefined ? {} : { refreshTimeout: options.refreshTimeout }),
  });
  server.access = 'expired';
  return { authFetch: createRefreshFetch(options.fetchLike ?? fetch, { session }), tokens };
}

describe('ky and openapi-fetch response processing around the library', () => {
  it('ky: an afterResponse hook that throws on a non-ok answer sees only the retry', async () => {
    const { authFetch } = app();
    const seen: number[] = [];
    const http = ky.create({
      prefixUrl: server.url,
      fetch: authFetch,
      hooks: {
        afterResponse: [
          (_request, _options, response) => {
            seen.push(response.status);
            if (!response.ok) throw new Error(`hook: ${response.status}`);
          },
        ],
      },
    });
    const body = await http.get('api/x').json();
    expect(body).toMatchObject({ status: 200, auth: 'Bearer a1' });
    expect(seen).toEqual([200]);
    expect(server.refreshes).toEqual([{ presented: 'r0', status: 200 }]);
  });

  it('openapi-fetch: an onResponse that throws on 401, replaces it or reads its body sees only the retry', async () => {
    const { authFetch } = app();
    const client = createClient<Record<string, never>>({ baseUrl: server.url, fetch: authFetch });
    const seen: Array<[number, unknown]> = [];
    client.use({
      async onResponse({ response }) {
        seen.push([response.status, await response.clone().json()]);
        if (response.status === 401) throw new Error('middleware: 401');
        return new Response(JSON.stringify({ replaced: true }), { status: response.status, headers: response.headers });
      },
    });
    const { data, response } = await (client as unknown as { GET(path: string): Promise<{ data: unknown; response: Response }> }).GET('/api/y');
    expect(response.status).toBe(200);
    expect(data).toEqual({ replaced: true });
    expect(seen).toEqual([[200, { status: 200, auth: 'Bearer a1' }]]);
    expect(server.refreshes.length).toBe(1);
  });

  it('a wrapped function that throws on a 401 (ky as the fetchLike) hides the 401: nothing refreshes', async () => {
    const fetchLike: FetchLike = (input, init) => ky(input, { ...init, retry: 0 });
    const { authFetch } = app({ fetchLike });
    const error = await authFetch(`${server.url}/api/z`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HTTPError);
    expect(server.calls.map((c) => c.status)).toEqual([401]);
    expect(server.refreshes).toEqual([]);
  });

  it('ky with throwHttpErrors: false as the fetchLike: refreshes once and sends the retry', async () => {
    const fetchLike: FetchLike = (input, init) => ky(input, { ...init, retry: 0, throwHttpErrors: false });
    const { authFetch } = app({ fetchLike });
    const res = await authFetch(`${server.url}/api/z`);
    expect(res.status).toBe(200);
    expect(server.calls.map((c) => [c.auth, c.status])).toEqual([
      ['Bearer a0', 401],
      ['Bearer a1', 200],
    ]);
  });
});

describe('ky retry and a refresh the server answers 503', () => {
  const kyRefresh =
    (passSignal: boolean) =>
    async (tokens: { access: string; refresh: string }, signal: AbortSignal): Promise<unknown> => {
      const fresh = await ky
        .post(`${server.url}/refresh`, {
          json: { refresh: tokens.refresh },
          retry: { limit: 2, methods: ['post'], statusCodes: [503], delay: () => 60 },
          ...(passSignal ? { signal } : {}),
        })
        .json<typeof tokens>();
      Object.assign(tokens, fresh);
      return undefined;
    };

  it("ky's retries inside refresh: one refresh call out at a time, the rotated token presented once", async () => {
    server.refreshPlan = [503, 503, 200];
    const { authFetch } = app({ refresh: kyRefresh(true) });
    const results = await Promise.all([1, 2, 3].map((i) => authFetch(`${server.url}/api/${i}`).then((r) => r.status)));
    expect(results).toEqual([200, 200, 200]);
    expect(server.refreshes).toEqual([
      { presented: 'r0', status: 503 },
      { presented: 'r0', status: 503 },
      { presented: 'r0', status: 200 },
    ]);
    expect(server.maxConcurrent).toBe(1);
  });

  it('ky retries outlasting refreshTimeout, its signal not passed: waiters fail, no second refresh while it is out', async () => {
    server.refreshPlan = [503, 503, 200];
    const { authFetch } = app({ refresh: kyRefresh(false), refreshTimeout: 50 });
    const first = await authFetch(`${server.url}/api/1`).then(
      (r) => r.status,
      (e: unknown) => (isRefreshFailedError(e) ? 'RefreshFailedError' : e),
    );
    expect(first).toBe('RefreshFailedError');
    // A 401 while ky still retries the first refresh.
    const second = authFetch(`${server.url}/api/2`).then(
      (r) => r.status,
      (e: unknown) => (isRefreshFailedError(e) ? 'RefreshFailedError' : e),
    );
    await new Promise((r) => setTimeout(r, 400));
    await second;
    // Later calls use the rotated token.
    expect((await authFetch(`${server.url}/api/3`)).status).toBe(200);
    expect(server.maxConcurrent).toBe(1);
    expect(server.refreshes.filter((r) => r.status === 200)).toHaveLength(1);
    expect(server.refreshes.every((r) => r.presented === 'r0')).toBe(true);
  });

  it('ky retries a GET whose refresh failed with 503: how many refresh calls one call makes', async () => {
    server.refreshPlan = [503, 503, 503, 503, 503];
    const { authFetch } = app();
    const http = ky.create({ prefixUrl: server.url, fetch: authFetch, retry: { limit: 2 } });
    const error = await http.get('api/g').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRefreshFailedError(error)).toBe(true);
    // ky's delays (300 ms, 600 ms) outlast the cooldown (125-250 ms, then 250-500 ms): each retry refreshes.
    expect({ refreshes: server.refreshes.length, calls: server.calls.length }).toEqual({ refreshes: 3, calls: 3 });
  });
});
