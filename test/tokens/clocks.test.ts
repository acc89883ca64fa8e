import axios from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, expiry, jwtExpiry } from '../../src/index.js';
import type { Tokens } from '../bearer/helpers/jwt-server.js';
import { startSkewedServer } from './helpers/skewed-server.js';
import type { SkewedServer } from './helpers/skewed-server.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const N = 10;

let server: SkewedServer | undefined;
beforeEach(() => {
  // Date and the monotonic clock are the test's; the sockets' timers stay real.
  vi.useFakeTimers({ now: T0, toFake: ['Date', 'performance'] });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  await server?.close();
  server = undefined;
});

interface App {
  api: AxiosInstance;
  tokens: Tokens;
}

/**
 * The README's bearer app with `jwtExpiry`; `returnAnswer` makes `refresh` resolve the refresh's
 * answer (whose `Date` the library can read) instead of nothing.
 */
function app(on: SkewedServer, returnAnswer = false): App {
  const state = { tokens: on.logIn() } as App;
  state.api = axios.create({ baseURL: on.url });
  createRefreshInterceptor(state.api, {
    refresh: async ({ client }): Promise<AxiosResponse | undefined> => {
      const answer = await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh });
      state.tokens = answer.data;
      return returnAnswer ? answer : undefined;
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
  });
  return state;
}

/** What a burst of N requests cost the server: requests it received, refresh calls among them, and 401s. */
async function burst(state: App, on: SkewedServer): Promise<{ requests: number; refreshes: number; unauthorized: number }> {
  const before = { requests: on.seen.length, refreshes: on.count('/refresh'), unauthorized: on.count('/tasks', 401) };
  const answers = await Promise.all(Array.from({ length: N }, () => state.api.get('/tasks')));
  expect(answers.map((a) => a.status)).toEqual(Array<number>(N).fill(200));
  return {
    requests: on.seen.length - before.requests,
    refreshes: on.count('/refresh') - before.refreshes,
    unauthorized: on.count('/tasks', 401) - before.unauthorized,
  };
}

/** Moves the client's clock by `ms` as time passing does: the wall clock and the monotonic one together. */
const pass = (ms: number): void => {
  vi.advanceTimersByTime(ms);
};

/** Turns the client's wall clock by `ms`, as a user or an NTP step does; the monotonic clock goes on. */
const turn = (ms: number): void => {
  vi.setSystemTime(Date.now() + ms);
};

describe('expiries read in the server time, measured at each refresh', () => {
  it('a client 10 minutes behind the server still refreshes ahead of expiry: a burst of N at expiry costs N + 1 requests, not 2N + 1', async () => {
    server = await startSkewedServer({ skew: 10 * MINUTE, lifetime: 15 * MINUTE });
    const state = app(server);
    // The first expiry after log-in: nothing measured yet, so it costs a 401 round; its refresh
    // tells the server's time from the new token's iat.
    pass(15 * MINUTE + 1_000);
    await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);

    // One second past the server's expiry of the new token, ten minutes before the client's.
    pass(15 * MINUTE);
    const cost = await burst(state, server);

    expect(cost).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
  });

  it('a client 10 minutes ahead refreshes once, not before every request, and a burst at the real expiry costs N + 1', async () => {
    server = await startSkewedServer({ skew: -10 * MINUTE, lifetime: 5 * MINUTE });
    const state = app(server);
    // By the client's clock the log-in token expired 5 minutes ago: one refresh, which measures.
    await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);

    pass(4 * MINUTE);
    for (let i = 0; i < 5; i++) await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);

    pass(MINUTE + 1_000);
    const cost = await burst(state, server);

    expect(cost).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
  });

  it('measures from the refresh answer Date header when the token has no iat', async () => {
    server = await startSkewedServer({ skew: 10 * MINUTE, lifetime: 15 * MINUTE });
    server.iat = false;
    const state = app(server, true);
    pass(15 * MINUTE + 1_000);
    await state.api.get('/tasks');

    pass(15 * MINUTE);
    const cost = await burst(state, server);

    expect(cost).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
  });

  it('corrects nothing for a clock within the margin of the server: 4 s behind, the refresh comes at the margin of the client clock', async () => {
    server = await startSkewedServer({ skew: 4_000, lifetime: 15 * MINUTE });
    const state = app(server);
    // A refresh ahead of the first expiry, which measures 4 s: within the margin of 5 s.
    pass(15 * MINUTE - 1_000);
    await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);

    // The new token expires at the server's 15 minutes later, the client's 4 s before that;
    // read in the client's clock, the margin is reached 1 s before the server's expiry.
    pass(15 * MINUTE - 1_000 - 1);
    await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);
    pass(1);
    await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(2);
    expect(server.count('/tasks', 401)).toBe(0);
  });
});

