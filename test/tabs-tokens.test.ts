import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSession } from '../src/tabs.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { FakeChannels, FakeLocks } from './helpers/fake-tabs.js';
import { until } from './helpers/gate.js';
import { rejection } from './helpers/rejection.js';
import { cookieBrowser } from './helpers/tab-browser.js';

// Bearer tokens held in each tab's memory, handed over with `shareTokens`, as the README shows:
// a tab opened after the log-in has none of its own.

let server: AuthServer;
let sessions: TabSession[];
let locks: FakeLocks;
let channels: FakeChannels;
beforeEach(async () => {
  server = await startAuthServer();
  sessions = [];
  locks = new FakeLocks();
  channels = new FakeChannels();
});
afterEach(async () => {
  for (const session of sessions) session.close();
  await server.close();
});

type Tokens = { access: string; refresh: string };

function bearerTab(tokens: Tokens, refreshTimeout?: number) {
  const api: AxiosInstance = axios.create({ baseURL: server.url });
  let expired = 0;
  const session = createTabSession({
    refresh: async ({ client }) => {
      Object.assign(tokens, (await client.post<Tokens>('/refresh', { refresh: tokens.refresh })).data);
    },
    accessToken: bearer(() => tokens.access),
    shareTokens: { read: () => ({ ...tokens }), write: (next) => Object.assign(tokens, next) },
    onSessionExpired: () => {
      expired += 1;
    },
    locks: locks.tab(),
    channel: channels.channel,
    ...(refreshTimeout === undefined ? {} : { refreshTimeout }),
  });
  sessions.push(session);
  createRefreshInterceptor(api, { session });
  return { api, session, tokens, expired: () => expired };
}

const none = (): Tokens => ({ access: '', refresh: '' });

describe('a tab opened with no tokens of its own', () => {
  it('gets the open tabs\' tokens instead of refreshing with none, which would log every tab out', async () => {
    const a = bearerTab({ access: server.access, refresh: server.refresh });
    server.expireAccess();
    // A log-in, as far as the tabs know: a's refresh.
    await expect(a.api.get('/api/a')).resolves.toMatchObject({ status: 200 });

    const late = bearerTab(none());
    await expect(late.api.get('/api/late')).resolves.toMatchObject({ status: 200 });
    expect(late.tokens).toEqual(a.tokens);
    expect(server.refreshCalls()).toBe(1);
    expect([a.session.state, late.session.state, a.expired(), late.expired()]).toEqual(['live', 'live', 0, 0]);

    // The next expiry costs one refresh, and both tabs go on.
    server.expireAccess();
    await expect(late.api.get('/api/late')).resolves.toMatchObject({ status: 200 });
    await expect(a.api.get('/api/a')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(2);
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('refreshes on its own, once the first wait ran out at refreshTimeout, when no open tab has tokens to give', async () => {
    const a = bearerTab({ access: server.access, refresh: server.refresh });
    server.expireAccess();
    await a.api.get('/api/a');
    // a loses its tokens (a log-out the library did not see); the tabs still know of a log-in.
    Object.assign(a.tokens, none());

    // a's answer, that it has none either, is slow to come: the wait runs out first.
    channels.delay();
    const late = bearerTab(none(), 200);
    const waited = await rejection(late.api.get('/api/late'));
    expect(isRefreshFailedError(waited)).toBe(true);
    expect(server.refreshCalls()).toBe(1);

    // The abandoned wait is a transient failure: past its cooldown, the tab refreshes, with what it has.
    await until(() => late.session.state === 'cooling-down');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5_000 });
    expect(isSessionExpiredError(await rejection(late.api.get('/api/late')))).toBe(true);
    expect(server.refreshCalls()).toBe(2);
  });

  it('waits for no tokens in a cookie session that hands over only its expiry with shareTokens: a new tab\'s 401 refreshes at once', async () => {
    const tabs = cookieBrowser(server, { shareTokens: { read: () => ({ expiresIn: 900 }), write: () => undefined }, refreshTimeout: 5_000 });
    try {
      const a = tabs.open();
      server.expireAccess();
      await a.api.get('/api/a');
      const late = tabs.open();
      server.expireAccess();
      await expect(late.api.get('/api/late')).resolves.toMatchObject({ status: 200 });
      expect(server.refreshCalls()).toBe(2);
    } finally {
      tabs.close();
    }
  });

  it('keeps a cooldown in force when it gets the open tabs\' tokens: it starts cooling down, and sends no refresh', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 4, 12, 0, 0) });
    const a = bearerTab({ access: server.access, refresh: server.refresh });
    server.expireAccess();
    server.refreshMode = 'error';
    expect(isRefreshFailedError(await rejection(a.api.get('/api/a')))).toBe(true);

    const late = bearerTab(none());
    await until(() => late.tokens.access !== '');
    expect(late.session.state).toBe('cooling-down');
    expect(isRefreshFailedError(await rejection(late.api.get('/api/late')))).toBe(true);
    expect(server.refreshCalls()).toBe(1);
  });

  it('sends a request that went out before the tokens came again with them, with no refresh, when they came while it waited for the lock', async () => {
    const a = bearerTab({ access: server.access, refresh: server.refresh });
    await expect(a.api.get('/api/a')).resolves.toMatchObject({ status: 200 });
    channels.delay();
    // Another tab holds the refresh lock for now.
    let release!: () => void;
    void locks.tab().request('axios-refresh-interceptor', {}, () => new Promise<void>((resolve) => (release = resolve)));

    const late = bearerTab(none());
    const call = late.api.get('/api/late');
    await until(() => locks.waiting('axios-refresh-interceptor') === 1);
    channels.deliver();
    await until(() => late.tokens.access !== '');
    release();

    await expect(call).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(0);
  });
});
