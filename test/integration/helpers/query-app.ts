import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { vi } from 'vitest';
import { createRefreshFetch } from '../../../src/fetch.js';
import { bearer, createRefreshInterceptor, createRefreshSession, jwtExpiry } from '../../../src/index.js';
import type { RefreshSession } from '../../../src/index.js';
import type { AuthServer } from '../../helpers/auth-server.js';
import { until } from '../../helpers/gate.js';

/** What the loopback server answers with: what it saw of the request. */
export interface Echo {
  path: string;
  token?: string;
  method: string;
}

interface Tokens {
  access: string;
  refresh: string;
}

/**
 * A bearer app as the README's recipes set it up for a query library: one session with
 * `accessToken`, an axios instance and `authFetch` on it, and a log-in of its own.
 */
export interface QueryApp {
  session: RefreshSession;
  api: AxiosInstance;
  authFetch: typeof fetch;
  /** Calls of `onSessionExpired` so far. */
  expired: () => number;
  /** Logs in again through the axios instance, with `skipAuthRefresh` as the README has it. */
  logInWithAxios: () => Promise<void>;
  /** Logs in again through plain `fetch`, as the README has it for fetch apps. */
  logInWithFetch: () => Promise<void>;
  /** GETs `/api/<name>` through axios and gives the body; rejects with the library's errors. */
  getWithAxios: (name: string) => Promise<Echo>;
  /** GETs `/api/<name>` through `authFetch`; a non-2xx answer throws, as query functions do. */
  getWithFetch: (name: string) => Promise<Echo>;
  /** Calls of `authFetch`, `getWithAxios` and `getWithFetch` that have not settled yet. */
  busy: () => number;
}

export function queryApp(server: AuthServer): QueryApp {
  let tokens: Tokens = { access: server.access, refresh: server.refresh };
  let expired = 0;
  let busy = 0;
  const session = createRefreshSession({
    // Absolute: a refresh that a fetch call starts may get a client without the instance's baseURL.
    refresh: async ({ client }) => {
      tokens = (await client.post<Tokens>(`${server.url}/refresh`, { refresh: tokens.refresh })).data;
    },
    onSessionExpired: () => {
      expired += 1;
    },
    accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
    // In Node there is no page whose origin would let absolute URLs carry the token.
    credentialOrigins: [server.url],
  });
  const api = axios.create({ baseURL: server.url });
  createRefreshInterceptor(api, { session });
  const counted = async <T>(call: () => Promise<T>): Promise<T> => {
    busy += 1;
    try {
      return await call();
    } finally {
      busy -= 1;
    }
  };
  const refreshFetch = createRefreshFetch(fetch, { session });
  const authFetch: typeof fetch = (input, init) => counted(() => refreshFetch(input, init));
  return {
    session,
    api,
    authFetch,
    expired: () => expired,
    async logInWithAxios() {
      tokens = (await api.post<Tokens>('/login', { email: 'ada@example.com' }, { skipAuthRefresh: true })).data;
    },
    async logInWithFetch() {
      const response = await fetch(`${server.url}/login`, { method: 'POST', body: '{"email":"ada@example.com"}' });
      tokens = (await response.json()) as Tokens;
    },
    getWithAxios: (name) => counted(async () => (await api.get<Echo>(`/api/${name}`)).data),
    getWithFetch: (name) =>
      counted(async () => {
        const response = await authFetch(`${server.url}/api/${name}`);
        if (!response.ok) throw new Error(`GET /api/${name} answered ${response.status}`);
        return (await response.json()) as Echo;
      }),
    busy: () => busy,
  };
}

export const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/**
 * Lets the next `n` requests under `/api/` reach the server before any is answered, so that
 * every one of them meets the expired token rather than waiting for another's refresh. Call it
 * right after starting them, with every earlier request settled.
 */
export async function allOnExpiredToken(server: AuthServer, n: number): Promise<void> {
  const arrivals = server.hold('/api/');
  await server.arrived('/api/', server.count('/api/') + n);
  arrivals.open();
}

/**
 * With fake timers: whenever no request is in flight and a timer is pending (a retry's back-off),
 * moves the clock to the next timer and fires every timer due then, so that retries scheduled
 * together go out together, as they would in real time. Returns once `done` holds.
 */
export async function runRetries(app: QueryApp, done: () => boolean): Promise<void> {
  for (;;) {
    await until(() => done() || (app.busy() === 0 && vi.getTimerCount() > 0));
    if (done()) return;
    await vi.advanceTimersToNextTimerAsync();
    await vi.advanceTimersByTimeAsync(0);
  }
}

/** Fake `setTimeout` and `Date` only: the loopback server, `until` and React's scheduler need the real rest. */
export const clockOnly: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'Date'] };
