import axios from 'axios';
import { createRefreshInterceptor, bearer as axiosBearer } from '../../src/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { answerApi, probeServer, sleep, tokenState } from './helpers/rotating-api.js';
import type { Probe, TokenState } from './helpers/rotating-api.js';

let api: Probe;
let third: Probe;
let state: TokenState;
beforeEach(async () => {
  state = tokenState();
  state.refreshDelay = 100;
  third = await probeServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('public');
  });
  api = await probeServer((req, res) => answerApi(state, req, res));
});
afterEach(async () => {
  await Promise.all([api.close(), third.close()]);
});

describe('a call to another origin made while the session refreshes', () => {
  it('is sent at once, without the session token, and resolves as its Response when the refresh is refused', async () => {
    state.refreshStatus = 401;
    const store = { access: 'stale' };
    const session = createRefreshSession({
      refresh: async ({ signal }) => {
        const res = await fetch(`${api.url}/refresh`, { method: 'POST', signal });
        if (!res.ok) return res;
        store.access = ((await res.json()) as { access: string }).access;
      },
      accessToken: bearer(() => store.access),
      credentialOrigins: [api.url],
    });
    const authFetch = createRefreshFetch(fetch, { session });
    const mine = authFetch(`${api.url}/api/me`).catch((e: unknown) => (e as { code: string }).code);
    while (!session.refreshing) await sleep(1);

    const cdn = await authFetch(`${third.url}/lib.js`).then(
      (r) => r.status,
      (e: unknown) => (e as { code?: string }).code,
    );

    expect(await mine).toBe('ERR_SESSION_EXPIRED');
    expect({ cdn, cdnSeen: third.seen.length, authorization: third.seen[0]?.headers.authorization }).toEqual({ cdn: 200, cdnSeen: 1, authorization: undefined });
  });

  it('is sent at once through an intercepted axios instance too, and resolves when the refresh is refused', async () => {
    state.refreshStatus = 401;
    const instance = axios.create({ baseURL: api.url });
    const { session } = createRefreshInterceptor(instance, {
      refresh: ({ client }) => client.post('/refresh'),
      accessToken: axiosBearer(() => 'stale'),
    });
    const mine = instance.get('/api/me').catch((e: unknown) => (e as { code: string }).code);
    while (!session.refreshing) await sleep(1);
    const cdn = await instance.get(`${third.url}/lib.js`).then(
      (r) => r.status,
      (e: unknown) => (e as { code?: string }).code,
    );
    expect(await mine).toBe('ERR_SESSION_EXPIRED');
    expect({ cdn, cdnSeen: third.seen.length, authorization: third.seen[0]?.headers.authorization }).toEqual({ cdn: 200, cdnSeen: 1, authorization: undefined });
  });
});
