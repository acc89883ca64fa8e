import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError, jwtExpiry, observe } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSession } from '../src/tabs.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { FakeChannels, FakeLocks } from './helpers/fake-tabs.js';
import { turns, until } from './helpers/gate.js';
import { rejection } from './helpers/rejection.js';
import { burst, cookieBrowser } from './helpers/tab-browser.js';
import type { CookieBrowser, Tab } from './helpers/tab-browser.js';

// Tabs over a session's life: opened late, reloaded, closed or crashed, through log-out, log-in
// and cooldowns. Each tab is a session on one lock manager, one set of channels and one jar.

let server: AuthServer;
let tabs: CookieBrowser;
let sessions: TabSession[];
beforeEach(async () => {
  server = await startAuthServer();
  tabs = cookieBrowser(server);
  sessions = [];
});
afterEach(async () => {
  tabs.close();
  for (const session of sessions) session.close();
  await server.close();
});

const settled = (promises: Array<Promise<unknown>>) => Promise.allSettled(promises);
const allExpired = (results: Array<PromiseSettledResult<unknown>>): boolean =>
  results.every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason));

describe('a tab that opens late', () => {
  it('refreshes for its first request on expired credentials, although another tab refreshed before it opened', async () => {
    const a = tabs.open();
    server.expireAccess();
    await a.api.get('/api/a');
    server.expireAccess();
    // Its first read of the markers answers only once its first 401 has started a refresh.
    const answer = tabs.locks.holdQueries();
    const late = tabs.open();

    const first = late.api.get('/api/late');
    await until(() => late.session.refreshing);
    answer();

    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(2);
    expect(server.count('/api/late', 401)).toBe(1);
  });

  it('takes the refresh of a tab that was refreshing when it opened, with no refresh of its own', async () => {
    const a = tabs.open();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const held = a.api.get('/api/a');
    await server.arrived('/refresh', 1);
    const answer = tabs.locks.holdQueries();
    const late = tabs.open();

    const first = late.api.get('/api/late');
    await until(() => late.session.refreshing);
    refreshGate.open();
    await held;
    answer();

    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(1);
  });

  it('starts ended after a log-out elsewhere: its first 401 rejects at once and onSessionExpired runs once', async () => {
    const [a, b] = [tabs.open(), tabs.open()];
    a.session.end();
    await until(() => b.expired === 1);
    server.expireAccess();

    const late = tabs.open();
    await until(() => late.session.state === 'ended');
    const results = await settled(burst([late], 3));

    expect(allExpired(results)).toBe(true);
    expect(late.expired).toBe(1);
    expect(server.refreshCalls()).toBe(0);
  });

  it('logs in like any tab after a log-out elsewhere, before any 401, and the other tabs are live again', async () => {
    const [a, b] = [tabs.open(), tabs.open()];
    a.session.end();
    await until(() => b.expired === 1);
    const late = tabs.open();
    await until(() => late.session.state === 'ended');

    await late.api.post('/login', {}, { skipAuthRefresh: true });
    await until(() => a.session.state === 'live' && b.session.state === 'live');
    server.expireAccess();
    const results = await settled(burst([a, b, late], 2));

    expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    expect(server.refreshCalls()).toBe(1);
    expect([a.expired, b.expired, late.expired]).toEqual([1, 1, 0]);
  });
});

