import axios from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { bearer, createRefreshInterceptor, jwtExpiry } from '../../../src/index.js';
import type { RefreshSession } from '../../../src/index.js';
import type { Tokens } from '../../bearer/helpers/jwt-server.js';
import { startClaimsServer } from './claims-server.js';
import type { ClaimsServer } from './claims-server.js';

export const T0 = 1_800_000_000_000;
export const MINUTE = 60_000;
export const N = 10;

export interface App {
  api: AxiosInstance;
  tokens: Tokens;
  session: RefreshSession;
  ended: number;
}

/**
 * The README's bearer quick start with `jwtExpiry`; `returnAnswer` makes `refresh` resolve the
 * refresh's answer, whose `Date` the library can read, as the "Clocks that lie" recipe does.
 */
export function bearerApp(on: ClaimsServer, returnAnswer = false): App {
  const state = { tokens: on.logIn(), ended: 0 } as App;
  state.api = axios.create({ baseURL: on.url });
  const { session } = createRefreshInterceptor(state.api, {
    refresh: async ({ client }): Promise<AxiosResponse | undefined> => {
      const answer = await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh });
      state.tokens = answer.data;
      return returnAnswer ? answer : undefined;
    },
    onSessionExpired: () => {
      state.ended += 1;
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
  });
  state.session = session;
  return state;
}

export interface Cost {
  requests: number;
  refreshes: number;
  unauthorized: number;
}

/** What a burst of N requests to /tasks cost the server; every one of them must succeed. */
export async function burst(state: App, on: ClaimsServer, n = N): Promise<Cost> {
  const before = { requests: on.seen.length, refreshes: on.count('/refresh'), unauthorized: on.count('/tasks', 401) };
  const answers = await Promise.all(Array.from({ length: n }, () => state.api.get('/tasks')));
  expect(answers.map((a) => a.status)).toEqual(Array<number>(n).fill(200));
  return {
    requests: on.seen.length - before.requests,
    refreshes: on.count('/refresh') - before.refreshes,
    unauthorized: on.count('/tasks', 401) - before.unauthorized,
  };
}

/** `n` requests one after another; what they cost the server. Failures are counted, not thrown. */
export async function sequential(state: App, on: ClaimsServer, n: number): Promise<Cost & { failed: number }> {
  const before = { requests: on.seen.length, refreshes: on.count('/refresh'), unauthorized: on.count('/tasks', 401) };
  let failed = 0;
  for (let i = 0; i < n; i++) {
    await state.api.get('/tasks').catch(() => {
      failed += 1;
    });
  }
  return {
    requests: on.seen.length - before.requests,
    refreshes: on.count('/refresh') - before.refreshes,
    unauthorized: on.count('/tasks', 401) - before.unauthorized,
    failed,
  };
}

/** Time passing for the client: the wall clock and the monotonic one together. */
export const pass = (ms: number): void => {
  vi.advanceTimersByTime(ms);
};

/**
 * For each test of the file: `Date` and the monotonic clock faked from T0 (the sockets' timers
 * stay real), and every server the returned function started closed after it.
 */
export function onFakeClock(): (options: Parameters<typeof startClaimsServer>[0]) => Promise<ClaimsServer> {
  const started: ClaimsServer[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['Date', 'performance'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  return async (options) => {
    const server = await startClaimsServer(options);
    started.push(server);
    return server;
  };
}
