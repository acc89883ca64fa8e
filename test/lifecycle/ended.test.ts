import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, expiry, isSessionExpiredError } from '../../src/index.js';
import type { RefreshSession } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';
import { lifeApp } from './helpers/life-app.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
});
afterEach(async () => {
  await server.close();
});

/** Ends the session the way a dead refresh token does: one 401, one rejected refresh. */
async function endSession(api: AxiosInstance): Promise<void> {
  server.expireAccess();
  server.revokeRefresh();
  expect(isSessionExpiredError(await rejection(api.get('/api/first')))).toBe(true);
}

describe('ended stays ended', () => {
  it('rejects every later 401 at once with SessionExpiredError: one refresh and one onSessionExpired for any number of rounds', async () => {
    const app = lifeApp(server);
    await endSession(app.api);

    for (let round = 0; round < 4; round += 1) {
      const errors = await Promise.all(Array.from({ length: 5 }, (_, i) => rejection(app.api.get(`/api/${round}/${i}`))));
      for (const error of errors) {
        expect(isSessionExpiredError(error)).toBe(true);
        expect(error.response?.status).toBe(401);
      }
    }
    await turns(5);

    expect(server.refreshCalls()).toBe(1);
    expect(app.expired()).toBe(1);
    expect(app.events.filter((e) => e.type === 'session-ended')).toHaveLength(1);
    expect(app.session.state).toBe('ended');
    // Each request reached the server once: none was sent again.
    expect(server.count('/api/', 401)).toBe(21);
  });

  it('rejects a 401 through createRefreshFetch at once after the axios side ended the session', async () => {
    const app = lifeApp(server);
    await endSession(app.api);

    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => app.authFetch(`${server.url}/api/f/${i}`)));

    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') expect(isSessionExpiredError(result.reason)).toBe(true);
    }
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api/f/', 401)).toBe(5);
    await turns(5);
    expect(app.expired()).toBe(1);
  });

  it('does not refresh ahead of expiry on an ended session: requests go out as they are', async () => {
    const app = lifeApp(server, { expiresAt: expiry(() => Date.now() - 1) });
    server.expireAccess();
    server.revokeRefresh();
    await rejection(app.api.get('/api/first'));
    expect(server.refreshCalls()).toBe(1);

    const error = await rejection(app.api.get('/api/second'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(server.count('/api/second', 401)).toBe(1);
    expect(server.refreshCalls()).toBe(1);
  });
});

describe('live again after a log-in', () => {
  it('is live again after a log-in sent with skipAuthRefresh succeeds, and the next expiry refreshes once', async () => {
    const app = lifeApp(server);
    await endSession(app.api);
    await app.logIn();

    expect(app.session.state).toBe('live');
    await expect(app.api.get('/api/after-login')).resolves.toMatchObject({ status: 200 });
    server.expireAccess();
    await expect(app.api.get('/api/expired-again')).resolves.toMatchObject({ status: 200 });

    expect(server.refreshStatuses()).toEqual([401, 200]);
    expect(server.reused()).toBe(0);
    expect(app.expired()).toBe(1);
    expect(app.events.map((e) => e.type)).toContain('session-began');
  });

  /** A session without `accessToken`: the app sets the header, so only a seen log-in can revive it. */
  function headerApp(): { api: AxiosInstance; session: RefreshSession; store: { access: string; refresh: string } } {
    const store = { access: server.access, refresh: server.refresh };
    const api = axios.create({ baseURL: server.url });
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${store.access}`);
      return config;
    });
    const { session } = createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        Object.assign(store, (await client.post<typeof store>('/refresh', { refresh: store.refresh })).data);
      },
    });
    return { api, session, store };
  }

  it('stays ended after a skipAuthRefresh GET succeeds: a probe or a public page is no log-in', async () => {
    const { api, session } = headerApp();
    await endSession(api);

    await api.get('/login', { skipAuthRefresh: true });

    expect(session.state).toBe('ended');
  });

  it('is live again after a skipAuthRefresh POST succeeds, for a session whose header the app sets itself', async () => {
    const { api, session, store } = headerApp();
    await endSession(api);

    Object.assign(store, (await api.post<typeof store>('/login', null, { skipAuthRefresh: true })).data);
    server.expireAccess();
    const response = await api.get('/api/again');

    expect(session.state).toBe('live');
    expect(response.status).toBe(200);
    expect(server.refreshStatuses()).toEqual([401, 200]);
  });

  it('is live again when accessToken gives a token other than the refused one, with no other call', async () => {
    const app = lifeApp(server);
    await endSession(app.api);
    // Another library logged the user in and stored its tokens.
    const { data } = await axios.post<{ access: string; refresh: string }>(`${server.url}/login`);
    Object.assign(app.tokens, data);

    expect(app.session.state).toBe('live');
    await expect(app.api.get('/api/mine')).resolves.toMatchObject({ status: 200 });
  });

  it('stays ended when the app clears its tokens in onSessionExpired', async () => {
    const app = lifeApp(server, {
      onSessionExpired: () => {
        app.tokens.access = '';
      },
    });
    await endSession(app.api);

    expect(isSessionExpiredError(await rejection(app.api.get('/api/cleared')))).toBe(true);
    expect(app.session.state).toBe('ended');
    expect(server.refreshCalls()).toBe(1);
  });

  it('is live again after session.begin(), for a log-in the library cannot see, and a fetch-only app refreshes again', async () => {
    let expired = 0;
    const store = { refresh: server.refresh, access: server.access };
    const { session } = createRefreshInterceptor(axios.create({ baseURL: server.url }), {
      refresh: async ({ client }) => {
        Object.assign(store, (await client.post<typeof store>('/refresh', { refresh: store.refresh })).data);
      },
      onSessionExpired: () => {
        expired += 1;
      },
    });
    const authFetch = createRefreshFetch((input, init) => fetch(input, { ...init, headers: { authorization: `Bearer ${store.access}` } }), { session });
    server.expireAccess();
    server.revokeRefresh();
    await expect(authFetch(`${server.url}/api/one`)).rejects.toSatisfy(isSessionExpiredError);
    await expect(authFetch(`${server.url}/api/two`)).rejects.toSatisfy(isSessionExpiredError);
    expect(server.refreshCalls()).toBe(1);

    // The SSO callback page stored new tokens.
    Object.assign(store, (await axios.post<typeof store>(`${server.url}/login`)).data);
    session.begin();
    server.expireAccess();

    expect((await authFetch(`${server.url}/api/three`)).status).toBe(200);
    expect(server.refreshStatuses()).toEqual([401, 200]);
    await turns(5);
    expect(expired).toBe(1);
  });

  it('counts a log-in whose answer comes back after its instance was ejected, on the session the others share', async () => {
    const app = lifeApp(server);
    const other = axios.create({ baseURL: server.url });
    const attached = createRefreshInterceptor(other, { session: app.session });
    await endSession(app.api);
    const gate = server.hold('/login');
    const login = other.post('/login', null, { skipAuthRefresh: true });
    await turns(10);
    attached.eject();
    gate.open();
    await login;

    expect(app.session.state).toBe('live');
  });

  it('retries once without refreshing a 401 for a request sent before the log-in', async () => {
    const app = lifeApp(server);
    await endSession(app.api);
    const gate = server.hold('/api/slow');
    const slow = app.api.get('/api/slow');
    await turns(10);
    await app.logIn();
    gate.open();

    await expect(slow).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api/slow')).toBe(2);
  });
});
