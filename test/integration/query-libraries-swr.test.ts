import { createElement } from 'react';
import { create } from 'react-test-renderer';
import useSWR, { SWRConfig } from 'swr';
import type { SWRConfiguration } from 'swr';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSessionExpiredError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { turns, until } from '../helpers/gate.js';
import { allOnExpiredToken, clockOnly, names, queryApp } from './helpers/query-app.js';
import type { Echo } from './helpers/query-app.js';

let server: AuthServer;
/** Unmounts what the test mounted, which stops SWR's retries. */
let unmount: (() => void) | undefined;
beforeEach(async () => {
  server = await startAuthServer();
  // SWR's onErrorRetry waits with `setTimeout`: the tests move the clock. Its jitter multiplies
  // the wait by 0.5 to 1.5 of a whole step and rounds down: at 0 the waits are 5 s, 10 s, 20 s...
  vi.useFakeTimers(clockOnly);
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(async () => {
  unmount?.();
  unmount = undefined;
  attempts.clear();
  vi.restoreAllMocks();
  vi.useRealTimers();
  await server.close();
});

interface Seen {
  data: Echo | undefined;
  error: unknown;
}

/** A component with one `useSWR` hook and SWR's defaults, reporting what it renders. */
function Echoed({ name, fetcher, seen }: { name: string; fetcher: (name: string) => Promise<Echo>; seen: Map<string, Seen> }): null {
  const { data, error } = useSWR<Echo, unknown>(name, fetcher);
  seen.set(name, { data, error });
  return null;
}

/**
 * Mounts one component per name in a cache of its own. SWR runs in Node as on a server page
 * (no `window`), which changes nothing about fetching and retrying once mounted.
 * react-test-renderer still works with React 19 but says once, on console.error, that it is
 * deprecated: that line alone is dropped, any other output still fails the test.
 */
function mount(keys: string[], fetcher: (name: string) => Promise<Echo>, config: SWRConfiguration = {}): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  const counted = (name: string): Promise<Echo> =>
    fetcher(name).finally(() => {
      attempts.set(name, (attempts.get(name) ?? 0) + 1);
    });
  const tree = createElement(
    SWRConfig,
    { value: { ...config, provider: () => new Map() } },
    keys.map((name) => createElement(Echoed, { key: name, name, fetcher: counted, seen })),
  );
  const report = console.error;
  console.error = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('react-test-renderer is deprecated')) report(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the one React renderer that needs no DOM
    const renderer = create(tree);
    unmount = () => {
      renderer.unmount();
    };
  } finally {
    console.error = report;
  }
  return seen;
}

/** Settled fetcher calls per key, across every mounted hook. */
const attempts = new Map<string, number>();

/** Waits until each hook's fetcher has settled `n` times and the hook shows what it wants. */
async function settled(keys: string[], n: number, shown: (name: string) => boolean): Promise<void> {
  await until(() => keys.every((name) => attempts.get(name) === n));
  await until(() => keys.every(shown));
}

