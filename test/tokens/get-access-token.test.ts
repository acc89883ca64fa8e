import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  RefreshFailedError,
  SessionExpiredError,
  bearer,
  createRefreshInterceptor,
  expiry,
  getAccessToken,
  isRefreshFailedError,
  isSessionExpiredError,
  jwtExpiry,
} from '../../src/index.js';
import type { RefreshSession, SessionOptions } from '../../src/index.js';
import * as fetchSide from '../../src/fetch.js';
import { createTabSession } from '../../src/tabs.js';
import type { TabSession } from '../../src/tabs.js';
import { FakeChannels, FakeLocks } from '../helpers/fake-tabs.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';

let server: JwtServer;
beforeEach(async () => {
  server = await startJwtServer();
});
afterEach(async () => {
  await server.close();
});

interface App {
  api: AxiosInstance;
  session: RefreshSession;
  tokens: Tokens;
  ended: unknown[];
}

/** The README's bearer app: JWT access tokens, a rotating refresh token in memory. */
function app(extra: Partial<SessionOptions> = {}): App {
  const state = { tokens: server.logIn(), ended: [] as unknown[] } as App;
  state.api = axios.create({ baseURL: server.url });
  state.session = createRefreshInterceptor(state.api, {
    refresh: async ({ client }) => {
      state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh })).data;
    },
    onSessionExpired: (error) => {
      state.ended.push(error);
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
    ...extra,
  }).session;
  return state;
}

/** True when the API takes `token` now. */
async function accepted(token: string | undefined): Promise<boolean> {
  const answer = await fetch(`${server.url}/check`, { headers: { Authorization: `Bearer ${token ?? ''}` } });
  return answer.ok;
}

