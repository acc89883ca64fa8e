import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSessionOptions } from '../src/tabs.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { cookieApp } from './helpers/clients.js';
import { until } from './helpers/gate.js';
import { rejection } from './helpers/rejection.js';
import { burst, cookieBrowser } from './helpers/tab-browser.js';
import type { CookieBrowser } from './helpers/tab-browser.js';

// Tabs where Web Locks are missing, refused or broken: every guarantee of a plain session, and
// what the tabs can still tell each other through the channel.

let server: AuthServer;
let browsers: CookieBrowser[];
beforeEach(async () => {
  server = await startAuthServer();
  browsers = [];
});
afterEach(async () => {
  for (const browser of browsers) browser.close();
  vi.unstubAllGlobals();
  await server.close();
});

function browser(options: Parameters<typeof cookieBrowser>[1] = {}): CookieBrowser {
  const made = cookieBrowser(server, options);
  browsers.push(made);
  return made;
}

describe('without Web Locks', () => {
  it('sends none of the held requests when the app ends the session during a refresh that then succeeds', async () => {
    const tab = browser({ locks: null }).open();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const results = Promise.allSettled(burst([tab], 5));
    await server.arrived('/refresh', 1);
    await until(() => server.count('/api/') === 5);
    tab.session.end();
    refreshGate.open();
    const settled = await results;

    expect(settled.every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason))).toBe(true);
    expect(server.count('/refresh', 200)).toBe(1);
    expect(server.count('/api/')).toBe(5);
    expect(tab.expired).toBe(1);
  });

  it('sends none of the requests another tab holds when the user logs out in this one, told through the channel', async () => {
    const tabs = browser({ locks: null });
    const [a, b] = [tabs.open(), tabs.open()];
    server.expireAccess();
    const refreshGate = server.hold('/refresh');

    const results = Promise.allSettled(burst([a], 5));
    await server.arrived('/refresh', 1);
    await until(() => server.count('/api/') === 5);
    b.session.end();
    await until(() => a.expired === 1);
    refreshGate.open();
    const settled = await results;

    expect(settled.every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason))).toBe(true);
    expect(server.count('/api/')).toBe(5);
    expect([a.expired, b.expired]).toEqual([1, 1]);
  });

  it('tells the other tabs of a refresh, a log-in and a cooldown through the channel', async () => {
    const tabs = browser({ locks: null });
    const [a, b] = [tabs.open(), tabs.open()];
    server.expireAccess();
    const slowGate = server.hold('/api/slow');

    // A refresh: a request of b's that was sent before it is retried without another refresh.
    const slow = b.api.get('/api/slow');
    await server.arrived('/api/slow', 1);
    await a.api.get('/api/a');
    await until(() => b.session.epoch > 0);
    slowGate.open();
    await expect(slow).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(1);

    // A log-out, then a log-in: both tabs live again, and the next expiry refreshes.
    a.session.end();
    await until(() => b.expired === 1);
    await b.api.post('/login', {}, { skipAuthRefresh: true });
    await until(() => a.session.state === 'live');
    server.expireAccess();
    await expect(a.api.get('/api/after-login')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(2);

    // A transient failure in one tab: the other waits out the same cooldown.
    server.expireAccess();
    server.refreshMode = 'error';
    expect(isRefreshFailedError(await rejection(a.api.get('/api/a')))).toBe(true);
    await until(() => b.session.state === 'cooling-down');
    expect(isRefreshFailedError(await rejection(b.api.get('/api/b')))).toBe(true);
    expect(server.refreshCalls()).toBe(3);
  });
});

describe('with a lock manager that fails', () => {
  it.each(['throws', 'rejects'] as const)(
    'refreshes once without the lock when `request` %s, and does not ask it again',
    async (failing) => {
      const tabs = browser();
      tabs.locks.failing = failing;
      const tab = tabs.open();
      server.expireAccess();

      const results = await Promise.all(burst([tab], 5));

      expect(results).toHaveLength(5);
      expect(server.refreshCalls()).toBe(1);
      const asked = tabs.locks.requests;
      server.expireAccess();
      await tab.api.get('/api/again');
      expect(server.refreshCalls()).toBe(2);
      expect(tabs.locks.requests).toBe(asked);
    },
  );

  it('refreshes when `query()` rejects, taking the counts as unknown', async () => {
    const tabs = browser();
    tabs.locks.queryFails = true;
    const [a, b] = [tabs.open(), tabs.open()];
    server.expireAccess();

    await a.api.get('/api/a');
    await until(() => b.session.epoch > 0);
    server.expireAccess();
    const results = await Promise.allSettled(burst([a, b], 3));

    expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('works where reading `navigator.locks` throws, as in a sandboxed iframe', async () => {
    vi.stubGlobal('navigator', {
      get locks(): never {
        throw new DOMException('Access to the Locks API is denied in this context.', 'SecurityError');
      },
    });
    const { api } = cookieApp(server);
    const options: TabSessionOptions = { refresh: ({ client }) => client.post('/refresh') };
    const session = createTabSession(options);
    createRefreshInterceptor(api, { session });
    server.expireAccess();

    await Promise.all([api.get('/api/a'), api.get('/api/b')]);

    expect(server.refreshCalls()).toBe(1);
    session.close();
  });
});
