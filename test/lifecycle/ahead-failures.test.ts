/**
 * A refresh ahead of expiry that fails or is late, over the life of the access token it meant to
 * replace: while that token works nothing is held back, and past its end nothing goes out with it.
 */
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, expiry, getAccessToken, isRefreshFailedError } from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { until } from '../helpers/gate.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const MARGIN = 5_000;
const TIMEOUT = 1_000;

let server: LifeServer;
beforeEach(async () => {
  // Timers and `Date` are the test's; sockets stay real.
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: T0 });
  server = await startLifeServer();
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

/** An app whose access token expires at `at` (ms since the epoch), with refresh ahead of it. */
function aheadApp(at: number) {
  const tokens = { access: server.access, refresh: server.refresh, at };
  const api = axios.create({ baseURL: server.url });
  const interceptor = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      Object.assign(tokens, (await client.post<{ access: string; refresh: string }>('/refresh', { refresh: tokens.refresh })).data);
      tokens.at = Date.now() + 60_000;
    },
    accessToken: bearer(() => tokens.access),
    expiresAt: expiry(() => tokens.at, MARGIN),
    refreshTimeout: TIMEOUT,
    credentialOrigins: [server.url],
  });
  return { api, interceptor, tokens };
}

const status = (request: Promise<{ status: number }>): Promise<number> => request.then((response) => response.status);

describe('a refresh ahead of expiry whose waiters gave up after refreshTimeout', () => {
  it('holds no later request while the token still works: each goes out at once with it', async () => {
    const { api } = aheadApp(T0 + 3_000);
    const gate = server.hold('/refresh');
    const first = status(api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);
    expect(server.arrived('/api/first')).toBe(0);

    vi.advanceTimersByTime(TIMEOUT);
    expect(await first).toBe(200);
    // The call is still out, and late: the token has 2 s left, and a request need not wait.
    vi.setSystemTime(T0 + 1_500);
    expect(await status(api.get('/api/second'))).toBe(200);
    expect(await status(api.get('/api/third'))).toBe(200);
    expect(server.arrived('/refresh')).toBe(1);

    gate.open();
    await until(() => server.refreshCalls() === 1);
    expect(server.count('/api', 401)).toBe(0);
  });

  it('lets getAccessToken give the token that works when it is valid for minValidity, without waiting for the call', async () => {
    const { api, interceptor, tokens } = aheadApp(T0 + 3_000);
    const gate = server.hold('/refresh');
    const first = status(api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);
    vi.advanceTimersByTime(TIMEOUT);
    expect(await first).toBe(200);

    const working = tokens.access;
    expect(await getAccessToken(interceptor.session, { minValidity: 1_000 })).toBe(working);
    gate.open();
    await until(() => server.refreshCalls() === 1);
  });

  it('holds requests for it again once the token it meant to replace has expired', async () => {
    const { api } = aheadApp(T0 + 3_000);
    const gate = server.hold('/refresh');
    const first = status(api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);
    vi.advanceTimersByTime(TIMEOUT);
    expect(await first).toBe(200);

    vi.setSystemTime(T0 + 3_000);
    server.expireAccess();
    const late = status(api.get('/api/late'));
    await until(() => server.arrived('/refresh') === 1);
    expect(server.arrived('/api/late')).toBe(0);
    gate.open();
    expect(await late).toBe(200);
    expect(server.count('/api/late')).toBe(1);
    expect(server.refreshStatuses()).toEqual([200]);
  });
});

describe('a refresh ahead of expiry that fails transiently', () => {
  it('sends nothing with a token already past its expiry: the requests reject with RefreshFailedError unsent', async () => {
    const { api } = aheadApp(T0 - 500);
    server.expireAccess();
    server.reply = { status: 503 };
    const errors = await Promise.all([1, 2, 3].map((n) => rejection(api.get(`/api/burst-${n}`))));

    expect(errors.every(isRefreshFailedError)).toBe(true);
    expect(server.refreshStatuses()).toEqual([503]);
    expect(server.arrived('/api/burst')).toBe(0);
  });

  it('still sends the requests with a token that has time left', async () => {
    const { api } = aheadApp(T0 + 3_000);
    server.reply = { status: 503 };
    expect(await Promise.all([1, 2, 3].map((n) => status(api.get(`/api/burst-${n}`))))).toEqual([200, 200, 200]);
    expect(server.refreshStatuses()).toEqual([503]);
  });
});