describe('getAccessToken on a bearer session', () => {
  it('gives the current token without a refresh while it is valid for longer than minValidity', async () => {
    const { session, tokens } = app();

    await expect(getAccessToken(session, { minValidity: 60_000 })).resolves.toBe(tokens.access);

    expect(server.count('/refresh')).toBe(0);
  });

  it('refreshes once when the token expires within minValidity, and gives the new token, which the API takes', async () => {
    const state = app();
    const before = state.tokens.access;

    // The token lives 15 minutes: asking for 20 needs a refresh.
    const token = await getAccessToken(state.session, { minValidity: 20 * 60_000 });

    expect(token).not.toBe(before);
    expect(token).toBe(state.tokens.access);
    expect(server.count('/refresh')).toBe(1);
    expect(await accepted(token)).toBe(true);
  });

  it('uses the margin of the session expiresAt part by default: 1 ms outside it, no refresh; at it, one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const state = app({ expiresAt: jwtExpiry(() => state.tokens.access, 30_000) });
      const exp = JSON.parse(Buffer.from(state.tokens.access.split('.')[1]!, 'base64url').toString()) as { exp: number };

      vi.setSystemTime(exp.exp * 1000 - 30_001);
      await getAccessToken(state.session);
      expect(server.count('/refresh')).toBe(0);

      vi.setSystemTime(exp.exp * 1000 - 30_000);
      await getAccessToken(state.session);
      expect(server.count('/refresh')).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('makes one refresh for ten calls at once that need one, and every call gets the same new token', async () => {
    const state = app();
    const gate = server.hold('/refresh');

    const calls = Array.from({ length: 10 }, () => getAccessToken(state.session, { minValidity: 20 * 60_000 }));
    await server.arrived('/refresh', 1);
    gate.open();
    const tokens = await Promise.all(calls);

    expect(new Set(tokens)).toEqual(new Set([state.tokens.access]));
    expect(server.count('/refresh')).toBe(1);
    expect(server.reused).toBe(0);
  });

  it('gives the token being replaced at once to a refresh that asks for it, instead of waiting for that refresh', async () => {
    const asked: (string | undefined)[] = [];
    const state = app({
      refresh: async ({ client }) => {
        // A helper that builds the headers of every call, the refresh's among them.
        const token = await getAccessToken(state.session);
        asked.push(token);
        state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh }, { headers: { 'X-Old-Token': token } })).data;
      },
      refreshTimeout: 60_000,
    });
    const before = state.tokens.access;
    server.revoke();

    await expect(state.api.get('/tasks')).resolves.toMatchObject({ status: 200 });
    expect(asked).toEqual([before]);
    expect(server.count('/refresh')).toBe(1);
    expect(state.session.state).toBe('live');
  });

  it('joins the refresh that a request started instead of starting another', async () => {
    const state = app();
    server.revoke();
    const gate = server.hold('/refresh');
    const request = state.api.get('/tasks');
    await server.arrived('/refresh', 1);

    const token = getAccessToken(state.session, { minValidity: 20 * 60_000 });
    gate.open();

    await expect(request).resolves.toMatchObject({ status: 200 });
    await expect(token).resolves.toBe(state.tokens.access);
    expect(server.count('/refresh')).toBe(1);
    expect(server.reused).toBe(0);
  });

  it('refreshes for a token the server refused even when its expiry says it is valid, and only once for calls that name the same refused token', async () => {
    const state = app();
    const refused = state.tokens.access;
    server.revoke();

    const first = await getAccessToken(state.session, { refused });
    const second = await getAccessToken(state.session, { refused });

    expect(first).not.toBe(refused);
    expect(second).toBe(first);
    expect(server.count('/refresh')).toBe(1);
    expect(await accepted(first)).toBe(true);
  });

  it.each([
    ['answered 503', false],
    ['out past refreshTimeout', true],
  ])('holds requests behind a refresh it starts for a refused token as a 401 would: that refresh %s, they reject unsent', async (_how, late) => {
    // No expiresAt: only the server's refusal says the token is stale.
    const { api, session, tokens } = app({ expiresAt: undefined, refreshTimeout: 200 });
    server.revoke();
    const held = server.hold('/refresh');
    if (!late) server.failOnce('/refresh', 503);
    const asked = getAccessToken(session, { refused: tokens.access }).catch((error: unknown) => error);
    await server.arrived('/refresh', 1);
    const request = api.get('/tasks').catch((error: unknown) => error);
    if (!late) held.open();

    expect(isRefreshFailedError(await request)).toBe(true);
    expect(isRefreshFailedError(await asked)).toBe(true);
    expect(server.count('/tasks')).toBe(0);
    held.open();
  });

  it('rejects with SessionExpiredError on an ended session without a refresh call, and onSessionExpired runs once', async () => {
    const state = app();
    server.revoke();
    state.tokens = { ...state.tokens, refresh: 'refresh-token-the-server-never-issued' };

    const first = getAccessToken(state.session, { refused: state.tokens.access });
    await expect(first).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(first).rejects.toThrow(/started by getAccessToken/);
    const again = getAccessToken(state.session);

    await expect(again).rejects.toSatisfy(isSessionExpiredError);
    expect(state.session.state).toBe('ended');
    expect(server.count('/refresh')).toBe(1);
    expect(state.ended).toHaveLength(1);
  });

  it('keeps the cooldown after a transient failure: RefreshFailedError with retryAt, and no second refresh call before it', async () => {
    let refreshes = 0;
    const state = app({
      // The auth server is down: it answers 503.
      refresh: async ({ client }) => {
        refreshes += 1;
        await client.post('/refresh-down');
      },
    });
    server.failOnce('/refresh-down', 503);

    const first = await getAccessToken(state.session, { refused: state.tokens.access }).catch((error: unknown) => error);
    const second = await getAccessToken(state.session, { refused: state.tokens.access }).catch((error: unknown) => error);

    expect(first).toBeInstanceOf(RefreshFailedError);
    expect(second).toSatisfy(isRefreshFailedError);
    expect((second as RefreshFailedError).retryAt).toBeGreaterThan(Date.now());
    expect(state.session.state).toBe('cooling-down');
    expect(refreshes).toBe(1);
    expect(server.count('/refresh-down', 503)).toBe(1);
    expect(state.ended).toEqual([]);
  });

  it('rejects with a TypeError naming minValidity, refused or session for a value that is not what it should be', async () => {
    const { session } = app();
    for (const minValidity of [-1, Number.NaN, '60000' as unknown as number]) {
      await expect(getAccessToken(session, { minValidity })).rejects.toThrow(/Expected `minValidity` to be a non-negative number of milliseconds/);
    }
    await expect(getAccessToken(session, { refused: 42 as unknown as string })).rejects.toThrow(/Expected `refused` to be the refused token/);
    await expect(getAccessToken({} as RefreshSession)).rejects.toThrow(/Expected `session` to be a session/);
    await expect(getAccessToken(session, { minValidity: Infinity })).resolves.toBeDefined();
    expect(server.count('/refresh')).toBe(1);
  });
});

