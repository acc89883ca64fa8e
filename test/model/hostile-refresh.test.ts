/**
 * A `refresh` that misbehaves: throws what is not an Error, returns odd thenables, or settles
 * after the interceptor was ejected. Each gives the waiting callers a documented error (or
 * success), and leaves no timer and no unhandled rejection (checked after every test).
 * Covered elsewhere: a refresh that throws an Error synchronously, or returns a plain value
 * (validation.test.ts).
 */
import axios from 'axios';
import type { AxiosError } from 'axios';
import { describe, expect, it, vi } from 'vitest';
import {
  SessionExpiredError,
  createRefreshInterceptor,
  createRefreshSession,
  isRefreshFailedError,
  isSessionExpiredError,
} from '../../src/index.js';
import type { RefreshContext } from '../../src/index.js';
import { gate } from '../helpers/gate.js';
import { flush } from './helpers/flush.js';
import { failure, leaveNothingBehind, raise, rejectWith, scriptedApp } from './helpers/scripted.js';

leaveNothingBehind();

describe('a refresh that fails with something other than an Error', () => {
  it.each<[string, () => unknown, 'expired' | 'failed', string]>([
    ['throws a string', () => raise('no refresh token stored'), 'failed', 'Could not refresh credentials: no refresh token stored'],
    ['rejects with null', () => rejectWith(null), 'failed', 'Could not refresh credentials: null'],
    ['rejects with undefined', () => rejectWith(undefined), 'failed', 'Could not refresh credentials: undefined'],
    ['throws a plain object with a 4xx response', () => raise({ response: { status: 403 } }), 'expired', 'Session expired'],
    ['throws new SessionExpiredError(cause), to end the session itself', () => raise(new SessionExpiredError('no refresh token')), 'expired', 'Session expired'],
  ])('gives every waiting caller a clear error when it %s', async (_, refresh, kind, message) => {
    const app = scriptedApp();
    let expired = 0;
    createRefreshInterceptor(app.api, {
      refresh,
      onSessionExpired: () => {
        expired += 1;
      },
    });
    app.expire();

    const errors = await Promise.all([failure(app.api.get('/a')), failure(app.api.get('/b'))]);

    for (const error of errors) {
      expect(kind === 'expired' ? isSessionExpiredError(error) : isRefreshFailedError(error)).toBe(true);
      expect((error as AxiosError).message).toContain(message);
      expect((error as AxiosError).response?.status).toBe(401);
    }
    expect(expired).toBe(kind === 'expired' ? 1 : 0);
    expect(app.count('/a') + app.count('/b')).toBe(2);
  });
});

describe('a refresh that returns a thenable', () => {
  it('succeeds when the thenable calls back with a value, and replays the request', async () => {
    const app = scriptedApp();
    createRefreshInterceptor(app.api, {
      refresh: (context: RefreshContext) => ({
        then(resolve: (value: unknown) => void, reject: (reason: unknown) => void) {
          app.refresh(context).then(resolve, reject);
        },
      }),
    });
    app.expire();

    await expect(app.api.get('/a')).resolves.toMatchObject({ status: 200 });
  });

  it('fails with RefreshFailedError carrying what its then() threw', async () => {
    const app = scriptedApp();
    const thrown = new Error('broken thenable');
    createRefreshInterceptor(app.api, {
      refresh: () => ({
        then() {
          throw thrown;
        },
      }),
    });
    app.expire();

    const error = await failure(app.api.get('/a'));

    expect(isRefreshFailedError(error)).toBe(true);
    expect((error as AxiosError).cause).toBe(thrown);
  });

  it('keeps the first outcome of a thenable that calls back twice', async () => {
    const app = scriptedApp();
    createRefreshInterceptor(app.api, {
      refresh: (context: RefreshContext) => ({
        then(resolve: (value: unknown) => void, reject: (reason: unknown) => void) {
          void app.refresh(context).then(() => {
            resolve('first');
            reject(new Error('second'));
          });
        },
      }),
    });
    app.expire();

    await expect(app.api.get('/a')).resolves.toMatchObject({ status: 200 });
  });

  it('times out at exactly refreshTimeout when the thenable never calls back', async () => {
    const app = scriptedApp();
    let signal: AbortSignal | undefined;
    createRefreshInterceptor(app.api, {
      refresh: (context: RefreshContext) => {
        signal = context.signal;
        return { then: () => undefined };
      },
      refreshTimeout: 1_000,
    });
    app.expire();
    let done = false;
    const request = failure(app.api.get('/a')).finally(() => {
      done = true;
    });

    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await request;

    expect(isRefreshFailedError(error)).toBe(true);
    expect(((error as AxiosError).cause as Error).name).toBe('TimeoutError');
    expect(signal?.aborted).toBe(true);
  });
});

describe('a refresh that settles after eject', () => {
  it.each(['resolves', 'rejects'])(
    'has the waiting requests settled at eject and is ignored when it %s later',
    async (how) => {
      const app = scriptedApp();
      const answer = gate();
      let signal: AbortSignal | undefined;
      let calls = 0;
      const interceptor = createRefreshInterceptor(app.api, {
        refresh: async (context: RefreshContext) => {
          calls += 1;
          signal = context.signal;
          await answer.promise;
          if (how === 'rejects') throw new Error('refresh failed after eject');
          app.store.token = 'whatever';
        },
      });
      app.expire();
      const failed = failure(app.api.get('/failed'));
      await flush();
      const held = failure(app.api.get('/held'));
      await flush();

      interceptor.eject();
      const [failedError, heldError] = (await Promise.all([failed, held])) as AxiosError[];
      expect(failedError?.response?.status).toBe(401);
      expect(heldError?.response?.status).toBe(401);
      expect(app.count('/held')).toBe(1);
      expect(signal?.aborted).toBe(true);
      // The call is still out, and still the session's one call, for whatever else shares it.
      expect(interceptor.session.refreshing).toBe(true);

      answer.open();
      await flush();
      // Its outcome is ignored: neither ended nor cooling down.
      expect(interceptor.session.refreshing).toBe(false);
      expect(interceptor.session.state).toBe('live');
      // Nothing listens any more: a 401 now reaches the caller as it is, with no refresh.
      expect((await failure(app.api.get('/later')) as AxiosError).response?.status).toBe(401);
      expect(calls).toBe(1);
    },
  );

  it('lets the shared refresh finish for the other instance when one instance is ejected', async () => {
    const one = scriptedApp();
    const answer = gate();
    const session = createRefreshSession({
      refresh: async (context: RefreshContext) => {
        await answer.promise;
        await one.refresh(context);
      },
    });
    const other = axios.create({ adapter: one.adapter });
    other.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${one.store.token}`);
      return config;
    });
    const first = createRefreshInterceptor(one.api, { session });
    createRefreshInterceptor(other, { session });
    one.expire();

    const ejected = failure(one.api.get('/one'));
    const kept = other.get('/other');
    await flush();
    first.eject();

    expect((await ejected as AxiosError).response?.status).toBe(401);
    expect(session.refreshing).toBe(true);
    answer.open();
    await expect(kept).resolves.toMatchObject({ status: 200 });
    expect(one.count('/refresh')).toBe(1);
  });
});
