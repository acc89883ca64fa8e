/**
 * Odd errors and odd neighbours: values that are not axios errors, errors missing `config` or
 * `response`, app interceptors that throw, a `shouldRefresh` that throws for one request among
 * many, 10 000 requests on one refresh, 3xx answers to the refresh, a 401 to the retry. Each
 * caller gets a clear, documented result, and nothing is left hanging.
 * Covered elsewhere: an Error thrown by an app request interceptor, an AxiosError without
 * config, a throwing shouldRefresh (validation.test.ts); network errors, a 401 on the retry
 * against a real server (retry.test.ts); an HTML 401 and an unfollowed 302 on the refresh
 * (failure.test.ts).
 */
import { getEventListeners } from 'node:events';
import axios, { AxiosError, AxiosHeaders } from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';
import type { RefreshFailedError } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { sessionApp } from '../helpers/clients.js';
import { gate } from '../helpers/gate.js';
import { respond } from '../helpers/memory-adapter.js';
import { flush } from './helpers/flush.js';
import { failure, leaveNothingBehind, rejectWith, scriptedApp, settled } from './helpers/scripted.js';

function response401(config: InternalAxiosRequestConfig): AxiosResponse {
  return { data: {}, status: 401, statusText: '401', headers: new AxiosHeaders(), config, request: {} };
}

