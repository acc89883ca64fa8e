import axios from 'axios';
import type { AxiosAdapter, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { RefreshContext } from '../../../src/index.js';
import { respond } from '../../helpers/memory-adapter.js';
import { flush } from './flush.js';

/** Answers a request itself, or leaves it to the default server (`undefined`). */
export type Route = (config: InternalAxiosRequestConfig) => Promise<AxiosResponse> | undefined;

/**
 * A bearer-token app on an in-memory server that answers at once: `/refresh` issues a new
 * access token, any other path is 200 with the current token and 401 without. A route can
 * take over any request, to answer it in a hostile way.
 */
export interface ScriptedApp {
  readonly api: AxiosInstance;
  /** The server, for another instance of the same app. */
  readonly adapter: AxiosAdapter;
  readonly store: { token: string };
  /** Paths in the order they reached the adapter. */
  readonly seen: string[];
  count(path: string): number;
  /** Makes the access token the app holds invalid. */
  expire(): void;
  /** A `refresh` that posts to `/refresh` through the bare client and stores the new token. */
  refresh(context: RefreshContext): Promise<void>;
}

export function scriptedApp(route?: Route): ScriptedApp {
  let valid = 'access-0';
  let issued = 0;
  const seen: string[] = [];
  const store = { token: valid };
  const adapter: AxiosAdapter = (config) => {
    const path = config.url ?? '';
    seen.push(path);
    const answered = route?.(config);
    if (answered) return answered;
    if (path === '/refresh') {
      issued += 1;
      valid = `access-${issued}`;
      return respond(config, 200, { access: valid });
    }
    return respond(config, config.headers.get('Authorization') === `Bearer ${valid}` ? 200 : 401, { path });
  };
  const api = axios.create({ adapter });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  return {
    api,
    adapter,
    store,
    seen,
    count: (path) => seen.filter((p) => p === path).length,
    expire() {
      valid = 'expired';
    },
    async refresh({ client, signal }) {
      const { data } = await client.post<{ access: string }>('/refresh', null, { signal });
      store.token = data.access;
    },
  };
}

/** Throws `value`, which hostile code may make anything at all. */
export function raise(value: unknown): never {
  throw value;
}

/** Rejects with `value`, which hostile code may make anything at all. */
export function rejectWith(value: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- not an Error, on purpose
  return Promise.reject(value);
}

/** What a promise settled with, so that a rejection with `undefined` can be told from success. */
export async function settled(promise: Promise<unknown>): Promise<{ value: unknown } | { error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** Rejects unless `promise` rejects; resolves with what it rejected with. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  const result = await settled(promise);
  if (!('error' in result)) throw new Error('expected a rejection');
  return result.error;
}

/**
 * For a describe block on fake timers: after each test, nothing may be left hanging: no timer
 * and no unhandled rejection.
 */
export function leaveNothingBehind(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    vi.useFakeTimers();
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    try {
      await flush();
      await flush();
      expect(unhandled, 'unhandled rejections').toEqual([]);
      expect(vi.getTimerCount(), 'timers left').toBe(0);
    } finally {
      unhandled.length = 0;
      process.off('unhandledRejection', onUnhandled);
      vi.useRealTimers();
    }
  });
}
