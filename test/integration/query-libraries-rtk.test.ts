import { configureStore } from '@reduxjs/toolkit';
import { createApi, fetchBaseQuery, retry } from '@reduxjs/toolkit/query';
import type { BaseQueryFn, FetchBaseQueryError } from '@reduxjs/toolkit/query';

type RetryOptions = NonNullable<Parameters<typeof retry>[1]>;
import { isAxiosError } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERR_SESSION_EXPIRED, isSessionExpiredError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { allOnExpiredToken, clockOnly, names, queryApp, runRetries } from './helpers/query-app.js';
import type { Echo, QueryApp } from './helpers/query-app.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
  // RTK Query's `retry` waits with `setTimeout` between attempts: the tests move the clock.
  vi.useFakeTimers(clockOnly);
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

/** What the axios base query gives RTK Query for a failed request: plain data, as its store wants. */
interface AxiosQueryError {
  status: number | undefined;
  code: string | undefined;
  data: unknown;
}

type Outcome = { data: Echo; error?: undefined } | { data?: undefined; error: AxiosQueryError | FetchBaseQueryError };

/**
 * An RTK Query API with the default `retry()` (5 retries, exponential back-off with jitter) over
 * either the axios instance or `fetchBaseQuery` through `authFetch`. `thrown` keeps, per name,
 * the errors the transport threw, which the base queries turn into plain data.
 */
function rtkApp(app: QueryApp, via: 'axios' | 'fetch', retryOptions: RetryOptions = {}) {
  const thrown = new Map<string, unknown[]>();
  const keep = (name: string, error: unknown): void => {
    thrown.set(name, [...(thrown.get(name) ?? []), error]);
  };
  const axiosBaseQuery: BaseQueryFn<string, Echo, AxiosQueryError> = async (name) => {
    try {
      return { data: await app.getWithAxios(name) };
    } catch (error) {
      if (!isAxiosError(error)) throw error;
      keep(name, error);
      return { error: { status: error.response?.status, code: error.code, data: error.response?.data } };
    }
  };
  const fetchQuery = fetchBaseQuery({
    baseUrl: `${server.url}/api/`,
    // fetchBaseQuery calls it with a Request it has built.
    fetchFn: (request: RequestInfo) =>
      app.authFetch(request).catch((error: unknown) => {
        keep(new URL(typeof request === 'string' ? request : request.url).pathname.slice('/api/'.length), error);
        throw error;
      }),
  });
  const baseQuery: BaseQueryFn<string, unknown, AxiosQueryError | FetchBaseQueryError> =
    via === 'axios' ? retry(axiosBaseQuery, retryOptions) : retry(fetchQuery, retryOptions);
  const api = createApi({
    reducerPath: 'echo',
    baseQuery,
    endpoints: (build) => ({ echo: build.query<Echo, string>({ query: (name) => name }) }),
  });
  const store = configureStore({
    reducer: { [api.reducerPath]: api.reducer },
    // The development checks warn on the console when a busy machine makes them take over 32 ms.
    middleware: (defaults) =>
      defaults({ immutableCheck: { warnAfter: 1_000 }, serializableCheck: { warnAfter: 1_000 } }).concat(api.middleware),
  });
  /** Subscribes to `echo(name)` for each name, as that many mounted `useEchoQuery` hooks do. */
  const query = (keys: string[]) => {
    let settled = 0;
    const all = Promise.all(
      keys.map(async (name) => {
        const outcome = (await store.dispatch(api.endpoints.echo.initiate(name))) as Outcome;
        settled += 1;
        return outcome;
      }),
    );
    return { all, done: () => settled === keys.length };
  };
  return { query, thrown };
}

