/**
 * A request's own `timeout` bounds how long its caller waits, time spent waiting for a refresh
 * included, and it rejects as axios rejects a timeout. Fake timers on an in-memory server; the
 * adapter keeps a request's `timeout` the way axios's own adapters do (a timer, then an
 * AxiosError named after `timeoutErrorMessage` or `timeout of Nms exceeded`).
 */
import axios, { AxiosError } from 'axios';
import type { AxiosAdapter, AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshInterceptor, isRefreshFailedError } from '../../src/index.js';
import { gate } from '../helpers/gate.js';
import type { Gate } from '../helpers/gate.js';
import { respond } from '../helpers/memory-adapter.js';
import { flush } from '../model/helpers/flush.js';
import { leaveNothingBehind } from '../model/helpers/scripted.js';

leaveNothingBehind();

// Fake time starts at the real clock; the tests read it from the start of each test.
let t0 = 0;
beforeEach(() => {
  t0 = Date.now();
});
function now(): number {
  return Date.now() - t0;
}

/** What the adapter was given for one request. */
interface Sent {
  readonly url: string;
  readonly at: number;
  readonly timeout: number | undefined;
  readonly timeoutErrorMessage: string | undefined;
  readonly authorization: unknown;
}

/** How the server answers a request to an API path: after `delay` ms, or never. */
type Plan = { delay: number } | 'hang';

/** The error axios's own adapters reject with when a request's `timeout` passes. */
function adapterTimeout(config: InternalAxiosRequestConfig): AxiosError {
  const message = config.timeoutErrorMessage ?? `timeout of ${config.timeout ?? 0}ms exceeded`;
  const code = config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
  return new AxiosError(message, code, config, {});
}

interface AppOptions {
  refreshTimeout?: number;
  plan?: (url: string, nth: number) => Plan;
  /** An app response interceptor, or none: the library then judges outcomes alone. */
  responseInterceptor?: boolean;
}

function timedApp(options: AppOptions = {}) {
  let valid = 'access-0';
  let issued = 0;
  const sent: Sent[] = [];
  const store = { token: 'access-0' };
  const adapter: AxiosAdapter = (config) => {
    const url = config.url ?? '';
    sent.push({
      url,
      at: now(),
      timeout: config.timeout,
      timeoutErrorMessage: config.timeoutErrorMessage,
      authorization: config.headers.get('Authorization'),
    });
    if (url === '/refresh') {
      issued += 1;
      valid = `access-${issued}`;
      return respond(config, 200, { access: valid });
    }
    const plan = options.plan?.(url, sent.filter((s) => s.url === url).length) ?? { delay: 0 };
    const answer = (): Promise<AxiosResponse> =>
      respond(config, config.headers.get('Authorization') === `Bearer ${valid}` ? 200 : 401, { url });
    const timeout = config.timeout ?? 0;
    if (plan !== 'hang' && plan.delay === 0) return answer();
    return new Promise((resolve, reject) => {
      const late = timeout > 0 && (plan === 'hang' || plan.delay >= timeout);
      setTimeout(
        () => {
          if (late) reject(adapterTimeout(config));
          else answer().then(resolve, reject);
        },
        late ? timeout : (plan as { delay: number }).delay,
      );
    });
  };
  const api = axios.create({ adapter });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  if (options.responseInterceptor) api.interceptors.response.use((response) => response);
  const refreshGate: Gate = gate();
  let refreshes = 0;
  createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      refreshes += 1;
      await refreshGate.promise;
      const { data } = await client.post<{ access: string }>('/refresh');
      store.token = data.access;
    },
    refreshTimeout: options.refreshTimeout ?? 10_000,
  });
  return {
    api,
    sent,
    refreshGate,
    refreshes: () => refreshes,
    count: (url: string) => sent.filter((s) => s.url === url).length,
    expire() {
      valid = 'expired';
    },
  };
}

/** A request's outcome and the (fake) time it settled at, readable before it settles. */
function track(promise: Promise<unknown>) {
  const state: { settled: boolean; at: number; value?: unknown; error?: unknown } = { settled: false, at: -1 };
  const done = promise.then(
    (value: unknown) => {
      Object.assign(state, { settled: true, at: now(), value });
    },
    (error: unknown) => {
      Object.assign(state, { settled: true, at: now(), error });
    },
  );
  return { state, done };
}

