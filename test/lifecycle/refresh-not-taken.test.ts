/**
 * A refresh that succeeds but does not take: the server answers 200, yet the request sent again
 * with what it gave is refused again (the app stored the wrong field, a cookie was dropped, the
 * API refuses the new token). Polling must not turn that into a refresh per poll: the session
 * waits out a backoff, as after a transient failure, and a refresh that takes ends the streak.
 */
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, observe } from '../../src/index.js';
import type { SessionEvent } from '../../src/index.js';
import { createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { rejection } from '../helpers/rejection.js';
import { until } from '../helpers/gate.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

let server: LifeServer;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: T0 });
  // The longest draw of each backoff: 250 ms, then 500 ms, 1 000 ms.
  vi.spyOn(Math, 'random').mockReturnValue(1);
  server = await startLifeServer();
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await server.close();
});

/** An app whose `refresh` stores the rotated refresh token, and the access token only when `takes`. */
function app() {
  const tokens = { access: server.access, refresh: server.refresh, takes: false };
  const api = axios.create({ baseURL: server.url });
  const interceptor = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh: tokens.refresh });
      tokens.refresh = data.refresh;
      if (tokens.takes) tokens.access = data.access;
    },
    accessToken: bearer(() => tokens.access),
    credentialOrigins: [server.url],
  });
  return { api, interceptor, tokens };
}

const poll = (api: ReturnType<typeof app>['api'], n = 5) =>
  Promise.allSettled(Array.from({ length: n }, (_, i) => api.get(`/api/poll-${i}`)));

/** Lets `ms` pass, polls, and gives the refresh calls the server has seen so far. */
async function refreshesAfter(ms: number, api: ReturnType<typeof app>['api']): Promise<number> {
  vi.advanceTimersByTime(ms);
  await poll(api);
  return server.refreshCalls();
}

describe('a refresh whose credentials the server refuses at once', () => {
  it('waits out a backoff before the next refresh, growing with each such refresh in a row, not a refresh per poll', async () => {
    const { api, interceptor } = app();
    server.expireAccess();

    const first = await poll(api);
    // Each was sent again once with what the refresh gave, and got its own 401.
    expect(first.map((r) => r.status === 'rejected' && (r.reason as { response?: { status?: number } }).response?.status)).toEqual([401, 401, 401, 401, 401]);
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api', 401)).toBe(10);
    expect(interceptor.session.state).toBe('cooling-down');

    // Polls during the backoff reject at once and reach no refresh.
    vi.advanceTimersByTime(249);
    const refused = await poll(api);
    expect(refused.every((r) => r.status === 'rejected' && isRefreshFailedError(r.reason))).toBe(true);
    expect(server.refreshCalls()).toBe(1);

    expect(await refreshesAfter(1, api)).toBe(2);
    expect(await refreshesAfter(499, api)).toBe(2);
    expect(await refreshesAfter(1, api)).toBe(3);
    expect(await refreshesAfter(999, api)).toBe(3);
    expect(server.reused()).toBe(0);
    expect(interceptor.session.state).toBe('cooling-down');
  });

  it('starts the streak over after a refresh that takes: the next one that does not waits the first backoff again', async () => {
    const { api, interceptor, tokens } = app();
    server.expireAccess();
    await poll(api);
    expect(await refreshesAfter(250, api)).toBe(2);

    tokens.takes = true;
    vi.advanceTimersByTime(500);
    const fixed = await poll(api);
    expect(fixed.map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
    expect(server.refreshCalls()).toBe(3);
    expect(interceptor.session.state).toBe('live');

    tokens.takes = false;
    server.expireAccess();
    await poll(api);
    expect(server.refreshCalls()).toBe(4);
    expect(await refreshesAfter(249, api)).toBe(4);
    expect(await refreshesAfter(1, api)).toBe(5);
  });

  it('tells observers of a failed refresh that ended nothing, with the call and waiters of that refresh, and never ends the session', async () => {
    const { api, interceptor } = app();
    const events: SessionEvent[] = [];
    const ended = vi.fn();
    observe(interceptor.session, (event) => {
      events.push(event);
      if (event.type === 'session-ended') ended();
    });
    server.expireAccess();
    const gate = server.hold('/refresh');
    const polled = poll(api);
    await until(() => server.arrived('/refresh') === 1 && server.count('/api', 401) === 5);
    vi.advanceTimersByTime(30);
    gate.open();
    await polled;
    const error = await rejection(api.get('/api/during'));

    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-succeeded', 'refresh-failed']);
    expect(events[1]).toMatchObject({ duration: 30, waited: 5 });
    expect(events[2]).toMatchObject({ duration: 30, waited: 5, ended: false });
    expect(isRefreshFailedError(error)).toBe(true);
    expect(error.message).toContain('The server refused the refreshed credentials');
    expect(ended).not.toHaveBeenCalled();
  });

  it('does the same for fetch: the call sent again returns its 401, and the next 401 rejects at once', async () => {
    const tokens = { access: server.access, refresh: server.refresh };
    const session = createRefreshSession({
      refresh: async () => {
        const response = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }) });
        tokens.refresh = ((await response.json()) as { refresh: string }).refresh;
      },
      accessToken: bearer(() => tokens.access),
      credentialOrigins: [server.url],
    });
    const authFetch = createRefreshFetch(fetch, { session });
    server.expireAccess();

    const answers = await Promise.all([1, 2, 3].map((n) => authFetch(`${server.url}/api/f-${n}`)));
    expect(answers.map((response) => response.status)).toEqual([401, 401, 401]);
    expect(server.refreshCalls()).toBe(1);
    expect(session.state).toBe('cooling-down');

    expect(isRefreshFailedError(await authFetch(`${server.url}/api/during`).catch((error: unknown) => error))).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api/during')).toBe(1);
  });
});

describe('the streak of refreshes that did not take', () => {
  it('starts from the first backoff after transient failures: those are a streak of their own', async () => {
    const { api, interceptor } = app();
    server.expireAccess();
    server.reply = { status: 503 };
    await poll(api);
    vi.advanceTimersByTime(250);
    await poll(api);
    vi.advanceTimersByTime(500);
    server.reply = { status: 200 };
    await poll(api);
    expect(server.refreshStatuses()).toEqual([503, 503, 200]);
    expect(interceptor.session.state).toBe('cooling-down');

    // The first refresh in a row that did not take: 250 ms, not the 1 000 ms of a third failure.
    expect(await refreshesAfter(249, api)).toBe(3);
    expect(await refreshesAfter(1, api)).toBe(4);
  });
});
