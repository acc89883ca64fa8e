import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, isSessionExpiredError, jwtExpiry, refreshOnWake } from '../../src/index.js';
import type { RefreshSession, Wake } from '../../src/index.js';
import * as fetchSide from '../../src/fetch.js';
import { createTabSession } from '../../src/tabs.js';
import type { TabSession } from '../../src/tabs.js';
import { FakeChannels, FakeLocks } from '../helpers/fake-tabs.js';
import { turns, until } from '../helpers/gate.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';
import { FakePage } from './helpers/fake-page.js';

const MINUTE = 60_000;

let server: JwtServer;
let page: FakePage;
const wakes: Wake[] = [];
beforeEach(async () => {
  // The client's clock and the server's move together, as they do when a laptop sleeps; the
  // sockets' timers stay real.
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  server = await startJwtServer(15 * MINUTE);
  page = new FakePage().install();
});
afterEach(async () => {
  for (const wake of wakes.splice(0)) wake.stop();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.restoreAllMocks();
  await server.close();
});

interface App {
  api: AxiosInstance;
  session: RefreshSession;
  tokens: Tokens;
  ended: unknown[];
}

/** The README's bearer app, with `refreshOnWake` listening to the page. */
function app(): App {
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
  }).session;
  wakes.push(refreshOnWake(state.session));
  return state;
}

/** The laptop sleeps for `ms`: both clocks move, and nothing runs meanwhile. */
const sleep = (ms: number): void => {
  vi.advanceTimersByTime(ms);
};

/** Until the refreshes the page's events started have settled. */
const settled = (session: RefreshSession): Promise<void> => until(() => !session.refreshing);

describe('refreshOnWake: the page shows again after a sleep', () => {
  it('refreshes once when the page is shown after the token expired, so the first request goes out with the new token and meets no 401', async () => {
    const state = app();
    page.hide();
    sleep(20 * MINUTE);

    page.show();
    await settled(state.session);
    expect(server.count('/refresh')).toBe(1);
    await state.api.get('/tasks');

    expect(server.seen.map((seen) => seen.path)).toEqual(['/refresh', '/tasks']);
    expect(server.authorizations('/tasks')).toEqual([`Bearer ${server.issued.access}`]);
    expect(server.count('/tasks', 401)).toBe(0);
  });

  it('refreshes a token within the margin (5 s) too, and leaves one 1 ms outside it alone', async () => {
    const state = app();
    page.hide();
    sleep(15 * MINUTE - 5_001);
    page.show();
    await turns(5);
    expect(server.count('/refresh')).toBe(0);

    page.hide();
    sleep(1);
    page.show();
    await settled(state.session);
    expect(server.count('/refresh')).toBe(1);
  });

  it('does nothing when the page is hidden, only when it is shown', async () => {
    app();
    sleep(20 * MINUTE);
    page.hide();
    await turns(5);

    expect(server.count('/refresh')).toBe(0);
  });

  it('refreshes when the page comes back from the back-forward cache, and not on a pageshow that is a first load', async () => {
    const state = app();
    sleep(20 * MINUTE);
    page.pageshow(false);
    await turns(5);
    expect(server.count('/refresh')).toBe(0);

    page.pageshow(true);
    await settled(state.session);
    expect(server.count('/refresh')).toBe(1);
  });

  it('never refreshes while offline, and refreshes once when the network comes back', async () => {
    const state = app();
    page.hide();
    page.offline();
    sleep(20 * MINUTE);
    page.show();
    page.pageshow(true);
    await turns(5);
    expect(server.count('/refresh')).toBe(0);

    page.online();
    await settled(state.session);
    expect(server.count('/refresh')).toBe(1);
    expect(server.reused).toBe(0);
  });

  it('makes one refresh of the wake events that come together (shown, online, restored)', async () => {
    const state = app();
    sleep(20 * MINUTE);
    page.show();
    page.online();
    page.pageshow(true);
    await settled(state.session);

    expect(server.count('/refresh')).toBe(1);
    expect(server.reused).toBe(0);
  });

  /** Slept 20 minutes and woke to the auth server failing: one refresh, answered 503, a 125 ms cooldown. */
  async function wokenToAFailedRefresh(): Promise<App> {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const state = app();
    sleep(20 * MINUTE);
    server.failOnce('/refresh', 503);
    page.show();
    await settled(state.session);
    expect(server.count('/refresh', 503)).toBe(1);
    return state;
  }

  it('starts no second refresh within 10 s of wakes when the wall clock is turned back 30 s after the first', async () => {
    const state = await wokenToAFailedRefresh();

    // An NTP step back; the monotonic clock goes on, past the cooldown of the failure.
    vi.setSystemTime(Date.now() - 30_000);
    server.sleep(30_000);
    vi.advanceTimersByTime(9_999);
    page.hide();
    page.show();
    page.online();
    await turns(5);
    expect(server.count('/refresh')).toBe(1);

    vi.advanceTimersByTime(1);
    page.hide();
    page.show();
    await settled(state.session);
    expect(server.count('/refresh')).toBe(2);
  });

  it('starts at most one refresh in 10 s of wakes while the auth server fails: 9 999 ms after the first, none; at 10 000 ms, the second', async () => {
    // The cooldown after the first failure is 125 ms with this jitter: the wakes after it are
    // held back by minInterval alone.
    const state = await wokenToAFailedRefresh();

    // Woken again 1 000, 5 000 and 9 999 ms after the first wake.
    for (const step of [1_000, 4_000, 4_999]) {
      sleep(step);
      page.hide();
      page.show();
      page.online();
      await turns(5);
    }
    expect(server.count('/refresh')).toBe(1);

    sleep(1);
    page.hide();
    page.show();
    await settled(state.session);
    expect(server.count('/refresh')).toBe(2);
    expect(server.count('/refresh', 200)).toBe(1);
    expect(state.ended).toEqual([]);
  });

  it('ends the session once when the server rejects the refresh a wake started, naming refreshOnWake, with no unhandled rejection', async () => {
    const state = app();
    sleep(20 * MINUTE);
    server.failOnce('/refresh', 401);

    page.show();
    await settled(state.session);

    expect(state.ended).toHaveLength(1);
    expect(isSessionExpiredError(state.ended[0])).toBe(true);
    expect((state.ended[0] as Error).message).toMatch(/started by refreshOnWake/);
    expect(state.session.state).toBe('ended');
    page.hide();
    page.show();
    await turns(5);
    expect(server.count('/refresh')).toBe(1);
  });

  it('stops listening after stop()', async () => {
    const state = app();
    wakes.pop()?.stop();
    sleep(20 * MINUTE);
    page.show();
    page.online();
    page.pageshow(true);
    await turns(5);

    expect(server.count('/refresh')).toBe(0);
    expect(state.session.refreshing).toBe(false);
  });
});

