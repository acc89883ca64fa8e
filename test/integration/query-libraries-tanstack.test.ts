import { QueryClient, QueryObserver } from '@tanstack/query-core';
import type { QueryObserverResult } from '@tanstack/query-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';
import type { RefreshFailedError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { turns } from '../helpers/gate.js';
import { allOnExpiredToken, clockOnly, names, queryApp, runRetries } from './helpers/query-app.js';
import type { Echo, QueryApp } from './helpers/query-app.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * TanStack Query as an app sets it up: query-core retries nothing on the server by default, so
 * the browser's `retry: 3` is given explicitly; no back-off wait between attempts.
 */
const queryClient = (): QueryClient => new QueryClient({ defaultOptions: { queries: { retry: 3, retryDelay: 0 } } });

/**
 * One observer per name, as that many mounted `useQuery` hooks make, each settled with its
 * final result (after its retries).
 */
function observe(client: QueryClient, keys: string[], get: (name: string) => Promise<Echo>): Promise<Array<QueryObserverResult<Echo>>> {
  return Promise.all(
    keys.map(
      (name) =>
        new Promise<QueryObserverResult<Echo>>((resolve) => {
          const observer = new QueryObserver<Echo>(client, { queryKey: [name], queryFn: () => get(name) });
          const unsubscribe = observer.subscribe((result) => {
            if (result.status === 'pending' || result.fetchStatus !== 'idle') return;
            unsubscribe();
            resolve(result);
          });
        }),
    ),
  );
}

const everyError = (results: Array<QueryObserverResult<Echo>>, guard: (error: unknown) => boolean): boolean[] =>
  results.map((r) => r.status === 'error' && guard(r.error));

describe.each([
  { transport: 'an axios instance', n: 20, via: 'axios' },
  { transport: 'createRefreshFetch', n: 10, via: 'fetch' },
] as const)('TanStack Query (query-core, retry: 3) on $transport', ({ n, via }) => {
  const setup = () => {
    const app = queryApp(server);
    return { app, get: via === 'axios' ? app.getWithAxios : app.getWithFetch, logIn: via === 'axios' ? app.logInWithAxios : app.logInWithFetch };
  };

  it(`costs a dead session one rejected refresh and one onSessionExpired for ${n} queries, each ending in SessionExpiredError`, async () => {
    const { app, get } = setup();
    server.expireAccess();
    server.refreshMode = 'reject';

    const settled = observe(queryClient(), names('dead', n), get);
    await allOnExpiredToken(server, n);
    const results = await settled;

    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });
    expect(everyError(results, isSessionExpiredError)).toEqual(Array<boolean>(n).fill(true));
    expect(results.map((r) => r.failureCount)).toEqual(Array<number>(n).fill(4));
    // Each query's retries still reach the server and get a 401 of their own: the round trips
    // a `retry` predicate that declines SessionExpiredError saves.
    expect(server.count('/api/dead', 401)).toBe(4 * n);
    expect(server.count('/api/dead', 200)).toBe(0);
    await turns(20);
    expect(server.seen).toHaveLength(4 * n + 1);
  });

  it(`sends each of ${n} queries once over a dead session when retry declines SessionExpiredError, as the README suggests`, async () => {
    const { app, get } = setup();
    const client = new QueryClient({
      defaultOptions: { queries: { retry: (failures, error) => !isSessionExpiredError(error) && failures < 3, retryDelay: 0 } },
    });
    server.expireAccess();
    server.refreshMode = 'reject';

    const settled = observe(client, names('declined', n), get);
    await allOnExpiredToken(server, n);
    const results = await settled;

    expect(everyError(results, isSessionExpiredError)).toEqual(Array<boolean>(n).fill(true));
    expect(results.map((r) => r.failureCount)).toEqual(Array<number>(n).fill(1));
    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });
    expect(server.count('/api/declined', 401)).toBe(n);
  });

  it(`costs a live session one refresh for ${n} queries at expiry, each sent once with the old token and once with the new`, async () => {
    const { app, get } = setup();
    server.expireAccess();

    const settled = observe(queryClient(), names('live', n), get);
    await allOnExpiredToken(server, n);
    const results = await settled;

    expect(results.map((r) => r.data?.token)).toEqual(Array<string>(n).fill('access-1'));
    expect(results.map((r) => r.failureCount)).toEqual(Array<number>(n).fill(0));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(app.expired()).toBe(0);
    expect(server.count('/api/live', 401)).toBe(n);
    expect(server.count('/api/live', 200)).toBe(n);
  });

  it(`serves the same ${n} queries again after a new log-in, with one refresh when the new token has expired`, async () => {
    const { app, get, logIn } = setup();
    const client = queryClient();
    server.expireAccess();
    server.refreshMode = 'reject';
    const dead = observe(client, names('again', n), get);
    await allOnExpiredToken(server, n);
    expect(everyError(await dead, isSessionExpiredError)).toEqual(Array<boolean>(n).fill(true));

    await logIn();
    server.refreshMode = 'rotate';
    server.expireAccess();
    // Mounted again, an errored query fetches again (`retryOnMount`).
    const live = observe(client, names('again', n), get);
    await allOnExpiredToken(server, n);
    const results = await live;

    expect(results.map((r) => r.status)).toEqual(Array<string>(n).fill('success'));
    // access-1 came from the log-in, access-2 from the refresh its expiry needed.
    expect(results.map((r) => r.data?.token)).toEqual(Array<string>(n).fill('access-2'));
    expect(server.count('/login', 200)).toBe(1);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([401, 200]);
    expect(app.expired()).toBe(1);
    expect(server.count('/api/again', 200)).toBe(n);
  });
});

