import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, jwtExpiry, refreshOnWake, expiry } from '../../src/index.js';
import type { RefreshSession, Wake } from '../../src/index.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';
import { FakePage } from '../tokens/helpers/fake-page.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let server: JwtServer;
let page: FakePage;
const wakes: Wake[] = [];
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  server = await startJwtServer(15 * MINUTE);
  page = new FakePage().install();
});
afterEach(async () => {
  for (const w of wakes.splice(0)) w.stop();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  await server.close();
});

function app(wake = false) {
  const state = { tokens: server.logIn(), ended: [] as unknown[] } as { tokens: Tokens; session: RefreshSession; api: ReturnType<typeof axios.create>; ended: unknown[] };
  state.api = axios.create({ baseURL: server.url });
  state.session = createRefreshInterceptor(state.api, {
    refresh: async ({ client }) => {
      state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh })).data;
    },
    onSessionExpired: (e) => {
      state.ended.push(e);
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
  }).session;
  if (wake) wakes.push(refreshOnWake(state.session));
  return state;
}

/** A sleep: the wall clock (client and server) jumps, the monotonic clock paused. */
const sleep = (ms: number): void => {
  vi.setSystemTime(Date.now() + ms);
  server.sleep(0); // server clock follows Date.now()
};

describe('a laptop that slept 3 hours', () => {
  it('a burst of 20 at wake, with wake events fired 10 times: one refresh, 20 requests, no 401', async () => {
    const state = app(true);
    await state.api.get('/tasks');
    sleep(3 * HOUR);
    for (let i = 0; i < 5; i += 1) page.show();
    for (let i = 0; i < 5; i += 1) page.online();
    const answers = await Promise.all(Array.from({ length: 20 }, () => state.api.get('/tasks')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(server.count('/refresh')).toBe(1);
    expect(server.count('/tasks', 401)).toBe(0);
    expect(server.reused).toBe(0);
  });

  it('wakes fired repeatedly while the refresh is rejected: one refresh, onSessionExpired once', async () => {
    const state = app(true);
    sleep(3 * HOUR);
    server.failOnce('/refresh', 401);
    for (let i = 0; i < 10; i += 1) {
      page.show();
      page.online();
    }
    await vi.waitFor(() => { expect(state.session.state).toBe('ended'); }, { timeout: 3000, interval: 5 });
    for (let i = 0; i < 10; i += 1) page.show();
    vi.advanceTimersByTime(20_000);
    for (let i = 0; i < 10; i += 1) page.show();
    await new Promise((r) => setImmediate(r));
    expect(server.count('/refresh')).toBe(1);
    expect(state.ended).toHaveLength(1);
  });
});

describe('a clock turned back during a cooldown', () => {
  it('lets a refresh reach the server again once the backoff (at most 5 s) has passed, though the wall clock was turned back 10 minutes', async () => {
    const state = app();
    await state.api.get('/tasks');
    server.revoke();
    server.failOnce('/refresh', 503);
    const first = await state.api.get('/tasks').catch((e: unknown) => e);
    expect(isRefreshFailedError(first)).toBe(true);
    expect(state.session.state).toBe('cooling-down');
    // An NTP step or the user turns the wall clock back 10 minutes; the monotonic clock goes on.
    vi.setSystemTime(Date.now() - 10 * MINUTE);
    server.sleep(10 * MINUTE); // the server's clock is not turned
    vi.advanceTimersByTime(6_000); // more than the longest backoff passes
    const second = await state.api.get('/tasks').catch((e: unknown) => e);
    expect(state.session.state).not.toBe('cooling-down');
    expect((second as { status?: number }).status).toBe(200);
    expect(server.count('/refresh')).toBe(2);
  });

  it('gives refusals during that cooldown a retryAt in the clock as it reads now, not 10 minutes later', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const state = app();
    await state.api.get('/tasks');
    server.revoke();
    server.failOnce('/refresh', 503);
    const first = (await state.api.get('/tasks').catch((e: unknown) => e)) as { retryAt?: number };
    const start = Date.now();
    // The backoff after one failure, at its longest.
    expect(first.retryAt).toBe(start + 250);

    vi.setSystemTime(start - 10 * MINUTE);
    server.sleep(10 * MINUTE);
    vi.advanceTimersByTime(100);
    const refused = (await state.api.get('/tasks').catch((e: unknown) => e)) as { retryAt?: number };
    expect(isRefreshFailedError(refused)).toBe(true);
    expect(refused.retryAt).toBe(Date.now() + 150);
    vi.restoreAllMocks();
  });

  it('expiry(): no refresh storm after the clock is turned forward an hour and expiresAt is in the client clock', async () => {
    const state = { at: Date.now() + 15 * MINUTE, refreshes: 0 };
    const api = axios.create({ baseURL: server.url });
    let tokens = server.logIn();
    createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        state.refreshes += 1;
        tokens = (await client.post<Tokens>('/refresh', { refresh: tokens.refresh })).data;
        state.at = Date.now() + 15 * MINUTE;
      },
      accessToken: bearer(() => tokens.access),
      expiresAt: expiry(() => state.at),
    });
    vi.setSystemTime(Date.now() + HOUR);
    server.sleep(0);
    for (let i = 0; i < 10; i += 1) await api.get('/tasks');
    expect(state.refreshes).toBe(1);
  });
});