describe.each([
  { transport: 'an axios base query', n: 20, via: 'axios' },
  { transport: 'fetchBaseQuery through createRefreshFetch', n: 10, via: 'fetch' },
] as const)('RTK Query with retry() over $transport', ({ n, via }) => {
  /** The errors as RTK Query keeps them: the axios base query keeps `code`, fetchBaseQuery only a string. */
  const sessionExpired = (error: AxiosQueryError | FetchBaseQueryError | undefined): boolean =>
    via === 'axios'
      ? (error as AxiosQueryError | undefined)?.code === ERR_SESSION_EXPIRED
      : error?.status === 'FETCH_ERROR' && error.error.startsWith('SessionExpiredError');

  it(`costs a dead session one rejected refresh and one onSessionExpired for ${n} queries, each ending in SessionExpiredError`, async () => {
    const app = queryApp(server);
    const { query, thrown } = rtkApp(app, via);
    server.expireAccess();
    server.refreshMode = 'reject';

    const { all, done } = query(names('dead', n));
    await allOnExpiredToken(server, n);
    await runRetries(app, done);
    const outcomes = await all;

    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });
    expect(outcomes.map((o) => sessionExpired(o.error))).toEqual(Array<boolean>(n).fill(true));
    expect(names('dead', n).map((name) => thrown.get(name)?.map(isSessionExpiredError))).toEqual(
      Array<boolean[]>(n).fill(Array<boolean>(6).fill(true)),
    );
    // retry()'s 5 retries each still reach the server and get a 401: the round trips that a
    // `retryCondition` declining SessionExpiredError saves.
    expect(server.count('/api/dead', 401)).toBe(6 * n);
  });

  it(`sends each of ${n} queries once over a dead session when retryCondition declines SessionExpiredError, as the README suggests`, async () => {
    const app = queryApp(server);
    const { query } = rtkApp(app, via, {
      retryCondition: (error, _args, { attempt }) => attempt <= 5 && !sessionExpired(error as AxiosQueryError | FetchBaseQueryError),
    });
    server.expireAccess();
    server.refreshMode = 'reject';

    const { all, done } = query(names('declined', n));
    await allOnExpiredToken(server, n);
    await runRetries(app, done);
    const outcomes = await all;

    expect(outcomes.map((o) => sessionExpired(o.error))).toEqual(Array<boolean>(n).fill(true));
    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });
    expect(server.count('/api/declined', 401)).toBe(n);
  });

  it(`costs a live session one refresh for ${n} queries at expiry, each sent once with the old token and once with the new`, async () => {
    const app = queryApp(server);
    const { query } = rtkApp(app, via);
    server.expireAccess();

    const { all, done } = query(names('live', n));
    await allOnExpiredToken(server, n);
    await runRetries(app, done);
    const outcomes = await all;

    expect(outcomes.map((o) => o.data?.token)).toEqual(Array<string>(n).fill('access-1'));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(app.expired()).toBe(0);
    expect(server.count('/api/live', 401)).toBe(n);
    expect(server.count('/api/live', 200)).toBe(n);
  });

  it(`serves the same ${n} queries again after a new log-in, with one refresh when the new token has expired`, async () => {
    const app = queryApp(server);
    const { query } = rtkApp(app, via);
    server.expireAccess();
    server.refreshMode = 'reject';
    const dead = query(names('again', n));
    await allOnExpiredToken(server, n);
    await runRetries(app, dead.done);
    expect((await dead.all).map((o) => sessionExpired(o.error))).toEqual(Array<boolean>(n).fill(true));

    await (via === 'axios' ? app.logInWithAxios() : app.logInWithFetch());
    server.refreshMode = 'rotate';
    server.expireAccess();
    // A new subscription to a query that ended in error fetches it again.
    const live = query(names('again', n));
    await allOnExpiredToken(server, n);
    await runRetries(app, live.done);
    const outcomes = await live.all;

    // access-1 came from the log-in, access-2 from the refresh its expiry needed.
    expect(outcomes.map((o) => o.data?.token)).toEqual(Array<string>(n).fill('access-2'));
    expect(server.count('/login', 200)).toBe(1);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([401, 200]);
    expect(app.expired()).toBe(1);
    expect(server.count('/api/again', 200)).toBe(n);
  });
});