describe('a clock turned while the app runs', () => {
  it('is noticed when turned back 10 minutes: the next expiry is still refreshed ahead, N + 1', async () => {
    server = await startSkewedServer({ skew: 0, lifetime: 15 * MINUTE });
    const state = app(server);
    pass(MINUTE);
    await state.api.get('/tasks');
    turn(-10 * MINUTE);
    // The server's clock did not move: its time is the client's plus 10 minutes from now on.
    server.skew = 10 * MINUTE;

    pass(14 * MINUTE + 1_000);
    const cost = await burst(state, server);

    expect(cost).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
  });

  it('is noticed by expiry() too, whose expiry is in the client clock: turned back 10 minutes, both the next expiry and the one after cost N + 1', async () => {
    server = await startSkewedServer({ skew: 0, lifetime: 15 * MINUTE });
    const state = { tokens: server.logIn(), at: Date.now() + 15 * MINUTE } as App & { at: number };
    state.api = axios.create({ baseURL: server.url });
    createRefreshInterceptor(state.api, {
      refresh: async ({ client }) => {
        state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh })).data;
        // As the app stores `expires_in`: in its own clock, turned or not.
        state.at = Date.now() + 15 * MINUTE;
      },
      accessToken: bearer(() => state.tokens.access),
      expiresAt: expiry(() => state.at),
    });
    pass(MINUTE);
    await state.api.get('/tasks');
    turn(-10 * MINUTE);
    server.skew = 10 * MINUTE;

    pass(14 * MINUTE + 1_000);
    expect(await burst(state, server)).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
    // The new expiry is in the turned clock: no correction is left over to refresh it early.
    pass(6 * MINUTE);
    await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);
    pass(9 * MINUTE);
    expect(await burst(state, server)).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
  });

  it('is not fooled by a Date that stands still while the monotonic clock runs (MockDate, fake timers for Date alone): no refresh before the token is due', async () => {
    server = await startSkewedServer({ skew: 0, lifetime: 15 * MINUTE });
    const state = app(server);
    pass(MINUTE);
    await state.api.get('/tasks');
    for (let i = 0; i < 3; i++) {
      const frozen = Date.now();
      pass(10 * MINUTE);
      vi.setSystemTime(frozen);
      await state.api.get('/tasks');
    }

    expect(server.count('/refresh')).toBe(0);
    expect(server.count('/tasks', 200)).toBe(4);
  });

  it('costs one early refresh when turned forward 10 minutes, which measures the server again: no refresh per request, N + 1 at the real expiry', async () => {
    server = await startSkewedServer({ skew: 0, lifetime: 15 * MINUTE });
    const state = app(server);
    pass(MINUTE);
    await state.api.get('/tasks');
    turn(10 * MINUTE);
    server.skew = -10 * MINUTE;

    pass(5 * MINUTE);
    for (let i = 0; i < 5; i++) await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);

    pass(15 * MINUTE + 1_000);
    const cost = await burst(state, server);

    expect(cost).toEqual({ requests: N + 1, refreshes: 1, unauthorized: 0 });
  });
});

describe('rounding that is neither skew nor a turn', () => {
  it('does not drift with a 0 ms margin: Date in whole milliseconds beside a monotonic clock in fractions, read each millisecond, comes due at the expiry exactly', () => {
    // Each millisecond of Date, the monotonic clock moves 1.8 ms or 0.2 ms: 1 ms on average.
    let mono = 0;
    vi.stubGlobal('performance', { now: () => mono });
    const at = T0 + 3_000;
    const expiresAt = expiry(() => at, 0);
    let dueAt: number | undefined;
    for (let step = 1; dueAt === undefined && step <= 4_000; step++) {
      vi.setSystemTime(T0 + step);
      mono += step % 2 === 0 ? 0.2 : 1.8;
      if (expiresAt.due()) dueAt = Date.now();
    }

    expect(dueAt).toBe(at);
  });

  it('does not take a Date header\'s rounding to whole seconds for skew: with a 0 ms margin, a clock that is right reads the expiry as it is', () => {
    const exp = T0 + 60_000;
    const token = `h.${btoa(JSON.stringify({ exp: exp / 1000 }))}.s`;
    const expiresAt = jwtExpiry(() => token, 0);
    // The server answered 999 ms into its second: its Date header says the second's start.
    expiresAt.refreshed({ headers: { date: new Date(T0 - 999).toUTCString() } });

    expect(expiresAt.left()).toBe(60_000);
  });
});
