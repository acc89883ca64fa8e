import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRefreshFailedError } from '../../src/index.js';
import type { RefreshFailedEvent } from '../../src/index.js';
import { BACKOFF_CAP, MAX_RETRY_AFTER, backoff, retryAfter } from '../../src/refresh-outcome.js';
import { rejection } from '../helpers/rejection.js';
import { lifeApp } from './helpers/life-app.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

const retryAtOf = (error: unknown): unknown => (error as { retryAt?: unknown }).retryAt;

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
  // Only `Date` is faked: sockets and timers stay real, and the cooldown is read from the clock.
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

describe('how long a cooldown lasts', () => {
  it('reads Retry-After as seconds or as an HTTP date, capped at a minute', () => {
    expect(retryAfter('1', T0)).toBe(1_000);
    expect(retryAfter(' 0 ', T0)).toBe(0);
    expect(retryAfter(new Date(T0 + 30_000).toUTCString(), T0)).toBe(30_000);
    expect(retryAfter(new Date(T0 - 30_000).toUTCString(), T0)).toBe(0);
    expect(retryAfter('3600', T0)).toBe(MAX_RETRY_AFTER);
    expect(retryAfter('soon', T0)).toBeUndefined();
    expect(retryAfter('-5', T0)).toBeUndefined();
    expect(retryAfter(undefined, T0)).toBeUndefined();
  });

  it('backs off from 125-250 ms, doubling with each failure in a row, up to 2.5-5 s', () => {
    const low = [1, 2, 3, 4, 5, 6, 7].map((n) => backoff(undefined, n, T0, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7].map((n) => backoff(undefined, n, T0, () => 1));
    expect(low).toEqual([125, 250, 500, 1_000, 2_000, 2_500, 2_500]);
    expect(high).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, BACKOFF_CAP]);
  });

  it('takes Retry-After from an axios error and from a fetch-shaped headers object', () => {
    expect(backoff({ response: { headers: { 'retry-after': '2' } } }, 1, T0)).toBe(2_000);
    expect(backoff({ response: { headers: new Headers({ 'Retry-After': '3' }) } }, 1, T0)).toBe(3_000);
  });

  it('takes Retry-After only when it asks for longer than the backoff: 0 or a date already past keeps the backoff', () => {
    const asking = (value: string) => ({ response: { headers: { 'retry-after': value } } });
    expect(backoff(asking('0'), 4, T0, () => 1)).toBe(2_000);
    expect(backoff(asking(new Date(T0 - 30_000).toUTCString()), 4, T0, () => 0)).toBe(1_000);
    expect(backoff(asking('1'), 4, T0, () => 1)).toBe(2_000);
    expect(backoff(asking('3'), 4, T0, () => 1)).toBe(3_000);
  });
});

describe('backing off when the auth server is down', () => {
  it('backs off through a rate limit that answers Retry-After: 0: a 401 within the backoff fails at once, none reaches the server', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const app = lifeApp(server);
    server.expireAccess();
    server.reply = { status: 429, headers: { 'retry-after': '0' } };
    const first = await rejection(app.api.get('/api/a'));
    expect(isRefreshFailedError(first)).toBe(true);
    expect(retryAtOf(first)).toBe(T0 + 250);

    vi.setSystemTime(T0 + 249);
    expect(isRefreshFailedError(await rejection(app.api.get('/api/b')))).toBe(true);
    expect(server.refreshCalls()).toBe(1);

    vi.setSystemTime(T0 + 250);
    const second = await rejection(app.api.get('/api/c'));
    expect(retryAtOf(second)).toBe(T0 + 250 + 500);
    expect(server.refreshStatuses()).toEqual([429, 429]);
    expect(app.expired()).toBe(0);
  });

  it('sends no refresh before Retry-After has passed: 999 ms fails at once, 1 000 ms refreshes', async () => {
    const app = lifeApp(server);
    server.expireAccess();
    server.reply = { status: 429, headers: { 'retry-after': '1' } };
    const first = await rejection(app.api.get('/api/a'));
    expect(isRefreshFailedError(first)).toBe(true);
    expect(retryAtOf(first)).toBe(T0 + 1_000);
    server.reply = { status: 200 };

    vi.setSystemTime(T0 + 999);
    const during = await rejection(app.api.get('/api/b'));
    expect(isRefreshFailedError(during)).toBe(true);
    expect(during.message).toContain(new Date(T0 + 1_000).toISOString());
    expect(app.session.state).toBe('cooling-down');
    expect(server.refreshCalls()).toBe(1);

    vi.setSystemTime(T0 + 1_000);
    expect(app.session.state).toBe('live');
    await expect(app.api.get('/api/c')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshStatuses()).toEqual([429, 200]);
    expect(app.expired()).toBe(0);
  });

  it('honours Retry-After given as an HTTP date on a 503', async () => {
    const app = lifeApp(server);
    server.expireAccess();
    server.reply = { status: 503, headers: { 'retry-after': new Date(T0 + 5_000).toUTCString() } };
    await rejection(app.api.get('/api/a'));

    vi.setSystemTime(T0 + 4_999);
    expect(isRefreshFailedError(await rejection(app.authFetch(`${server.url}/api/b`)))).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    const event = app.events.find((e): e is RefreshFailedEvent => e.type === 'refresh-failed');
    expect(event?.retryAt).toBe(T0 + 5_000);
  });

  it('turns a 3 s outage under 50 ms polling into 6 refresh calls, and recovers within a second of the server coming back', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const app = lifeApp(server);
    server.expireAccess();
    let now = T0;
    server.reply = () => ({ status: now - T0 < 3_000 ? 503 : 200 });
    const outcomes: Array<{ at: number; ok: boolean }> = [];
    for (; now - T0 <= 4_000; now += 50) {
      vi.setSystemTime(now);
      const ok = await app.api.get('/api/poll').then(
        () => true,
        (error: unknown) => {
          expect(isRefreshFailedError(error)).toBe(true);
          return false;
        },
      );
      outcomes.push({ at: now - T0, ok });
    }

    // Attempts at 0, 150, 400, 900, 1 900 and 3 900 ms (the backoff counted from each failure,
    // rounded up to the next poll): five 503s, then the server is back.
    expect(server.refreshStatuses()).toEqual([503, 503, 503, 503, 503, 200]);
    expect(outcomes.find((o) => o.ok)?.at).toBe(3_900);
    expect(outcomes.filter((o) => o.at >= 3_900).every((o) => o.ok)).toBe(true);
    expect(app.expired()).toBe(0);
  });

  it('starts the backoff afresh after a success', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const app = lifeApp(server);
    server.expireAccess();
    server.reply = { status: 500 };
    await rejection(app.api.get('/api/a'));
    vi.setSystemTime(T0 + 250);
    const second = await rejection(app.api.get('/api/b'));
    expect(retryAtOf(second)).toBe(T0 + 250 + 500);
    vi.setSystemTime(T0 + 750);
    server.reply = { status: 200 };
    await expect(app.api.get('/api/c')).resolves.toMatchObject({ status: 200 });

    server.expireAccess();
    server.reply = { status: 500 };
    const after = await rejection(app.api.get('/api/d'));

    expect(retryAtOf(after)).toBe(T0 + 750 + 250);
    expect(server.refreshStatuses()).toEqual([500, 500, 200, 500]);
  });
});