/** Exact boundary: still pending `ms - 1` ms from now, settled at `ms`. */
async function settlesAfter(tracked: ReturnType<typeof track>, ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(tracked.state.settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  await flush();
  expect(tracked.state.settled).toBe(true);
}

/** Starts the first request, whose 401 starts a refresh that waits on the gate. */
async function refreshRunning(app: ReturnType<typeof timedApp>) {
  app.expire();
  const first = track(app.api.get('/first'));
  await flush();
  expect(app.refreshes()).toBe(1);
  return first;
}

/** Lets the refresh finish and every request settle, then checks that no timer is left. */
async function finish(app: ReturnType<typeof timedApp>, ...pending: Array<{ done: Promise<void> }>) {
  app.refreshGate.open();
  await Promise.all(pending.map((p) => p.done));
  await flush();
  expect(vi.getTimerCount(), 'timers left').toBe(0);
}

describe("a request's timeout while it is held behind a running refresh", () => {
  it.each<[string, AxiosRequestConfig, string, string]>([
    ['axios default', {}, 'ECONNABORTED', 'timeout of 1000ms exceeded'],
    ['clarifyTimeoutError', { transitional: { clarifyTimeoutError: true } }, 'ETIMEDOUT', 'timeout of 1000ms exceeded'],
    ['timeoutErrorMessage', { timeoutErrorMessage: 'slow' }, 'ECONNABORTED', 'slow'],
  ])('rejects at exactly 1000 ms from its start as axios rejects a timeout (%s), never sent', async (_, extra, code, message) => {
    const app = timedApp();
    const first = await refreshRunning(app);
    // The held request starts later than the refresh: its own start is what counts.
    await vi.advanceTimersByTimeAsync(250);
    const start = now();
    const held = track(app.api.get('/held', { timeout: 1000, ...extra }));
    await flush();

    await settlesAfter(held, 1000);

    expect(held.state.at).toBe(start + 1000);
    const error = held.state.error;
    expect(axios.isAxiosError(error)).toBe(true);
    expect(error).toBeInstanceOf(AxiosError);
    expect(error).toMatchObject({ code, message });
    expect((error as AxiosError).response).toBeUndefined();
    expect((error as AxiosError).config?.url).toBe('/held');
    expect(app.count('/held')).toBe(0);
    // Only the refresh's own timer is left; the request's went with it.
    expect(vi.getTimerCount()).toBe(1);
    expect(first.state.settled).toBe(false);

    await finish(app, first);
    expect(first.state.value).toMatchObject({ status: 200 });
    expect(app.count('/held')).toBe(0);
  });

  it('uses the timeout of the instance defaults the same way', async () => {
    const app = timedApp();
    app.api.defaults.timeout = 1000;
    const first = await refreshRunning(app);
    const held = track(app.api.get('/held'));
    await flush();

    await settlesAfter(held, 1000);

    expect(held.state.error).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 1000ms exceeded' });
    expect(app.count('/held')).toBe(0);
    // The request whose 401 started the refresh has the same default, and the same start.
    expect(first.state).toMatchObject({ settled: true, at: 1000 });
    expect(first.state.error).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 1000ms exceeded' });
    await finish(app, first);
  });
});

// With no response interceptor of the app's, the library judges a request's outcome alone and
// sends the retry through the whole instance; with one, it retries at the adapter. Both paths
// must count the request's timeout from its start.
const paths: Array<[string, boolean]> = [
  ['with an app response interceptor', true],
  ['alone with the library', false],
];

describe("a request's timeout while it waits for the refresh its 401 started", () => {
  it.each(paths)('counts the 300 ms the 401 took: rejects at exactly 1000 ms from its start (%s)', async (_, responseInterceptor) => {
    const app = timedApp({ responseInterceptor, plan: (url, nth) => (url === '/slow' && nth === 1 ? { delay: 300 } : { delay: 0 }) });
    app.expire();
    const slow = track(app.api.get('/slow', { timeout: 1000 }));
    await flush();

    await vi.advanceTimersByTimeAsync(300);
    expect(app.refreshes()).toBe(1);
    expect(slow.state.settled).toBe(false);
    await settlesAfter(slow, 700);

    expect(slow.state).toMatchObject({ settled: true, at: 1000 });
    expect(slow.state.error).toBeInstanceOf(AxiosError);
    expect(slow.state.error).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 1000ms exceeded' });
    expect(app.count('/slow')).toBe(1);
    expect(vi.getTimerCount()).toBe(1);

    await finish(app, slow);
    expect(app.count('/slow')).toBe(1);
  });

  it.each(paths)('sends the retry after a refresh done at 600 ms with the 400 ms left, its message naming 1000 ms (%s)', async (_, responseInterceptor) => {
    const app = timedApp({ responseInterceptor });
    app.expire();
    const request = track(app.api.get('/a', { timeout: 1000 }));
    await flush();
    expect(app.refreshes()).toBe(1);

    await vi.advanceTimersByTimeAsync(600);
    app.refreshGate.open();
    await request.done;

    expect(request.state.value).toMatchObject({ status: 200 });
    expect(app.sent.filter((s) => s.url === '/a')[1]).toEqual({
      url: '/a',
      at: 600,
      timeout: 400,
      timeoutErrorMessage: 'timeout of 1000ms exceeded',
      authorization: 'Bearer access-1',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each(paths)("keeps the caller's own timeoutErrorMessage on the retry (%s)", async (_, responseInterceptor) => {
    const app = timedApp({ responseInterceptor });
    app.expire();
    const request = track(app.api.get('/a', { timeout: 1000, timeoutErrorMessage: 'slow' }));
    await flush();
    await vi.advanceTimersByTimeAsync(600);
    app.refreshGate.open();
    await request.done;

    expect(app.sent.filter((s) => s.url === '/a')[1]).toMatchObject({ timeout: 400, timeoutErrorMessage: 'slow' });
  });

  it.each(paths)('rejects at exactly 1000 ms from its start when the retry then hangs, naming 1000 ms (%s)', async (_, responseInterceptor) => {
    const app = timedApp({ responseInterceptor, plan: (url, nth) => (url === '/a' && nth === 2 ? 'hang' : { delay: 0 }) });
    app.expire();
    const request = track(app.api.get('/a', { timeout: 1000 }));
    await flush();

    await vi.advanceTimersByTimeAsync(600);
    app.refreshGate.open();
    await flush();
    expect(app.count('/a')).toBe(2);
    await settlesAfter(request, 400);

    expect(request.state).toMatchObject({ settled: true, at: 1000 });
    expect(request.state.error).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 1000ms exceeded' });
    expect(app.refreshes()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a request with no timeout', () => {
  it.each<[string, AxiosRequestConfig]>([
    ['left out', {}],
    ['0', { timeout: 0 }],
  ])('waits however long the refresh takes when its timeout is %s', async (_, config) => {
    const app = timedApp({ refreshTimeout: 60_000 });
    app.expire();
    const failed = track(app.api.get('/failed', config));
    await flush();
    const held = track(app.api.get('/held', config));
    await flush();

    await vi.advanceTimersByTimeAsync(59_999);
    expect(failed.state.settled).toBe(false);
    expect(held.state.settled).toBe(false);
    app.refreshGate.open();
    await Promise.all([failed.done, held.done]);

    expect(failed.state.value).toMatchObject({ status: 200 });
    expect(held.state.value).toMatchObject({ status: 200 });
    expect(app.count('/held')).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits until refreshTimeout, then rejects with RefreshFailedError', async () => {
    const app = timedApp({ refreshTimeout: 60_000 });
    app.expire();
    const failed = track(app.api.get('/failed', { timeout: 0 }));
    await flush();
    const held = track(app.api.get('/held', { timeout: 0 }));
    await flush();

    await vi.advanceTimersByTimeAsync(59_999);
    expect(failed.state.settled || held.state.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([failed.done, held.done]);

    expect(failed.state.at).toBe(60_000);
    expect(held.state.at).toBe(60_000);
    expect(isRefreshFailedError(failed.state.error)).toBe(true);
    expect(isRefreshFailedError(held.state.error)).toBe(true);
    expect(((failed.state.error as AxiosError).cause as Error).name).toBe('TimeoutError');
    expect(app.count('/held')).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // The abandoned refresh may go on; it changes nothing any more.
    app.refreshGate.open();
  });
});
