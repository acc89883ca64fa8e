import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSession, TabSessionOptions } from '../src/tabs.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { cookieApp } from './helpers/clients.js';
import { FakeChannels, FakeLocks } from './helpers/fake-tabs.js';
import { until } from './helpers/gate.js';
import { burst, cookieBrowser } from './helpers/tab-browser.js';
import type { CookieBrowser, Tab } from './helpers/tab-browser.js';

let server: AuthServer;
let sessions: TabSession[];
let browsers: CookieBrowser[];
beforeEach(async () => {
  server = await startAuthServer();
  sessions = [];
  browsers = [];
});
afterEach(async () => {
  for (const session of sessions) session.close();
  for (const browser of browsers) browser.close();
  await server.close();
});

/** `count` tabs of one browser, open at once. */
function cookieTabs(count: number, options: Partial<TabSessionOptions> = {}): { browser: CookieBrowser; tabs: Tab[] } {
  const browser = cookieBrowser(server, options);
  browsers.push(browser);
  return { browser, tabs: Array.from({ length: count }, () => browser.open()) };
}

describe('one refresh across tabs', () => {
  it('makes one refresh call when three tabs meet the expiry together, and every request succeeds', async () => {
    const { tabs } = cookieTabs(3);
    server.expireAccess();

    const results = await Promise.all(burst(tabs, 10));

    expect(results).toHaveLength(30);
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/', 200)).toBe(30);
  });

  it('hands bearer tokens to the other tabs, so none presents a rotated refresh token', async () => {
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const tabs = Array.from({ length: 3 }, () => {
      const tokens = { access: server.access, refresh: server.refresh };
      const api = axios.create({ baseURL: server.url });
      api.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${tokens.access}`);
        return config;
      });
      const session = createTabSession({
        refresh: async ({ client }) => {
          const { data } = await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh });
          Object.assign(tokens, data);
        },
        shareTokens: {
          read: () => ({ ...tokens }),
          write: (next) => Object.assign(tokens, next),
        },
        locks,
        channel: channels.channel,
      });
      sessions.push(session);
      createRefreshInterceptor(api, { session });
      return { api, session, expired: 0 };
    });
    server.expireAccess();

    await Promise.all(burst(tabs, 10));

    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.seen.filter((r) => r.path.startsWith('/api/') && r.status === 200).every((r) => r.token === 'access-1')).toBe(true);
  });

  it('lets a tab retry a stale 401 without refreshing once it has heard of another tab’s refresh', async () => {
    const [a, b] = cookieTabs(2).tabs as [Tab, Tab];
    server.expireAccess();
    const slowGate = server.hold('/api/slow');

    const slow = b.api.get('/api/slow');
    await server.arrived('/api/slow', 1);
    await a.api.get('/api/a');
    await until(() => !b.session.refreshing);
    slowGate.open();

    await expect(slow).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(1);
  });
});

describe('session end across tabs', () => {
  it('fires onSessionExpired once in every tab when the refresh is rejected, with one refresh call', async () => {
    const { tabs } = cookieTabs(3);
    server.expireAccess();
    server.refreshMode = 'reject';

    const results = await Promise.allSettled(burst(tabs, 5));

    expect(results.every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason))).toBe(true);
    await until(() => tabs.every((tab) => tab.expired > 0));
    expect(tabs.map((tab) => tab.expired)).toEqual([1, 1, 1]);
    expect(server.refreshCalls()).toBe(1);
  });

  it.each([
    ['arrive at once', false],
    ['arrive after the waiting tabs got the lock', true],
  ])(
    'fires onSessionExpired once per tab when tabs waited on a refresh that was rejected, and messages %s',
    async (_, slow) => {
      const { browser, tabs } = cookieTabs(3, { name: 'app' });
      const { locks, channels } = browser;
      server.expireAccess();
      server.refreshMode = 'reject';
      const refreshGate = server.hold('/refresh');
      if (slow) channels.delay();

      const results = Promise.allSettled(burst(tabs, 5));
      await server.arrived('/refresh', 1);
      await until(() => locks.waiting('app') === 2);
      refreshGate.open();
      const settled = await results;
      channels.deliver();

      expect(settled.every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason))).toBe(true);
      await until(() => tabs.every((tab) => tab.expired > 0));
      await new Promise((resolve) => setImmediate(resolve));
      expect(tabs.map((tab) => tab.expired)).toEqual([1, 1, 1]);
      expect(server.refreshCalls()).toBe(1);
    },
  );

  it('fires onSessionExpired once per tab when the app ends the session while a refresh is in flight', async () => {
    const {
      browser: { locks },
      tabs,
    } = cookieTabs(3, { name: 'app' });
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const results = Promise.allSettled(burst(tabs, 2));
    await server.arrived('/refresh', 1);
    await until(() => locks.waiting('app') === 2);
    tabs[1]!.session.end();
    // The logout blacklisted the refresh token the refresh in flight presented.
    server.refreshMode = 'reject';
    refreshGate.open();
    await results;

    await until(() => tabs.every((tab) => tab.expired > 0));
    await new Promise((resolve) => setImmediate(resolve));
    expect(tabs.map((tab) => tab.expired)).toEqual([1, 1, 1]);
    expect(server.refreshCalls()).toBe(1);
  });

  it('tells a refresh that resolves with a refused answer as an end, not as a refresh, to tabs waiting on the lock', async () => {
    const { browser, tabs } = cookieTabs(2, { refresh: () => fetch(`${server.url}/refresh`, { method: 'POST' }) });
    server.expireAccess();
    server.refreshMode = 'reject';
    const refreshGate = server.hold('/refresh');

    const results = Promise.allSettled(burst(tabs, 2));
    await server.arrived('/refresh', 1);
    await until(() => browser.locks.waiting('axios-refresh-interceptor') === 1);
    refreshGate.open();

    expect((await results).every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason))).toBe(true);
    expect(tabs.map((tab) => tab.expired)).toEqual([1, 1]);
    expect(server.refreshCalls()).toBe(1);
  });

  it('ends the session in every tab when the app ends it in one', async () => {
    const { tabs } = cookieTabs(3);

    tabs[0]!.session.end();

    await until(() => tabs.every((tab) => tab.expired > 0));
    expect(tabs.map((tab) => tab.expired)).toEqual([1, 1, 1]);
    expect(server.refreshCalls()).toBe(0);
  });

  it('refreshes again after a new log-in in a tab that saw the session end', async () => {
    const [a, b] = cookieTabs(2).tabs as [Tab, Tab];
    a.session.end();
    await until(() => b.expired === 1);

    // A log-in: a request that skips the refresh, changes something and succeeds.
    await b.api.post('/login', {}, { skipAuthRefresh: true });
    server.expireAccess();
    await expect(b.api.get('/api/after-login')).resolves.toMatchObject({ status: 200 });

    expect(server.refreshCalls()).toBe(1);
    expect([a.session.state, b.session.state]).toEqual(['live', 'live']);
    expect([a.expired, b.expired]).toEqual([1, 1]);
  });
});

describe('fallbacks and failures', () => {
  it('behaves like a single-tab session where Web Locks are missing', async () => {
    const { api } = cookieApp(server);
    const session = createTabSession({ refresh: ({ client }) => client.post('/refresh') });
    sessions.push(session);
    createRefreshInterceptor(api, { session });
    server.expireAccess();

    await Promise.all([api.get('/api/a'), api.get('/api/b')]);

    expect(server.refreshCalls()).toBe(1);
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined();
  });

  it('fails transiently, without a logout, when the tokens of another tab’s refresh never arrive', async () => {
    const locks = new FakeLocks();
    // A channel that never delivers: the tab learns of the refresh from the lock manager only.
    const silent = new FakeChannels();
    const tab = (refreshTimeout: number) => {
      const tokens = { access: server.access, refresh: server.refresh };
      const api = axios.create({ baseURL: server.url });
      api.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${tokens.access}`);
        return config;
      });
      let expired = 0;
      const session = createTabSession({
        refresh: async ({ client }) => {
          const { data } = await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh });
          Object.assign(tokens, data);
        },
        onSessionExpired: () => {
          expired += 1;
        },
        shareTokens: { read: () => ({ ...tokens }), write: (next) => Object.assign(tokens, next) },
        refreshTimeout,
        locks,
        channel: (name) => ({ ...silent.channel(`${name}-alone-${String(Math.random())}`) }),
      });
      sessions.push(session);
      createRefreshInterceptor(api, { session });
      return { api, expired: () => expired };
    };
    const a = tab(10_000);
    const b = tab(200);
    server.expireAccess();
    await a.api.get('/api/a');

    const error: unknown = await b.api.get('/api/b').catch((e: unknown) => e);

    expect(isRefreshFailedError(error)).toBe(true);
    expect(b.expired()).toBe(0);
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('rejects bad options with a TypeError naming them', () => {
    const refresh = (): undefined => undefined;
    expect(() => createTabSession({ refresh, name: '' })).toThrow('Expected `name` to be a non-empty string, got `` (string)');
    expect(() => createTabSession({ refresh, shareTokens: { read: refresh } as never })).toThrow(
      'Expected `shareTokens` to be an object with read and write functions',
    );
    expect(() => createTabSession({ refresh: 'x' } as never)).toThrow('Expected `refresh` to be a function');
  });
});