describe('refreshOnWake across tabs and transports', () => {
  it('costs two tabs that both see the network come back one refresh, with no refresh token presented twice', async () => {
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const loggedIn = server.logIn();
    const tabs: Array<{ tokens: Tokens; session: TabSession }> = [];
    for (let i = 0; i < 2; i++) {
      const tab = { tokens: { ...loggedIn } } as (typeof tabs)[number];
      tab.session = createTabSession({
        refresh: async ({ client }) => {
          tab.tokens = (await client.post<Tokens>('/refresh', { refresh: tab.tokens.refresh })).data;
        },
        accessToken: bearer(() => tab.tokens.access),
        expiresAt: jwtExpiry(() => tab.tokens.access),
        shareTokens: { read: () => tab.tokens, write: (next) => void (tab.tokens = next) },
        locks,
        channel: channels.channel,
      });
      createRefreshInterceptor(axios.create({ baseURL: server.url }), { session: tab.session });
      wakes.push(refreshOnWake(tab.session));
      tabs.push(tab);
    }
    try {
      page.offline();
      sleep(20 * MINUTE);
      page.online();
      await until(() => tabs.every((tab) => !tab.session.refreshing && tab.tokens.access === server.issued.access));

      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
    } finally {
      for (const tab of tabs) tab.session.close();
    }
  });

  it('works on a fetch session, and a React Native app calls check() from AppState with no page to listen to', async () => {
    vi.unstubAllGlobals();
    let tokens = server.logIn();
    const session = fetchSide.createRefreshSession({
      refresh: async () => {
        const answer = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }) });
        tokens = (await answer.json()) as Tokens;
      },
      accessToken: fetchSide.bearer(() => tokens.access),
      expiresAt: fetchSide.jwtExpiry(() => tokens.access),
    });
    const wake = fetchSide.refreshOnWake(session);
    wakes.push(wake);
    sleep(20 * MINUTE);

    // What an AppState listener does when the app turns active.
    await wake.check();

    expect(server.count('/refresh')).toBe(1);
    expect(tokens).toEqual(server.issued);
  });

  it('leaves a session that is fresh, ended or without a network alone when check() is called', async () => {
    const state = app();
    await wake(state).check();
    expect(server.count('/refresh')).toBe(0);

    sleep(20 * MINUTE);
    page.navigator.onLine = false;
    await wake(state).check();
    expect(server.count('/refresh')).toBe(0);
    page.navigator.onLine = true;

    server.failOnce('/refresh', 401);
    await wake(state).check();
    expect(state.session.state).toBe('ended');
    await wake(state).check();
    expect(server.count('/refresh')).toBe(1);
  });
});

/** A second `refreshOnWake` on the app's session that does not listen, for calling check() directly. */
function wake(state: App): Wake {
  const made = refreshOnWake(state.session, { listen: false, minInterval: 0 });
  wakes.push(made);
  return made;
}

describe('refreshOnWake, given what it cannot use', () => {
  it('throws a TypeError naming what is missing or wrong', () => {
    const { session } = createRefreshInterceptor(axios.create(), { refresh: () => undefined });
    expect(() => refreshOnWake(session)).toThrow(
      new TypeError(
        'refreshOnWake(session): the session has no `expiresAt`, so nothing says its credentials expired during a sleep. Give it `expiresAt: expiry(...)` or `jwtExpiry(...)`.',
      ),
    );
    const state = app();
    expect(() => refreshOnWake(state.session, { minInterval: -1 })).toThrow(
      'Expected `minInterval` to be a non-negative finite number of milliseconds, got `-1` (number)',
    );
    expect(() => refreshOnWake(state.session, { listen: 'yes' as unknown as boolean })).toThrow('Expected `listen` to be true or false');
    expect(() => refreshOnWake({} as RefreshSession)).toThrow('Expected `session` to be a session');
  });
});