describe('in memory', () => {
  leaveNothingBehind();

  it.each<[string, unknown]>([
    ['a string', 'connection reset'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 401],
    ['a plain object shaped like a 401 response', { status: 401, data: {} }],
    ['an Error with a 401 response but no isAxiosError', Object.assign(new Error('odd'), { response: { status: 401 } })],
    ['an object claiming to be an axios error, with a 401 but no config', { isAxiosError: true, response: { status: 401 } }],
  ])('hands %s thrown by the adapter to the caller unchanged, without refreshing', async (_, thrown) => {
    let refreshed = 0;
    let asked = 0;
    const api = axios.create({ adapter: () => rejectWith(thrown) });
    createRefreshInterceptor(api, {
      refresh: () => {
        refreshed += 1;
      },
      shouldRefresh: () => {
        asked += 1;
        return true;
      },
    });

    expect(await settled(api.get('/a'))).toEqual({ error: thrown });
    expect(await failure(api.get('/a'))).toBe(thrown);
    expect(refreshed).toBe(0);
    expect(asked).toBe(0);
  });

  it('hands an AxiosError with a 401 response but no config to the caller unchanged', async () => {
    let refreshed = 0;
    const api = axios.create({
      adapter: (config) => {
        const error = new AxiosError('401 without config', AxiosError.ERR_BAD_REQUEST, undefined, {}, response401(config));
        return Promise.reject(error);
      },
    });
    createRefreshInterceptor(api, {
      refresh: () => {
        refreshed += 1;
      },
    });

    const error = await failure(api.get('/a'));

    expect((error as AxiosError).message).toBe('401 without config');
    expect(refreshed).toBe(0);
  });

  it('refreshes and replays a 401 in the shape of an AxiosError from another copy of axios', async () => {
    let first = true;
    const app = scriptedApp((config) => {
      if (config.url !== '/a' || !first) return undefined;
      first = false;
      return Promise.reject(Object.assign(new Error('from the other axios'), { isAxiosError: true, config, response: response401(config) }));
    });
    createRefreshInterceptor(app.api, { refresh: (context) => app.refresh(context) });

    await expect(app.api.get('/a')).resolves.toMatchObject({ status: 200 });
    expect(app.seen).toEqual(['/a', '/refresh', '/a']);
  });

  it('refreshes and replays a 401 whose config has no headers, as a request sent under the current credentials', async () => {
    let first = true;
    const app = scriptedApp((config) => {
      if (config.url !== '/a' || !first) return undefined;
      first = false;
      const bare = { ...config, headers: undefined } as unknown as InternalAxiosRequestConfig;
      return Promise.reject(new AxiosError('401 without headers', AxiosError.ERR_BAD_REQUEST, bare, {}, response401(bare)));
    });
    createRefreshInterceptor(app.api, { refresh: (context) => app.refresh(context) });

    await expect(app.api.get('/a')).resolves.toMatchObject({ status: 200 });
    expect(app.seen).toEqual(['/a', '/refresh', '/a']);
  });

  it('passes a network error through at once while a refresh runs, without waiting for it', async () => {
    const answer = gate();
    const network = gate();
    const app = scriptedApp((config) => {
      if (config.url !== '/offline') return undefined;
      return network.promise.then(() => Promise.reject(new AxiosError('Network Error', AxiosError.ERR_NETWORK, config, {})));
    });
    createRefreshInterceptor(app.api, {
      refresh: async (context) => {
        await answer.promise;
        await app.refresh(context);
      },
      shouldRefresh: () => true,
    });
    const offline = failure(app.api.get('/offline'));
    await flush();
    app.expire();
    const waiting = app.api.get('/a');
    await flush();

    network.open();
    const error = await offline;

    expect((error as AxiosError).code).toBe(AxiosError.ERR_NETWORK);
    answer.open();
    await expect(waiting).resolves.toMatchObject({ status: 200 });
  });

  it('gives a held request the error its app interceptor throws after the refresh, and the others their responses', async () => {
    const answer = gate();
    const app = scriptedApp();
    // Registered before the refresh interceptor, so it runs after the hold.
    app.api.interceptors.request.use((config) => {
      if (config.url === '/broken') throw new Error('no tenant selected');
      return config;
    });
    createRefreshInterceptor(app.api, {
      refresh: async (context) => {
        await answer.promise;
        await app.refresh(context);
      },
    });
    app.expire();
    const first = app.api.get('/a');
    await flush();
    const broken = failure(app.api.get('/broken'));
    const held = app.api.get('/held');
    await flush();
    answer.open();

    expect(((await broken) as Error).message).toBe('no tenant selected');
    await expect(Promise.all([first, held])).resolves.toMatchObject([{ status: 200 }, { status: 200 }]);
    expect(app.count('/broken')).toBe(0);
    expect(app.count('/refresh')).toBe(1);
  });

  it('gives the caller the error an app interceptor throws on the retry, sending the request once', async () => {
    const app = scriptedApp();
    let passes = 0;
    app.api.interceptors.request.use((config) => {
      passes += 1;
      if (passes === 2) throw new Error('signing key rotated');
      return config;
    });
    createRefreshInterceptor(app.api, { refresh: (context) => app.refresh(context) });
    app.expire();

    expect(((await failure(app.api.get('/a'))) as Error).message).toBe('signing key rotated');
    expect(app.seen).toEqual(['/a', '/refresh']);
  });

  it('gives only the request whose shouldRefresh throws that error; the others refresh once and succeed', async () => {
    const app = scriptedApp();
    const thrown = new Error('bug in shouldRefresh');
    createRefreshInterceptor(app.api, {
      refresh: (context) => app.refresh(context),
      shouldRefresh: (error) => {
        if (error.config?.url === '/odd') throw thrown;
        return error.response?.status === 401;
      },
    });
    app.expire();

    const odd = failure(app.api.get('/odd'));
    const others = Promise.all(Array.from({ length: 5 }, (_, i) => app.api.get(`/r/${i}`)));

    expect(await odd).toBe(thrown);
    expect((await others).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(app.count('/refresh')).toBe(1);
  });

  it('settles 10 000 requests waiting on one refresh, rejecting the aborted ones at once and leaving no listener', async () => {
    const answer = gate();
    const app = scriptedApp();
    createRefreshInterceptor(app.api, {
      refresh: async (context) => {
        await answer.promise;
        await app.refresh(context);
      },
    });
    app.expire();
    const controllers = Array.from({ length: 10_000 }, () => new AbortController());
    const send = (i: number): Promise<unknown> => app.api.get(`/r/${i}`, { signal: controllers[i]!.signal });
    // Half get a 401 and wait for the refresh; half start while it runs and are held.
    const failed = Array.from({ length: 5_000 }, (_, i) => settled(send(i)));
    await flush();
    const held = Array.from({ length: 5_000 }, (_, i) => settled(send(5_000 + i)));
    await flush();
    const aborted = new Set(controllers.map((_, i) => i).filter((i) => i % 10 === 3));
    for (const i of aborted) controllers[i]!.abort();
    const results = [...failed, ...held];
    let canceledEarly = 0;
    for (const i of aborted) {
      void results[i]!.then((r) => {
        if ('error' in r && axios.isCancel(r.error)) canceledEarly += 1;
      });
    }
    await flush();

    expect(canceledEarly).toBe(aborted.size);
    answer.open();
    const outcomes = await Promise.all(results);

    outcomes.forEach((outcome, i) => {
      if (aborted.has(i)) expect('error' in outcome && axios.isCancel(outcome.error)).toBe(true);
      else expect(outcome).toMatchObject({ value: { status: 200 } });
    });
    expect(app.count('/refresh')).toBe(1);
    expect(app.count('/r/0')).toBe(2);
    expect(app.count('/r/3')).toBe(1);
    expect(app.count('/r/5000')).toBe(1);
    expect(app.count('/r/5003')).toBe(0);
    expect(controllers.filter((c) => getEventListeners(c.signal, 'abort').length > 0)).toEqual([]);
  }, 60_000);

  it('treats a 304 answer to the refresh as transient: RefreshFailedError, no logout, and the first 401 after the cooldown refreshes again', async () => {
    // No jitter: the first backoff is half of 250 ms, exactly.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    onTestFinished(() => {
      random.mockRestore();
    });
    let notModified = true;
    const app = scriptedApp((config) => {
      if (config.url !== '/refresh' || !notModified) return undefined;
      notModified = false;
      return respond(config, 304, '');
    });
    let expired = 0;
    createRefreshInterceptor(app.api, {
      refresh: (context) => app.refresh(context),
      onSessionExpired: () => {
        expired += 1;
      },
    });
    app.expire();
    const failedAt = Date.now();

    const error = await failure(app.api.get('/a'));

    expect(isRefreshFailedError(error)).toBe(true);
    expect(((error as AxiosError).cause as AxiosError).response?.status).toBe(304);
    expect((error as RefreshFailedError).retryAt).toBe(failedAt + 125);
    expect(expired).toBe(0);
    // During the cooldown the next 401 fails at once, with the same cause; after it, it refreshes again.
    vi.setSystemTime(failedAt + 124);
    const cooling = await failure(app.api.get('/b'));
    expect(isRefreshFailedError(cooling)).toBe(true);
    expect((cooling as RefreshFailedError).retryAt).toBe(failedAt + 125);
    expect((cooling as AxiosError).cause).toBe((error as AxiosError).cause);
    expect(app.count('/refresh')).toBe(1);
    vi.setSystemTime(failedAt + 125);
    await expect(app.api.get('/b')).resolves.toMatchObject({ status: 200 });
    expect(app.count('/refresh')).toBe(2);
  });

  it('gives the caller the very error of its retry when the retry gets a 401 too, with no second refresh and no logout', async () => {
    const retryErrors: unknown[] = [];
    let attempts = 0;
    const app = scriptedApp((config) => {
      if (config.url !== '/always-401') return undefined;
      attempts += 1;
      const error = new AxiosError('still 401', AxiosError.ERR_BAD_REQUEST, config, {}, response401(config));
      if (attempts === 2) retryErrors.push(error);
      return Promise.reject(error);
    });
    let expired = 0;
    createRefreshInterceptor(app.api, {
      refresh: (context) => app.refresh(context),
      onSessionExpired: () => {
        expired += 1;
      },
    });

    const error = await failure(app.api.get('/always-401'));

    expect(error).toBe(retryErrors[0]);
    expect(app.seen).toEqual(['/always-401', '/refresh', '/always-401']);
    expect(expired).toBe(0);
  });
});

describe('against a real server', () => {
  let server: AuthServer;
  beforeEach(async () => {
    server = await startAuthServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('follows a redirect on the refresh and lets the final 401 end the session', async () => {
    const { api, expired, interceptor } = sessionApp(server);
    server.expireAccess();
    server.refreshMode = 'redirect';

    const error = await failure(api.get('/api/a'));

    expect(isSessionExpiredError(error)).toBe(true);
    expect(((error as AxiosError).cause as AxiosError).response?.status).toBe(401);
    expect(server.count('/elsewhere')).toBe(1);
    expect(expired()).toBe(1);
    expect(interceptor.session.refreshing).toBe(false);
  });
});
