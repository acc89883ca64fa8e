import axios, { AxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { createRefreshInterceptor, createRefreshSession, isRefreshFailedError } from '../src/index.js';
import type { RefreshInterceptorOptions } from '../src/index.js';
import { memoryServer } from './helpers/memory-adapter.js';

const refresh = (): undefined => undefined;

function attach(options: unknown, ...given: unknown[]) {
  const instance = given.length > 0 ? given[0] : axios.create();
  return () =>
    createRefreshInterceptor(
      instance as ReturnType<typeof axios.create>,
      options as RefreshInterceptorOptions,
    );
}

describe('bad input at attach time', () => {
  it.each([
    [{}, 'Expected `refresh` to be a function, got `undefined` (undefined)'],
    [{ refresh: 'users/refresh/' }, 'Expected `refresh` to be a function, got `users/refresh/` (string)'],
    [{ refresh, refreshTimeout: -1 }, 'Expected `refreshTimeout` to be a positive finite number of milliseconds up to 2147483647, got `-1` (number)'],
    [{ refresh, refreshTimeout: 0 }, 'got `0` (number)'],
    [{ refresh, refreshTimeout: Number.NaN }, 'got `NaN` (number)'],
    [{ refresh, refreshTimeout: Number.POSITIVE_INFINITY }, 'got `Infinity` (number)'],
    [{ refresh, refreshTimeout: 2 ** 31 }, 'got `2147483648` (number)'],
    [{ refresh, refreshTimeout: '500' }, 'got `500` (string)'],
    [{ refresh, shouldRefresh: 401 }, 'Expected `shouldRefresh` to be a function, got `401` (number)'],
    [{ refresh, onSessionExpired: '/login' }, 'Expected `onSessionExpired` to be a function, got `/login` (string)'],
    [{ refresh, accessToken: 'eyJhbGciOi' }, "Expected `accessToken` to be made by `bearer(() => token)` from 'axios-refresh-interceptor', got `eyJhbGciOi` (string)"],
    // A part asked for without importing it: the plain function the part would read.
    [{ refresh, accessToken: () => 'eyJhbGciOi' }, "Expected `accessToken` to be made by `bearer(() => token)` from 'axios-refresh-interceptor', got"],
    [{ refresh, expiresAt: () => Date.now() + 60_000 }, "Expected `expiresAt` to be made by `expiry(() => at)` or `jwtExpiry(() => token)` from 'axios-refresh-interceptor', got"],
    [{ refresh, refreshMargin: 10_000 }, 'Expected `refreshMargin` to be left out: pass the margin to `expiry(read, margin)` or `jwtExpiry(read, margin)`, got `10000` (number)'],
    [{ refresh, tokenOrigins: 'https://uploads.example.com' }, 'Expected `tokenOrigins` to be an array of origins, got `https://uploads.example.com` (string)'],
    [{ refresh, tokenOrigins: ['https://ok.example.com', 'uploads.example.com'] }, 'Expected `tokenOrigins[1]` to be an origin such as `https://uploads.example.com`, got `uploads.example.com` (string)'],
    [{ refresh, tokenOrigins: [42] }, 'Expected `tokenOrigins[0]` to be an origin such as `https://uploads.example.com`, got `42` (number)'],
    [{ refresh, credentialOrigins: 'https://uploads.example.com' }, 'Expected `credentialOrigins` to be an array of origins, got `https://uploads.example.com` (string)'],
    [{ refresh, credentialOrigins: ['https://ok.example.com', 'uploads.example.com'] }, 'Expected `credentialOrigins[1]` to be an origin such as `https://uploads.example.com`, got `uploads.example.com` (string)'],
    [{ refresh, credentialOrigins: ['https://ok.example.com'], tokenOrigins: ['nope'] }, 'Expected `tokenOrigins[0]` to be an origin such as `https://uploads.example.com`, got `nope` (string)'],
    [{ session: {} }, 'Expected `session` to be a session from createRefreshSession(), got `[object Object]` (object)'],
    [null, 'Expected `options` to be an object, got `null` (null)'],
    [undefined, 'Expected `options` to be an object, got `undefined` (undefined)'],
  ])('throws a TypeError naming the option for %o', (options, message) => {
    expect(attach(options)).toThrow(TypeError);
    expect(attach(options)).toThrow(message);
  });

  it('throws a TypeError when given both a shared session and a refresh', () => {
    const session = createRefreshSession({ refresh });
    expect(attach({ session, refresh })).toThrow("Expected `refresh` to be left out when `session` is given (it belongs to the session), got `function` (function)");
  });

  it.each([
    [undefined, 'got `undefined` (undefined)'],
    [null, 'got `null` (null)'],
    [{}, 'got `[object Object]` (object)'],
    ['https://api.example.com', 'got `https://api.example.com` (string)'],
  ])('throws a TypeError for an instance that is not an axios instance: %o', (instance, given) => {
    expect(attach({ refresh }, instance)).toThrow(TypeError);
    expect(attach({ refresh }, instance)).toThrow(
      `Expected \`instance\` to be an axios instance (from axios.create()), ${given}`,
    );
  });

  it('accepts the default axios instance and validates sessions made on their own too', () => {
    expect(attach({ refresh }, axios)).not.toThrow();
    expect(() => createRefreshSession({ refresh, refreshTimeout: -5 })).toThrow(/`refreshTimeout`/);
  });
});

describe('odd failures at run time', () => {
  function app() {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter, headers: { Authorization: 'Bearer stale' } });
    return { api, memory };
  }

  it('turns a refresh that throws synchronously into a RefreshFailedError carrying what it threw', async () => {
    const { api } = app();
    const thrown = new Error('no refresh token stored');
    createRefreshInterceptor(api, {
      refresh: () => {
        throw thrown;
      },
    });

    const error: unknown = await api.get('/a').catch((e: unknown) => e);

    expect(isRefreshFailedError(error)).toBe(true);
    expect((error as AxiosError).cause).toBe(thrown);
  });

  it('accepts a refresh that returns a plain value', async () => {
    const { api, memory } = app();
    createRefreshInterceptor(api, {
      refresh: () => {
        api.defaults.headers.Authorization = `Bearer ${memory.token}`;
        return 'done';
      },
    });

    await expect(api.get('/a')).resolves.toMatchObject({ status: 200 });
  });

  it('passes on errors that have no config, response or request unchanged', async () => {
    const bare = new Error('thrown by an app interceptor');
    const api = axios.create({ adapter: memoryServer().adapter });
    api.interceptors.request.use(() => {
      throw bare;
    });
    createRefreshInterceptor(api, { refresh });
    await expect(api.get('/a')).rejects.toBe(bare);

    const axiosWithoutConfig = new AxiosError('adapter failed');
    const other = axios.create({ adapter: () => Promise.reject(axiosWithoutConfig) });
    createRefreshInterceptor(other, { refresh, shouldRefresh: () => true });
    await expect(other.get('/a')).rejects.toBe(axiosWithoutConfig);
  });

  it('gives the caller the error a throwing shouldRefresh threw, without refreshing', async () => {
    const { api } = app();
    let refreshed = 0;
    const thrown = new Error('bug in shouldRefresh');
    createRefreshInterceptor(api, {
      refresh: () => {
        refreshed += 1;
      },
      shouldRefresh: () => {
        throw thrown;
      },
    });

    await expect(api.get('/a')).rejects.toBe(thrown);
    expect(refreshed).toBe(0);
  });
});
