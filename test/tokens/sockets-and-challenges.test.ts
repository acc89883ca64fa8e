import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bearer,
  challengeOf,
  createRefreshInterceptor,
  getAccessToken,
  isRefreshFailedError,
  isSessionExpiredError,
  jwtExpiry,
  parseChallenges,
  wwwAuthenticate,
} from '../../src/index.js';
import type { RefreshSession } from '../../src/index.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';

let server: JwtServer;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  server = await startJwtServer();
});
afterEach(async () => {
  await server.close();
  for (const c of closers.splice(0)) await c();
});

function app() {
  const state = { tokens: server.logIn(), ended: [] as unknown[] } as { tokens: Tokens; session: RefreshSession; api: ReturnType<typeof axios.create>; ended: unknown[] };
  state.api = axios.create({ baseURL: server.url });
  state.session = createRefreshInterceptor(state.api, {
    refresh: async ({ client }) => {
      state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh })).data;
    },
    onSessionExpired: (e) => {
      state.ended.push(e);
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
  }).session;
  return state;
}

describe('getAccessToken by many sockets at once', () => {
  it('a socket connecting while a refresh started by a 401 is in flight waits for it, as a request does, and gets the new token', async () => {
    const state = app();
    const old = state.tokens.access;
    server.revoke();
    const gate = server.hold('/refresh');
    const req = state.api.get('/tasks');
    await server.arrived('/refresh', 1);
    expect(state.session.state).toBe('refreshing');
    // A request started now waits for the refresh (README: held requests).
    const held = state.api.get('/tasks');
    const sockets = Array.from({ length: 20 }, () => getAccessToken(state.session));
    gate.open();
    const tokens = await Promise.all(sockets);
    expect((await req).status).toBe(200);
    expect((await held).status).toBe(200);
    expect(server.count('/tasks', 401)).toBe(1);
    expect(server.count('/refresh')).toBe(1);
    expect(tokens.filter((t) => t === old)).toHaveLength(0);
  });

  it('20 sockets connecting while a refresh is in flight that the server then rejects: all SessionExpiredError, one refresh, onSessionExpired once', async () => {
    const state = app();
    server.revoke();
    const gate = server.hold('/refresh');
    state.tokens = { ...state.tokens, refresh: 'unknown' };
    const req = state.api.get('/tasks').catch((e: unknown) => e);
    await server.arrived('/refresh', 1);
    const sockets = Array.from({ length: 20 }, () => getAccessToken(state.session).catch((e: unknown) => e));
    gate.open();
    const results = await Promise.all(sockets);
    expect(isSessionExpiredError(await req)).toBe(true);
    expect(server.count('/refresh')).toBe(1);
    expect(state.ended).toHaveLength(1);
    expect(results.map((r) => (isSessionExpiredError(r) ? 'expired' : 'a token'))).toEqual(Array(20).fill('expired'));
  });

  it('20 sockets with the refused token during a cooldown: RefreshFailedError, no refresh; then one refresh after it', async () => {
    const state = app();
    const refused = state.tokens.access;
    server.revoke();
    server.failOnce('/refresh', 503);
    const first = await getAccessToken(state.session, { refused }).catch((e: unknown) => e);
    expect(isRefreshFailedError(first)).toBe(true);
    const during = await Promise.all(Array.from({ length: 20 }, () => getAccessToken(state.session, { refused }).catch((e: unknown) => e)));
    expect(during.every(isRefreshFailedError)).toBe(true);
    expect(server.count('/refresh')).toBe(1);
    const retryAt = (first as { retryAt: number }).retryAt;
    await new Promise((r) => setTimeout(r, Math.max(0, retryAt - Date.now()) + 20));
    const after = await Promise.all(Array.from({ length: 20 }, () => getAccessToken(state.session, { refused })));
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(refused);
    expect(server.count('/refresh')).toBe(2);
  });
});

async function challengeServer(lines: string[], status = 401) {
  let refreshes = 0;
  let hits = 0;
  const srv = http.createServer((req, res) => {
    if (req.url === '/refresh') {
      refreshes += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    hits += 1;
    res.setHeader('www-authenticate', lines);
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { srv.closeAllConnections(); srv.close(() => { r(); }); }));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, refreshes: () => refreshes, hits: () => hits };
}

describe('WWW-Authenticate as servers write it', () => {
  const cases: Array<[string, string[], number, string]> = [
    ['two header lines, step-up on the second', ['Basic realm="x"', 'Bearer error="insufficient_user_authentication", acr_values="phr"'], 401, 'insufficient_user_authentication'],
    ['DPoP and Bearer, scope missing', ['DPoP algs="ES256 PS256"', 'Bearer realm="api", error="insufficient_scope", scope="read write"'], 403, 'insufficient_scope'],
    ['quoted commas before the error', ['Bearer realm="a, b", error_description="needs, more", error="insufficient_scope"'], 401, 'insufficient_scope'],
    ['unquoted error with spaces around =', ['Bearer error = insufficient_scope'], 401, 'insufficient_scope'],
    ['upper-case scheme and param names', ['BEARER ERROR="insufficient_user_authentication", MAX_AGE=5'], 401, 'insufficient_user_authentication'],
    ['Negotiate token68 then Bearer', ['Negotiate abc+/==', 'Bearer error="insufficient_scope"'], 401, 'insufficient_scope'],
  ];
  for (const [name, lines, status, error] of cases) {
    it(`${name}: no refresh, the caller gets the ${status} with the challenge`, async () => {
      const s = await challengeServer(lines, status);
      const api = axios.create({ baseURL: s.url });
      let ended = 0;
      createRefreshInterceptor(api, {
        refresh: ({ client }) => client.post('/refresh'),
        onSessionExpired: () => { ended += 1; },
        challenges: wwwAuthenticate(),
        shouldRefresh: (e) => e.response?.status === 401 || e.response?.status === 403,
      });
      const failure = await api.get('/x').catch((e: unknown) => e);
      expect((failure as { response?: { status?: number } }).response?.status).toBe(status);
      expect(challengeOf(failure)?.error).toBe(error);
      expect(s.refreshes()).toBe(0);
      expect(s.hits()).toBe(1);
      expect(ended).toBe(0);
    });
  }

  it('invalid_token with error_description: refreshes once, retries once, then the 401 as it is', async () => {
    const s = await challengeServer(['Bearer error="invalid_token", error_description="The access token expired"']);
    const api = axios.create({ baseURL: s.url });
    createRefreshInterceptor(api, { refresh: ({ client }) => client.post('/refresh'), challenges: wwwAuthenticate() });
    const failure = await api.get('/x').catch((e: unknown) => e);
    expect((failure as { response?: { status?: number } }).response?.status).toBe(401);
    expect(s.refreshes()).toBe(1);
    expect(s.hits()).toBe(2);
  });

  it('parses a malformed header without throwing', () => {
    for (const h of ['Bearer error="insufficient_scope', '"', '=,=,=', 'Bearer ,,, error', 'Bearer realm=', ',,,', 'a'.repeat(10000) + '=' + '"'.repeat(3)]) {
      expect(() => parseChallenges(h)).not.toThrow();
    }
  });
});