describe('what tabs know of each other’s refreshes', () => {
  it.each([
    [
      'closes',
      (tab: Tab) => {
        tab.session.close();
      },
    ],
    [
      'crashes',
      (tab: Tab) => {
        tab.crash();
      },
    ],
  ])('outlives the tab that recorded it when that tab %s: the next expiry costs one refresh', async (_, close) => {
    const [a, b] = [tabs.open(), tabs.open()];
    server.expireAccess();
    await a.api.get('/api/a');
    await until(() => b.session.epoch > 0);
    close(a);
    await turns(2);
    const reloaded = tabs.open();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const first = reloaded.api.get('/api/reloaded');
    await server.arrived('/refresh', 2);
    const second = b.api.get('/api/b');
    await until(() => tabs.locks.waiting('axios-refresh-interceptor') === 1);
    refreshGate.open();

    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect(server.refreshCalls()).toBe(2);
  });

  it('takes a refresh under the lock as its message would, and refreshes at the next expiry though the message never came', async () => {
    const [a, b] = [tabs.open(), tabs.open()];
    let adopted = 0;
    observe(b.session, (event) => {
      if (event.type === 'tokens-adopted') adopted += 1;
    });
    tabs.channels.delay();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const first = a.api.get('/api/a');
    await server.arrived('/refresh', 1);
    const second = b.api.get('/api/b');
    await until(() => tabs.locks.waiting('axios-refresh-interceptor') === 1);
    refreshGate.open();
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect(adopted).toBe(1);

    server.expireAccess();
    await expect(b.api.get('/api/again')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(2);
  });

  it('keeps a reloaded tab from presenting a rotated refresh token, with bearer tokens handed over', async () => {
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const bearerTab = () => {
      const tokens = { access: server.access, refresh: server.refresh };
      const own = locks.tab();
      const api: AxiosInstance = axios.create({ baseURL: server.url });
      const session = createTabSession({
        refresh: async ({ client }) => {
          Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
        },
        accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
        shareTokens: { read: () => ({ ...tokens }), write: (next) => Object.assign(tokens, next) },
        locks: own,
        channel: channels.channel,
      });
      sessions.push(session);
      createRefreshInterceptor(api, { session });
      return { api, session, own };
    };
    const [a, b, c] = [bearerTab(), bearerTab(), bearerTab()];
    server.expireAccess();
    await a.api.get('/api/a');
    await until(() => b.session.epoch > 0 && c.session.epoch > 0);
    a.own.close();
    a.session.close();
    await turns(2);
    // Reloaded, with the tokens it had kept in storage.
    const reloaded = bearerTab();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const first = reloaded.api.get('/api/reloaded');
    await server.arrived('/refresh', 2);
    const second = settled([b.api.get('/api/b'), c.api.get('/api/c')]);
    await until(() => locks.waiting('axios-refresh-interceptor') === 2);
    refreshGate.open();

    await expect(first).resolves.toMatchObject({ status: 200 });
    expect((await second).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(server.refreshCalls()).toBe(2);
    expect(server.reusedRefreshTokens).toBe(0);
  });
});

describe('log-out and log-in across tabs', () => {
  it('ends the session once in every tab on a log-out, and no round of requests after it refreshes', async () => {
    const all = [tabs.open(), tabs.open(), tabs.open()];
    all[0]!.session.end();
    await until(() => all.every((tab) => tab.expired === 1));
    server.expireAccess();

    for (let round = 0; round < 3; round += 1) {
      expect(allExpired(await settled(burst(all, 3)))).toBe(true);
      await turns(5);
      expect(all.map((tab) => tab.expired)).toEqual([1, 1, 1]);
    }
    expect(server.refreshCalls()).toBe(0);
  });

  it('makes every tab live again after a log-in in one, without telling it back', async () => {
    const all = [tabs.open(), tabs.open(), tabs.open()];
    all[0]!.session.end();
    await until(() => all.every((tab) => tab.expired === 1));

    all[1]!.session.begin();
    await until(() => all.every((tab) => tab.session.state === 'live'));
    await turns(5);
    server.expireAccess();
    const results = await settled(burst(all, 3));

    expect(results.map((r) => r.status)).toEqual(Array(9).fill('fulfilled'));
    expect(server.refreshCalls()).toBe(1);
    expect(tabs.channels.sent.filter((message) => (message as { type?: string }).type === 'began')).toHaveLength(1);
  });

  it.each([
    ['a skipAuthRefresh POST answered', async (tab: Tab) => {
      await tab.api.post('/login', {}, { skipAuthRefresh: true });
    }],
    ['a log-in the library cannot see, then session.begin()', async (tab: Tab) => {
      // The same browser's cookies, through no interceptor.
      await axios.create({ baseURL: server.url, adapter: tab.api.defaults.adapter! }).post('/login');
      tab.session.begin();
    }],
    ['a log-in in the other tab, which is not refreshing, then its session.begin()', async (_tab: Tab, other: Tab) => {
      await axios.create({ baseURL: server.url, adapter: other.api.defaults.adapter! }).post('/login');
      other.session.begin();
    }],
  ])('ends nothing in any tab when %s while a refresh is out, which the server then rejects, and aborts its superseded signal', async (_how, logIn) => {
    const superseded: AbortSignal[] = [];
    const a = tabs.open({
      refresh: (context) => {
        superseded.push(context.superseded);
        return context.client.post('/refresh');
      },
    });
    const b = tabs.open();
    const events: string[] = [];
    observe(a.session, (event) => events.push(event.type === 'refresh-failed' ? `${event.type} ended: ${String(event.ended)}` : event.type));
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = a.api.get('/api/a');
    await server.arrived('/refresh', 1);
    await logIn(a, b);
    await turns(5);
    // What the call gives is not to be stored over the log-in's.
    expect(superseded.map((signal) => signal.aborted)).toEqual([true]);
    // The call still out presented the refresh token the log-in replaced.
    refreshGate.open();

    await expect(first).resolves.toMatchObject({ status: 200 });
    await turns(10);
    expect([a.session.state, b.session.state]).toEqual(['live', 'live']);
    expect([a.expired, b.expired]).toEqual([0, 0]);
    // Told as in a session of one tab: a call that a log-in overtook, which ended nothing.
    expect(events.filter((type) => type.startsWith('refresh-') || type.startsWith('session-'))).toEqual(['refresh-started', 'refresh-failed ended: false']);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([401]);
    await expect(Promise.all(burst([a, b], 2))).resolves.toHaveLength(4);
    expect(server.refreshCalls()).toBe(1);
  });

  it('tells no tab of a refresh that a log-out and a log-in overtook, when the server rejects it', async () => {
    const [a, b] = [tabs.open(), tabs.open()];
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = settled([a.api.get('/api/a')]);
    await server.arrived('/refresh', 1);
    a.session.end();
    await a.api.post('/login', {}, { skipAuthRefresh: true });
    await until(() => b.session.state === 'live');
    // The call still out presented the refresh token the log-in replaced.
    refreshGate.open();
    expect(allExpired(await first)).toBe(true);
    await turns(10);

    expect([a.session.state, b.session.state]).toEqual(['live', 'live']);
    expect([a.expired, b.expired]).toEqual([1, 1]);
    server.expireAccess();
    await expect(Promise.all(burst([a, b], 2))).resolves.toHaveLength(4);
    expect(server.count('/refresh', 200)).toBe(1);
  });

  it('lets a tab opened after a log-out and a log-in refresh', async () => {
    const a = tabs.open();
    a.session.end();
    await a.api.post('/login', {}, { skipAuthRefresh: true });
    expect(a.session.state).toBe('live');

    const late = tabs.open();
    server.expireAccess();
    await expect(late.api.get('/api/late')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(1);
    expect(late.expired).toBe(0);
  });
});

describe('cooldowns across tabs', () => {
  it('makes one refresh call when tabs waited on a refresh that failed transiently', async () => {
    const all = [tabs.open(), tabs.open(), tabs.open()];
    server.expireAccess();
    server.refreshMode = 'error';
    const refreshGate = server.hold('/refresh');

    const results = settled(burst(all, 2));
    await server.arrived('/refresh', 1);
    await until(() => tabs.locks.waiting('axios-refresh-interceptor') === 2);
    refreshGate.open();

    expect((await results).every((r) => r.status === 'rejected' && isRefreshFailedError(r.reason))).toBe(true);
    expect(server.refreshCalls()).toBe(1);
  });

  it('cools down every tab when a refresh fails transiently in one', async () => {
    const [a, b] = [tabs.open(), tabs.open()];
    server.expireAccess();
    server.refreshMode = 'error';

    const error = await rejection(a.api.get('/api/a'));
    await until(() => b.session.state === 'cooling-down');
    const later = await rejection(b.api.get('/api/b'));

    expect(isRefreshFailedError(later)).toBe(true);
    expect((later as { retryAt?: number }).retryAt).toBe((error as { retryAt?: number }).retryAt);
    expect(server.refreshCalls()).toBe(1);
  });
});

describe('a log-out while a refresh is out', () => {
  it('aborts the signal of the refresh it overtook at once, and a log-in after it refreshes again', async () => {
    const signals: AbortSignal[] = [];
    const tab = tabs.open({
      refresh: ({ client, signal }) => {
        signals.push(signal);
        return client.post('/refresh', undefined, { signal });
      },
      refreshTimeout: 60_000,
    });
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = settled([tab.api.get('/api/a')]);
    await server.arrived('/refresh', 1);

    tab.session.end();
    expect(signals.map((signal) => signal.aborted)).toEqual([true]);
    expect(allExpired(await first)).toBe(true);
    // The aborted call is gone: nothing waits for the server to answer it.
    await until(() => tab.session.state === 'ended');
    await tab.api.post('/login', {}, { skipAuthRefresh: true });
    refreshGate.open();
    server.expireAccess();

    await expect(tab.api.get('/api/b')).resolves.toMatchObject({ status: 200 });
    expect(tab.expired).toBe(1);
    expect(signals).toHaveLength(2);
  });
});
