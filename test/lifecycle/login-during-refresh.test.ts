/**
 * A log-in sent while a refresh is out (the auth server is slow) and the refresh then rejected.
 * README: "A log-in makes it live again: a request with `{ skipAuthRefresh: true }` that succeeds
 * and is not a GET"; docs/session-states.md: "ended --> live: a log-in (... a skipAuthRefresh POST
 * that succeeds ...)".
 */
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isSessionExpiredError } from '../../src/index.js';
import { probeApp, startProbeServer } from './helpers/slow-auth.js';
import { gate, until } from '../helpers/gate.js';
import type { ProbeServer } from './helpers/slow-auth.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';

let server: ProbeServer;
beforeEach(async () => {
  server = await startProbeServer();
});
afterEach(async () => {
  await server.close();
});

/** The README's "token in api.defaults.headers.common.Authorization" app: not a bearer session. */
function defaultsApp() {
  const api = axios.create({ baseURL: server.apiUrl });
  let refreshToken = server.refresh;
  api.defaults.headers.common.Authorization = `Bearer ${server.access}`;
  let expired = 0;
  const { session } = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string; refresh: string }>(`${server.authUrl}/refresh`, { refresh: refreshToken });
      refreshToken = data.refresh;
      api.defaults.headers.common.Authorization = `Bearer ${data.access}`;
    },
    onSessionExpired: () => {
      expired += 1;
    },
  });
  return {
    api,
    session,
    expired: () => expired,
    async logIn() {
      const { data } = await api.post<{ access: string; refresh: string }>('/login', {}, { skipAuthRefresh: true });
      refreshToken = data.refresh;
      api.defaults.headers.common.Authorization = `Bearer ${data.access}`;
    },
  };
}

describe('a log-in that succeeds after the session ended', () => {
  it('makes the session live again when the log-in was sent while the rejected refresh was out (token in defaults)', async () => {
    const app = defaultsApp();
    server.expireAccess();
    server.revokeRefresh(); // the refresh token is dead: the user has to log in
    // A slow auth server: the refresh and the log-in are answered when the test says.
    const refreshed = gate();
    const loggedIn = gate();
    server.behaviour = () => ({ kind: 'gated', gate: refreshed.promise });
    server.loginGate = loggedIn.promise;
    const first = app.api.get('/api/a').catch((e: unknown) => e);
    await until(() => server.refreshes.length === 1);
    expect(app.session.state).toBe('refreshing');
    const login = app.logIn(); // the user logs in meanwhile
    await until(() => server.logins === 1);
    refreshed.open();
    expect(isSessionExpiredError(await first)).toBe(true); // the refresh is rejected first
    expect(app.session.state).toBe('ended');
    expect(app.expired()).toBe(1);
    loggedIn.open();
    await login; // ... and the log-in succeeds after the end

    // The new access token expires: the session should refresh with the new refresh token.
    server.behaviour = () => ({ kind: 'ok' });
    server.expireAccess();
    const later = await app.api.get('/api/b').then(
      (r) => r.status,
      (e: unknown) => (isSessionExpiredError(e) ? 'SessionExpiredError' : String(e)),
    );
    expect(later).toBe(200);
    expect(server.refreshes.map((r) => r.status)).toEqual([401, 200]);
    expect(app.expired()).toBe(1);
  });

  it('makes the session live again when the log-in was sent while the rejected refresh was out (bearer, log-in answered first)', async () => {
    const app = probeApp(server);
    server.expireAccess();
    const refreshed = gate();
    server.behaviour = () => ({ kind: 'gated', gate: refreshed.promise });
    const first = app.api.get('/api/a').catch((e: unknown) => e);
    await until(() => server.refreshes.length === 1);
    expect(app.session.state).toBe('refreshing');
    await app.logIn(); // answered at once: new tokens, the old refresh token is rotated out
    refreshed.open();
    // The refresh from before the log-in is rejected; the request that waited for it is sent
    // again with the log-in's token, and nobody is logged out.
    expect(await first).toMatchObject({ status: 200 });
    expect(app.expired()).toBe(0);
    expect(server.refreshes.map((r) => r.status)).toEqual([401]);
    server.behaviour = () => ({ kind: 'ok' });
    server.expireAccess();
    const later = await app.api.get('/api/b').then(
      (r) => r.status,
      (e: unknown) => (isSessionExpiredError(e) ? 'SessionExpiredError' : String(e)),
    );
    expect(later).toBe(200);
  });
});

