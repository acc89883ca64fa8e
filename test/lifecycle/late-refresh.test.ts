import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, createRefreshSession, isRefreshFailedError, isSessionExpiredError, jwtExpiry } from '../../src/index.js';
import { createTabSession } from '../../src/tabs.js';
import type { RefreshContext } from '../../src/index.js';
import { gate, turns, until } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';
import { lifeApp } from './helpers/life-app.js';
import type { LifeApp } from './helpers/life-app.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
});
afterEach(async () => {
  await server.close();
});

/** The first quick start's refresh: it passes no `signal`, so a timeout cannot stop its call. */
function deafApp(): LifeApp {
  const app: LifeApp = lifeApp(server, {
    refreshTimeout: 1_000,
    refresh: async ({ client }: RefreshContext) => {
      const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh: app.tokens.refresh });
      Object.assign(app.tokens, data);
    },
  });
  return app;
}

/** Lets the first request's refresh outlive `refreshTimeout`, its answer held by the server. */
async function timedOut(app: LifeApp, before = async (): Promise<void> => {}): Promise<{ open(): void }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  server.expireAccess();
  await before();
  const gate = server.hold('/refresh');
  const first = rejection(app.api.get('/api/first'));
  await until(() => server.arrived('/refresh') === 1);
  await vi.advanceTimersByTimeAsync(999);
  await turns(5);
  expect(app.session.state).toBe('refreshing');
  await vi.advanceTimersByTimeAsync(1);
  const error = await first;
  expect(isRefreshFailedError(error)).toBe(true);
  expect((error.cause as Error).name).toBe('TimeoutError');
  return gate;
}

describe('one refresh at a time, even late', () => {
  it('starts no second refresh for a 401 while a timed-out refresh is still out, and takes its credentials when it succeeds', async () => {
    const app = deafApp();
    // Sent before the refresh, its 401 comes back after the timeout.
    const slowGate = server.hold('/api/slow');
    let slow: Promise<unknown> = Promise.resolve();
    const gate = await timedOut(app, async () => {
      slow = app.api.get('/api/slow');
      await until(() => server.arrived('/api/slow') === 1);
    });
    // Started after the timeout: held, as while any refresh runs.
    const second = app.api.get('/api/second');
    slowGate.open();
    await until(() => server.count('/api/slow', 401) === 1);
    await turns(10);
    expect(server.arrived('/refresh')).toBe(1);
    expect(server.arrived('/api/second')).toBe(0);
    expect(app.session.state).toBe('refreshing');
    gate.open();

    await expect(slow).resolves.toMatchObject({ status: 200 });
    await expect(second).resolves.toMatchObject({ status: 200 });
    await expect(app.api.get('/api/third')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshStatuses()).toEqual([200]);
    expect(server.reused()).toBe(0);
    expect(app.expired()).toBe(0);
    expect(app.events.map((e) => e.type)).toEqual(['refresh-started', 'refresh-failed', 'refresh-succeeded']);
  });

  it('gives a request that waits on a late refresh its own refreshTimeout', async () => {
    const app = deafApp();
    await timedOut(app);

    const second = rejection(app.api.get('/api/second'));
    await turns(10);
    await vi.advanceTimersByTimeAsync(999);
    await turns(5);
    let settled = false;
    void second.then(() => {
      settled = true;
    });
    await turns(5);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(isRefreshFailedError(await second)).toBe(true);
    expect(server.arrived('/refresh')).toBe(1);
  });

  it('ends the session when the late refresh is rejected, with onSessionExpired once', async () => {
    const app = deafApp();
    const gate = await timedOut(app);
    server.revokeRefresh();
    const second = rejection(app.api.get('/api/second'));
    await turns(10);
    gate.open();

    expect(isSessionExpiredError(await second)).toBe(true);
    await turns(5);
    expect(app.expired()).toBe(1);
    expect(server.refreshStatuses()).toEqual([401]);
    expect(app.session.state).toBe('ended');
  });

  it('cools down when the late refresh fails transiently', async () => {
    const app = deafApp();
    const gate = await timedOut(app);
    server.reply = { status: 503 };
    gate.open();
    await until(() => app.session.state !== 'refreshing');

    const error = await rejection(app.api.get('/api/second'));

    expect(app.session.state).toBe('cooling-down');
    expect(isRefreshFailedError(error)).toBe(true);
    expect(server.refreshStatuses()).toEqual([503]);
  });
});

describe('a log-in while a refresh from before it is still out', () => {
  it('holds a request until that call settles, ignores its outcome, and then refreshes in the new session', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const tokens = { access: server.access, refresh: server.refresh };
    const session = createTabSession({
      refresh: async ({ client }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
      credentialOrigins: [server.url],
      refreshTimeout: 1_000,
      locks: undefined,
      channel: undefined,
    });
    const api = axios.create({ baseURL: server.url });
    createRefreshInterceptor(api, { session });
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = rejection(api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);
    // Logged out while the refresh is out, then logged in again by another library.
    session.end();
    expect(isSessionExpiredError(await first)).toBe(true);
    const { data } = await axios.post<typeof tokens>(`${server.url}/login`);
    Object.assign(tokens, data);
    server.expireAccess();
    expect(session.state).toBe('refreshing');

    const second = api.get('/api/second');
    await turns(10);
    expect(server.arrived('/api/second')).toBe(0);
    expect(server.arrived('/refresh')).toBe(1);
    gate.open();

    await expect(second).resolves.toMatchObject({ status: 200 });
    // The old call presented the old family's token and got 401; the new session refreshed once.
    expect(server.refreshStatuses()).toEqual([401, 200]);
    expect(server.reused()).toBe(0);
    expect(session.state).toBe('live');
    session.close();
  });
});

describe('what passing signal on costs against a server slower than refreshTimeout', () => {
  it('aborts the call at the timeout, so the server rotates the refresh token unseen and the next refresh, presenting the old one, ends the session', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(1);
    // lifeApp's refresh passes `signal` on to its request.
    const app = lifeApp(server, { refreshTimeout: 1_000 });
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = rejection(app.api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(isRefreshFailedError(await first)).toBe(true);
    await until(() => app.session.state === 'cooling-down');

    vi.setSystemTime(Date.now() + 250);
    const second = rejection(app.api.get('/api/second'));
    await until(() => server.arrived('/refresh') === 2);
    // The server answers the first call, whose client is gone, then the second.
    gate.open();

    expect(isSessionExpiredError(await second)).toBe(true);
    expect(server.refreshStatuses()).toEqual([200, 401]);
    expect(app.expired()).toBe(1);
    vi.restoreAllMocks();
  });
});

describe('a request that gave up on a refresh from before a log-in', () => {
  it('starts nothing when that call settles later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answer = gate();
    let calls = 0;
    const session = createRefreshSession({
      refresh: async () => {
        calls += 1;
        await answer.promise;
      },
      refreshTimeout: 1_000,
    });
    const trigger = { config: {}, client: () => undefined };
    const first = rejection(session.recover(session.epoch, trigger));
    session.expire(new Error('logged out'), 'app');
    await first;
    session.begin();
    expect(session.state).toBe('refreshing');

    // A 401 for a request sent under the new log-in waits for the old call, then gives up.
    const late = rejection(session.recover(session.epoch, trigger));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(isRefreshFailedError(session.error(await late))).toBe(true);

    answer.open();
    await turns(10);
    expect(calls).toBe(1);
    expect(session.state).toBe('live');
    expect(vi.getTimerCount()).toBe(0);
  });
});