describe('getAccessToken on a cookie session', () => {
  /** A session with no bearer token: the credentials live where the app cannot read them. */
  function cookieApp(expiresAt: () => number | undefined) {
    let refreshes = 0;
    const api = axios.create({ baseURL: server.url });
    const { session } = createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        refreshes += 1;
        await client.post('/refresh', { refresh: server.issued.refresh });
      },
      expiresAt: expiry(expiresAt),
    });
    return { session, refreshes: () => refreshes };
  }

  it('resolves undefined at once while the credentials are fresh', async () => {
    const { session } = cookieApp(() => Date.now() + 15 * 60_000);

    await expect(getAccessToken(session)).resolves.toBeUndefined();

    expect(server.count('/refresh')).toBe(0);
  });

  it('refreshes first when the known expiry is within minValidity, then resolves undefined', async () => {
    const { session, refreshes } = cookieApp(() => Date.now() + 10_000);

    await expect(getAccessToken(session, { minValidity: 60_000 })).resolves.toBeUndefined();

    expect(refreshes()).toBe(1);
    expect(server.count('/refresh')).toBe(1);
  });
});

describe('getAccessToken on the fetch side and across tabs', () => {
  it('rejects with the fetch side plain SessionExpiredError on a session from /fetch', async () => {
    let tokens = server.logIn();
    const session = fetchSide.createRefreshSession({
      refresh: ({ signal }) => fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: 'not-issued' }), signal }),
      accessToken: fetchSide.bearer(() => tokens.access),
    });
    server.revoke();

    const error = await fetchSide.getAccessToken(session, { refused: tokens.access }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(fetchSide.SessionExpiredError);
    expect(axios.isAxiosError(error)).toBe(false);
    expect(error).toMatchObject({ code: 'ERR_SESSION_EXPIRED' });
    expect(server.count('/refresh')).toBe(1);
    tokens = server.issued;
  });

  it('takes the refresh another tab made, with no refresh call of its own', async () => {
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const loggedIn = server.logIn();
    const tabs: Array<{ tokens: Tokens; session: TabSession; api: AxiosInstance }> = [];
    for (let i = 0; i < 2; i++) {
      const tab = { tokens: { ...loggedIn } } as (typeof tabs)[number];
      tab.api = axios.create({ baseURL: server.url });
      tab.session = createTabSession({
        refresh: async ({ client }) => {
          tab.tokens = (await client.post<Tokens>('/refresh', { refresh: tab.tokens.refresh })).data;
        },
        accessToken: bearer(() => tab.tokens.access),
        shareTokens: { read: () => tab.tokens, write: (next) => void (tab.tokens = next) },
        locks,
        channel: channels.channel,
      });
      createRefreshInterceptor(tab.api, { session: tab.session });
      tabs.push(tab);
    }
    const [a, b] = tabs as [(typeof tabs)[number], (typeof tabs)[number]];
    try {
      server.revoke();
      const gate = server.hold('/refresh');
      const request = a.api.get('/a');
      await server.arrived('/refresh', 1);

      const token = getAccessToken(b.session, { refused: loggedIn.access });
      gate.open();
      await request;

      await expect(token).resolves.toBe(a.tokens.access);
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
    } finally {
      for (const tab of tabs) tab.session.close();
    }
  });
});
