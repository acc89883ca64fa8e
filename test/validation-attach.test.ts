import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { createRefreshInterceptor } from '../src/index.js';

const live = (h: { handlers?: unknown[] }): number => (h.handlers ?? []).filter((x) => x != null).length;
const refresh = (): undefined => undefined;

describe('bad session options leave the instance untouched', () => {
  it.each([
    [{ refresh: 'users/refresh/' }],
    [{ refresh, refreshTimeout: 0 }],
    [{ refresh, refreshTimeout: Number.NaN }],
    [{ refresh, credentialOrigins: ['not an origin'] }],
    [{ refresh, onSessionExpired: 'x' }],
    [{ refresh, accessToken: () => 't' }],
  ])('throws a TypeError and adds no interceptor for %o', (options) => {
    const api = axios.create();
    expect(() => createRefreshInterceptor(api, options as never)).toThrow(TypeError);
    expect(live(api.interceptors.request as never), 'request interceptors left').toBe(0);
    expect(live(api.interceptors.response as never), 'response interceptors left').toBe(0);
  });
});

describe('after a rejected attach, a later correct attach and eject leave nothing', () => {
  it('the retried attach works and its eject removes all', () => {
    const api = axios.create();
    expect(() => createRefreshInterceptor(api, { refresh: 1 } as never)).toThrow(TypeError);
    const interceptor = createRefreshInterceptor(api, { refresh });
    interceptor.eject();
    expect(live(api.interceptors.request as never)).toBe(0);
    expect(live(api.interceptors.response as never)).toBe(0);
  });
});
