import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/** A fetch-only app on a bearer session whose access token has expired. */
function app(): { authFetch: typeof fetch; refreshes: () => number } {
  const store = { access: server.access, refresh: server.refresh };
  let refreshes = 0;
  const session = createRefreshSession({
    refresh: async ({ signal }) => {
      refreshes += 1;
      const res = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: store.refresh }), signal });
      if (!res.ok) return res;
      Object.assign(store, (await res.json()) as typeof store);
      return undefined;
    },
    accessToken: bearer(() => store.access),
    credentialOrigins: [server.url],
  });
  server.expireAccess();
  return { authFetch: createRefreshFetch(fetch, { session }), refreshes: () => refreshes };
}

const attempts = (path: string): Array<[string, string | undefined, number, string, string | undefined]> =>
  server.seen.filter((r) => r.path === path).map((r) => [r.method, r.token, r.status, r.body, r.headers.authorization]);

describe('Request objects, URL inputs and header shapes', () => {
  it('sends a POST Request with a string body again with the same body', async () => {
    const { authFetch } = app();
    const res = await authFetch(new Request(`${server.url}/api/r`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }));
    expect(res.status).toBe(200);
    expect(attempts('/api/r')).toEqual([
      ['POST', 'access-0', 401, 'x', 'Bearer access-0'],
      ['POST', 'access-1', 200, 'x', 'Bearer access-1'],
    ]);
  });

  it('sends a Request with a duplex half stream body again with the same bytes', async () => {
    const { authFetch } = app();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk-1,'));
        controller.enqueue(new TextEncoder().encode('chunk-2'));
        controller.close();
      },
    });
    const request = new Request(`${server.url}/api/s`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    const res = await authFetch(request);
    expect(res.status).toBe(200);
    expect(attempts('/api/s').map((a) => [a[2], a[3]])).toEqual([
      [401, 'chunk-1,chunk-2'],
      [200, 'chunk-1,chunk-2'],
    ]);
  });

  it('keeps a Request signal: aborting while held rejects with its reason', async () => {
    const { authFetch } = app();
    const gate = server.hold('/refresh');
    const controller = new AbortController();
    const call = authFetch(new Request(`${server.url}/api/sig`, { signal: controller.signal }));
    await server.arrived('/refresh', 1);
    controller.abort(new Error('gone'));
    await expect(call).rejects.toThrow('gone');
    gate.open();
  });

  it('takes a URL object as input', async () => {
    const { authFetch } = app();
    const res = await authFetch(new URL(`${server.url}/api/u?q=1`));
    expect(res.status).toBe(200);
    expect(attempts('/api/u').map((a) => a[2])).toEqual([401, 200]);
  });

  const shapes: Array<[string, () => HeadersInit]> = [
    ['a Headers instance', () => new Headers({ 'x-app': '1' })],
    ['an array of pairs', () => [['x-app', '1']]],
    ['a record', () => ({ 'x-app': '1' })],
    ['a Headers instance with the stale token', () => new Headers({ 'x-app': '1', Authorization: 'Bearer access-0' })],
    ['an array of pairs with the stale token', () => [['x-app', '1'], ['authorization', 'Bearer access-0']]],
    ['a record with the stale token', () => ({ 'x-app': '1', authorization: 'Bearer access-0' })],
  ];
  for (const [name, headers] of shapes) {
    it(`sets one bearer header with init.headers as ${name}`, async () => {
      const { authFetch } = app();
      const res = await authFetch(`${server.url}/api/h`, { headers: headers() });
      expect(res.status).toBe(200);
      const seen = server.seen.filter((r) => r.path === '/api/h');
      expect(seen.map((r) => [r.headers.authorization, r.headers['x-app'], r.status])).toEqual([
        ['Bearer access-0', '1', 401],
        ['Bearer access-1', '1', 200],
      ]);
    });
  }

  it('keeps a Request own headers with the bearer token set once', async () => {
    const { authFetch } = app();
    const request = new Request(`${server.url}/api/rh`, { headers: { 'x-app': '1', Authorization: 'Bearer access-0' } });
    const res = await authFetch(request);
    expect(res.status).toBe(200);
    const seen = server.seen.filter((r) => r.path === '/api/rh');
    expect(seen.map((r) => [r.headers.authorization, r.headers['x-app'], r.status])).toEqual([
      ['Bearer access-0', '1', 401],
      ['Bearer access-1', '1', 200],
    ]);
  });

  it('rejects a Request whose body was read with fetch TypeError, refreshing nothing', async () => {
    const { authFetch, refreshes } = app();
    const request = new Request(`${server.url}/api/used`, { method: 'POST', body: 'x' });
    await request.text();
    await expect(authFetch(request)).rejects.toBeInstanceOf(TypeError);
    expect(refreshes()).toBe(0);
  });
});