describe('TanStack Query (query-core, retry: 3) after a refresh that failed transiently', () => {
  beforeEach(() => {
    // The cooldown is measured on the clock: the tests move it, to its exact end.
    vi.useFakeTimers(clockOnly);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Observes `keys` and settles them, running the retries' timers on the fake clock. */
  async function settle(app: QueryApp, client: QueryClient, keys: string[]): Promise<Array<QueryObserverResult<Echo>>> {
    let done = false;
    const results = observe(client, keys, app.getWithAxios).finally(() => {
      done = true;
    });
    await allOnExpiredToken(server, keys.length);
    await runRetries(app, () => done);
    return results;
  }

  it('fails each retry made during the cooldown with RefreshFailedError at once, and refreshes again at retryAt', async () => {
    const app = queryApp(server);
    const client = queryClient();
    const keys = names('cool', 20);
    server.expireAccess();
    server.refreshMode = 'error';

    const failed = await settle(app, client, keys);

    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([500]);
    expect(everyError(failed, isRefreshFailedError)).toEqual(Array<boolean>(20).fill(true));
    expect(app.expired()).toBe(0);
    // The retries still reach the server: the cooldown spares the refresh endpoint, not the API.
    expect(server.count('/api/cool', 401)).toBe(4 * 20);

    server.refreshMode = 'rotate';
    const { retryAt } = failed[0]!.error as RefreshFailedError;
    await vi.advanceTimersByTimeAsync(retryAt! - Date.now() - 1);
    // 1 ms before retryAt a 401 still fails at once; no timers run here, so the clock stays put.
    const early = await app.getWithAxios('cool-early').catch((error: unknown) => error);
    expect(isRefreshFailedError(early)).toBe(true);
    expect(server.refreshCalls()).toBe(1);

    await vi.advanceTimersByTimeAsync(1);
    const results = await settle(app, client, keys);

    expect(results.map((r) => r.data?.token)).toEqual(Array<string>(20).fill('access-1'));
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([500, 200]);
    expect(server.count('/api/cool', 200)).toBe(20);
  });
});