describe('bearer, log-in answered after the end (holds: a new token revives the session)', () => {
  it('a bearer session is live again when a log-in sent during the refresh succeeds after the end', async () => {
    const app = probeApp(server);
    server.expireAccess();
    server.revokeRefresh();
    const refreshed = gate();
    const loggedIn = gate();
    server.behaviour = () => ({ kind: 'gated', gate: refreshed.promise });
    server.loginGate = loggedIn.promise;
    const first = app.api.get('/api/a').catch((e: unknown) => e);
    await until(() => server.refreshes.length === 1);
    const login = app.logIn();
    await until(() => server.logins === 1);
    refreshed.open();
    expect(isSessionExpiredError(await first)).toBe(true);
    loggedIn.open();
    await login;
    expect(app.session.state).toBe('live');
    server.behaviour = () => ({ kind: 'ok' });
    server.expireAccess();
    expect((await app.api.get('/api/b')).status).toBe(200);
    expect(app.expired()).toBe(1);
  });
});

/** The README's cookie quick start in Node: one cookie jar on the instance, against `auth`. */
async function cookieQuickStart(auth: AuthServer) {
  const { HttpCookieAgent } = await import('http-cookie-agent/http');
  const { CookieJar } = await import('tough-cookie');
  const jar = new CookieJar();
  const api = axios.create({ baseURL: auth.url, withCredentials: true, httpAgent: new HttpCookieAgent({ cookies: { jar } }) });
  let expired = 0;
  const { session } = createRefreshInterceptor(api, {
    refresh: ({ client }) => client.post('/refresh'),
    onSessionExpired: () => {
      expired += 1;
    },
  });
  return { api, session, expired: () => expired };
}

describe('the README cookie quick start in Node (http-cookie-agent)', () => {
  it('a log-in sent before the refresh started and answered while it is out: the refresh\'s rejection ends nothing, and the waiting request goes out with the log-in\'s cookies', async () => {
    const auth = await startAuthServer();
    try {
      const { api, session, expired } = await cookieQuickStart(auth);
      await api.post('/login', {}, { skipAuthRefresh: true });
      auth.expireAccess();
      // The user logs in on a slow network: the log-in leaves with the session live and no refresh
      // out, and reaches the server only once a refresh has started with the old cookie.
      const loginGoes = gate();
      const http = axios.getAdapter('http');
      const login = api.post('/login', {}, {
        skipAuthRefresh: true,
        adapter: async (config) => {
          await loginGoes.promise;
          return http(config);
        },
      });
      const refreshGate = auth.hold('/refresh');
      const first = api.get('/api/a').catch((e: unknown) => e);
      await auth.arrived('/refresh', 1);
      loginGoes.open();
      expect((await login).status).toBe(200);
      expect(session.state).toBe('refreshing');
      refreshGate.open(); // the old refresh token it presented was replaced by the log-in: rejected

      expect(await first).toMatchObject({ status: 200 });
      expect(expired()).toBe(0);
      expect(session.state).toBe('live');
      expect(auth.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([401]);
      expect(auth.seen.filter((r) => r.path === '/api/a').map((r) => [r.status, r.token])).toEqual([
        [401, 'access-1'],
        [200, 'access-2'],
      ]);
    } finally {
      await auth.close();
    }
  });

  it('a log-in sent while the refresh was out and answered after the session ended makes the session live again', async () => {
    const auth = await startAuthServer();
    try {
      const { api, session, expired } = await cookieQuickStart(auth);
      // Logged in once: cookies in the jar.
      await api.post('/login', {}, { skipAuthRefresh: true });
      auth.expireAccess();
      auth.refreshMode = 'reject'; // the refresh token is dead: the user must log in
      const refreshGate = auth.hold('/refresh');
      const first = api.get('/api/a').catch((e: unknown) => e);
      await auth.arrived('/refresh', 1);
      // The user logs in meanwhile; the log-in is slow on the wire (it reaches the server only
      // once the refresh has been rejected), as on a slow network.
      let loginReachedServer = 0;
      const http = axios.getAdapter('http');
      const login = api.post('/login', {}, {
        skipAuthRefresh: true,
        adapter: async (config) => {
          await until(() => session.state === 'ended');
          loginReachedServer = Date.now();
          return http(config);
        },
      });
      refreshGate.open(); // the refresh is rejected: the session ends, onSessionExpired runs
      expect(isSessionExpiredError(await first)).toBe(true);
      expect(session.state).toBe('ended');
      expect(expired()).toBe(1);
      expect((await login).status).toBe(200); // then the log-in succeeds
      expect(loginReachedServer).toBeGreaterThan(0);
      const stateAfterLogin = session.state;

      auth.refreshMode = 'rotate';
      auth.expireAccess();
      const later = await api.get('/api/b').then(
        (r) => r.status,
        (e: unknown) => (isSessionExpiredError(e) ? 'SessionExpiredError' : String(e)),
      );
      expect(stateAfterLogin).toBe('live');
      expect(later).toBe(200);
      expect(auth.refreshCalls()).toBe(2);
    } finally {
      await auth.close();
    }
  });
});