describe.each([
  { transport: 'an axios instance', via: 'axios' },
  { transport: 'createRefreshFetch', via: 'fetch' },
] as const)("SWR with its default onErrorRetry on $transport", ({ via }) => {
  const n = 10;
  const setup = () => {
    const app = queryApp(server);
    return { app, get: via === 'axios' ? app.getWithAxios : app.getWithFetch, logIn: via === 'axios' ? app.logInWithAxios : app.logInWithFetch };
  };

  it(`costs a dead session one rejected refresh and one onSessionExpired for ${n} hooks, through three rounds of SWR's retries`, async () => {
    const { app, get } = setup();
    const keys = names('dead', n);
    server.expireAccess();
    server.refreshMode = 'reject';

    const seen = mount(keys, get);
    const failed = (name: string): boolean => seen.get(name)?.error !== undefined;
    await allOnExpiredToken(server, n);
    await settled(keys, 1, failed);
    expect(keys.map((name) => isSessionExpiredError(seen.get(name)?.error))).toEqual(Array<boolean>(n).fill(true));
    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });

    // SWR's first retry comes 5 000 ms after the error, not a millisecond earlier.
    await vi.advanceTimersByTimeAsync(4_999);
    await turns(20);
    expect(server.count('/api/dead')).toBe(n);
    await vi.advanceTimersByTimeAsync(1);
    await settled(keys, 2, failed);
    // Then 10 000 ms and 20 000 ms later; SWR retries without end, each time a 401 more.
    await vi.advanceTimersByTimeAsync(10_000);
    await settled(keys, 3, failed);
    await vi.advanceTimersByTimeAsync(20_000);
    await settled(keys, 4, failed);

    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });
    expect(keys.map((name) => isSessionExpiredError(seen.get(name)?.error))).toEqual(Array<boolean>(n).fill(true));
    expect(server.count('/api/dead', 401)).toBe(4 * n);
  });

  it(`sends each of ${n} hooks' requests once over a dead session when shouldRetryOnError declines SessionExpiredError, as the README suggests`, async () => {
    const { app, get } = setup();
    const keys = names('declined', n);
    server.expireAccess();
    server.refreshMode = 'reject';

    const seen = mount(keys, get, { shouldRetryOnError: (error) => !isSessionExpiredError(error) });
    await allOnExpiredToken(server, n);
    await settled(keys, 1, (name) => seen.get(name)?.error !== undefined);
    // Past the 5 s, 15 s and 35 s at which SWR's defaults would have sent each request again.
    await vi.advanceTimersByTimeAsync(60_000);
    await turns(20);

    expect(keys.map((name) => isSessionExpiredError(seen.get(name)?.error))).toEqual(Array<boolean>(n).fill(true));
    expect({ refreshes: server.refreshCalls(), onSessionExpired: app.expired() }).toEqual({ refreshes: 1, onSessionExpired: 1 });
    expect(server.count('/api/declined', 401)).toBe(n);
  });

  it(`costs a live session one refresh for ${n} hooks at expiry, each sent once with the old token and once with the new`, async () => {
    const { app, get } = setup();
    const keys = names('live', n);
    server.expireAccess();

    const seen = mount(keys, get);
    await allOnExpiredToken(server, n);
    await settled(keys, 1, (name) => seen.get(name)?.data !== undefined);

    expect(keys.map((name) => seen.get(name)?.data?.token)).toEqual(Array<string>(n).fill('access-1'));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(app.expired()).toBe(0);
    expect(server.count('/api/live', 401)).toBe(n);
    expect(server.count('/api/live', 200)).toBe(n);
  });

  it(`serves the ${n} hooks on SWR's next retry after a new log-in, with one refresh when the new token has expired`, async () => {
    const { app, get, logIn } = setup();
    const keys = names('again', n);
    server.expireAccess();
    server.refreshMode = 'reject';
    const seen = mount(keys, get);
    const failed = (name: string): boolean => seen.get(name)?.error !== undefined;
    await allOnExpiredToken(server, n);
    await settled(keys, 1, failed);
    expect(keys.map((name) => isSessionExpiredError(seen.get(name)?.error))).toEqual(Array<boolean>(n).fill(true));

    await logIn();
    server.refreshMode = 'rotate';
    server.expireAccess();
    const retries = allOnExpiredToken(server, n);
    await vi.advanceTimersByTimeAsync(5_000);
    await retries;
    await settled(keys, 2, (name) => seen.get(name)?.data !== undefined);

    // access-1 came from the log-in, access-2 from the refresh its expiry needed.
    expect(keys.map((name) => seen.get(name)?.data?.token)).toEqual(Array<string>(n).fill('access-2'));
    expect(server.count('/login', 200)).toBe(1);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([401, 200]);
    expect(app.expired()).toBe(1);
    expect(server.count('/api/again', 200)).toBe(n);
  });
});
