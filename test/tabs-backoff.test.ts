import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRefreshFailedError } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { gate, until } from './helpers/gate.js';
import { rejection } from './helpers/rejection.js';
import { cookieBrowser } from './helpers/tab-browser.js';
import type { CookieBrowser } from './helpers/tab-browser.js';

// The tabs of an origin back off as one client: a cooldown, and the count of failures in a row
// it doubles with, hold in every tab, in a tab opened during it too. Only `Date` is faked:
// sockets, locks and channels stay real, and a cooldown is read from the clock.

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const retryAtOf = (error: unknown): unknown => (error as { retryAt?: unknown }).retryAt;

let server: AuthServer;
let tabs: CookieBrowser;
beforeEach(async () => {
  server = await startAuthServer();
  tabs = cookieBrowser(server);
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  tabs.close();
  await server.close();
});

describe('backing off across tabs', () => {
  it('doubles the cooldown with failures in a row whichever tab made them: 250, 500, then 1 000 ms', async () => {
    // The top of each jittered step, so that the cooldowns are exact.
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const [a, b, c] = [tabs.open(), tabs.open(), tabs.open()];
    server.expireAccess();
    server.refreshMode = 'error';

    expect(retryAtOf(await rejection(a.api.get('/api/a')))).toBe(T0 + 250);
    await until(() => b.session.state === 'cooling-down' && c.session.state === 'cooling-down');
    vi.setSystemTime(T0 + 250);
    expect(retryAtOf(await rejection(b.api.get('/api/b')))).toBe(T0 + 250 + 500);
    await until(() => c.session.state === 'cooling-down' && a.session.state === 'cooling-down');
    vi.setSystemTime(T0 + 750);
    expect(retryAtOf(await rejection(c.api.get('/api/c')))).toBe(T0 + 750 + 1_000);

    expect(server.refreshCalls()).toBe(3);
  });

  it('starts a tab opened during a cooldown cooling down: its 401 fails at once, and it refreshes once the cooldown is over', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const a = tabs.open();
    server.expireAccess();
    server.refreshMode = 'error';
    expect(retryAtOf(await rejection(a.api.get('/api/a')))).toBe(T0 + 250);
    server.refreshMode = 'rotate';

    const late = tabs.open();
    await until(() => late.session.state === 'cooling-down');
    const during = await rejection(late.api.get('/api/late'));
    expect(isRefreshFailedError(during)).toBe(true);
    expect(retryAtOf(during)).toBe(T0 + 250);
    expect(server.refreshCalls()).toBe(1);

    vi.setSystemTime(T0 + 250);
    await expect(late.api.get('/api/late')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(2);
  });

  it('gives the tabs that waited on a refresh rate-limited with Retry-After its end as retryAt, with one refresh call', async () => {
    let calls = 0;
    const limited = gate();
    const refresh = async (): Promise<never> => {
      calls += 1;
      await limited.promise;
      throw Object.assign(new Error('Too Many Requests'), { response: { status: 429, headers: { 'retry-after': '3' } } });
    };
    const all = [tabs.open({ refresh }), tabs.open({ refresh }), tabs.open({ refresh })];
    server.expireAccess();

    const results = Promise.all(all.map((tab) => rejection(tab.api.get('/api/x'))));
    await until(() => calls === 1 && tabs.locks.waiting('axios-refresh-interceptor') === 2);
    limited.open();

    const errors = await results;
    expect(errors.every(isRefreshFailedError)).toBe(true);
    expect(errors.map(retryAtOf)).toEqual([T0 + 3_000, T0 + 3_000, T0 + 3_000]);
    expect(calls).toBe(1);
  });
});
