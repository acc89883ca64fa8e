import axios from 'axios';
import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import axiosRetry from 'axios-retry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, jwtExpiry } from '../../src/index.js';
import type { RefreshInterceptorOptions, RefreshSession } from '../../src/index.js';
import { startJwtServer, tokenStore } from './helpers/jwt-server.js';
import type { JwtServer, Tokens } from './helpers/jwt-server.js';

let server: JwtServer;
beforeEach(async () => {
  server = await startJwtServer();
});
afterEach(async () => {
  await server.close();
});

/** The README's bearer quick start: no request interceptor of the app's own. */
function quickStart(extra: Partial<RefreshInterceptorOptions> = {}): { api: AxiosInstance; store: { tokens: Tokens }; session: RefreshSession } {
  const store = tokenStore(server);
  const api = axios.create({ baseURL: server.url });
  const { session } = createRefreshInterceptor(api, { refresh: store.refresh, accessToken: bearer(() => store.tokens.access), expiresAt: jwtExpiry(() => store.tokens.access), ...extra });
  return { api, store, session };
}

const sent = (token: string): string => `Bearer ${token}`;
const hasFetchAdapter = (() => {
  try {
    return typeof axios.getAdapter('fetch') === 'function';
  } catch {
    return false;
  }
})();

describe('accessToken: the header is set as each request goes out', () => {
  it('sends Authorization: Bearer with the token accessToken returns at that moment', async () => {
    const { api, store } = quickStart();
    const first = store.tokens.access;
    await api.get('/a');
    store.tokens = server.logIn();
    await api.get('/b');

    expect(server.authorizations('/')).toEqual([sent(first), sent(store.tokens.access)]);
  });

  it('sends no Authorization header while accessToken returns undefined or an empty string', async () => {
    const held: { token: string | undefined } = { token: undefined };
    const api = axios.create({ baseURL: server.url });
    createRefreshInterceptor(api, { refresh: () => undefined, accessToken: bearer(() => held.token), expiresAt: jwtExpiry(() => held.token) });
    await api.get('/public').catch(() => undefined);
    held.token = '';
    await api.get('/public').catch(() => undefined);

    // The first was refused, refreshed (a refresh that obtains nothing) and sent again, still
    // bare; the second, refused during the backoff that refresh's refused credentials started, once.
    expect(server.authorizations('/public')).toEqual([undefined, undefined, undefined]);
  });

  it('sends requests held during a refresh with the token that refresh obtained, and none with the old one', async () => {
    const { api, store } = quickStart();
    const old = store.tokens.access;
    server.revoke();
    const refresh = server.hold('/refresh');
    const trigger = api.get('/trigger');
    await server.arrived('/refresh', 1);
    const held = Array.from({ length: 5 }, (_, i) => api.get(`/held/${i}`));
    refresh.open();
    await Promise.all([trigger, ...held]);

    expect(server.authorizations('/held')).toEqual(Array(5).fill(sent(store.tokens.access)));
    expect(server.authorizations('/trigger')).toEqual([sent(old), sent(store.tokens.access)]);
    expect(server.count('/refresh')).toBe(1);
  });

  it('retries a 401 with the new token whatever order the app added a request interceptor of its own in', async () => {
    for (const order of ['before', 'after'] as const) {
      const store = tokenStore(server);
      const api = axios.create({ baseURL: server.url });
      const tag = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
        config.headers.set('X-Tag', order);
        return config;
      };
      if (order === 'before') api.interceptors.request.use(tag);
      createRefreshInterceptor(api, { refresh: store.refresh, accessToken: bearer(() => store.tokens.access), expiresAt: jwtExpiry(() => store.tokens.access) });
      if (order === 'after') api.interceptors.request.use(tag);
      const old = store.tokens.access;
      server.revoke();

      await api.get(`/order/${order}`);

      expect(server.authorizations(`/order/${order}`)).toEqual([sent(old), sent(store.tokens.access)]);
    }
  });

  it('keeps an Authorization header the request sets for itself, and rejects its 401 as it is: no refresh, no cooldown', async () => {
    const { api, session } = quickStart();
    server.revoke();

    const failed = await api.get('/own', { headers: { Authorization: 'Basic YWRhOnB3' } }).catch((e: unknown) => e);

    expect(failed).toMatchObject({ response: { status: 401 } });
    expect(server.authorizations('/own')).toEqual(['Basic YWRhOnB3']);
    expect(server.count('/refresh')).toBe(0);
    // The session's own revoked token is still refreshed at its first 401, and the request goes on.
    await expect(api.get('/next')).resolves.toMatchObject({ status: 200 });
    expect(server.count('/refresh')).toBe(1);
    expect(session.state).toBe('live');
  });

  it('sends a request with an Authorization of its own while a refresh is out, without waiting for it, and gives it its own answer when that refresh fails', async () => {
    const { api } = quickStart();
    server.revoke();
    const refresh = server.hold('/refresh');
    server.failOnce('/refresh', 500);
    const trigger = api.get('/trigger').catch((error: unknown) => error);
    await server.arrived('/refresh', 1);

    const own = await api.get('/own', { headers: { Authorization: 'Basic YWRhOnB3' } }).catch((error: unknown) => error);
    refresh.open();

    expect(own).toMatchObject({ response: { status: 401 } });
    expect(isRefreshFailedError(own)).toBe(false);
    expect(isRefreshFailedError(await trigger)).toBe(true);
    expect(server.authorizations('/own')).toEqual(['Basic YWRhOnB3']);
  });

  it('refreshes once for requests whose own interceptor sets the session\'s current token, as an app moving to accessToken keeps doing', async () => {
    const { api, store } = quickStart();
    api.interceptors.request.use((config) => {
      config.headers.Authorization = sent(store.tokens.access);
      return config;
    });
    const old = store.tokens.access;
    server.revoke();

    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => api.get(`/hooked/${i}`)));

    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(server.count('/refresh')).toBe(1);
    expect(server.count('/hooked', 200)).toBe(5);
    expect(new Set(server.authorizations('/hooked'))).toEqual(new Set([sent(old), sent(store.tokens.access)]));
  });

  it('sends the new token on a request that set the then current one itself and waited for a refresh ahead before it first went out', async () => {
    // Two seconds: within the margin, so the first request waits for a refresh ahead.
    server.lifetime = 2_000;
    const { api, store } = quickStart();
    server.lifetime = 15 * 60_000;
    const old = store.tokens.access;

    const answer = await api.get('/own-current', { headers: { Authorization: sent(old) } });

    expect(answer.status).toBe(200);
    expect(server.count('/refresh')).toBe(1);
    expect(server.authorizations('/own-current')).toEqual([sent(store.tokens.access)]);
  });

  it('refreshes the 401 of a request that carried the session\'s token in a scheme of its own (`JWT`, `bearer`), and sends it again through the interceptor that sets it', async () => {
    for (const scheme of ['JWT', 'bearer']) {
      const { api, store } = quickStart();
      api.interceptors.request.use((config) => {
        config.headers.Authorization = `${scheme} ${store.tokens.access}`;
        return config;
      });
      const old = store.tokens.access;
      server.revoke();

      const answers = await Promise.all([1, 2, 3].map((i) => api.get(`/scheme/${scheme}/${i}`)));

      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(new Set(server.authorizations(`/scheme/${scheme}`))).toEqual(new Set([`${scheme} ${old}`, `${scheme} ${store.tokens.access}`]));
    }
    expect(server.count('/refresh')).toBe(2);
  });

  it('refreshes the 401 of a request that was out through nine refreshes, and sends it again with the latest token', async () => {
    const { api, store } = quickStart();
    const first = store.tokens.access;
    server.revoke();
    const gate = server.hold('/slow');
    const slow = api.get('/slow');
    await server.arrived('/slow', 1);
    for (let i = 0; i < 9; i += 1) {
      server.revoke();
      await api.get(`/between/${i}`);
    }
    gate.open();

    await expect(slow).resolves.toMatchObject({ status: 200 });
    expect(server.count('/refresh')).toBe(9);
    expect(server.authorizations('/slow')).toEqual([sent(first), sent(store.tokens.access)]);
  });

  it('replaces a token it attached to an earlier attempt when a plugin sends that config again (axios-retry)', async () => {
    const { api, store } = quickStart();
    const old = store.tokens.access;
    axiosRetry(api, {
      onRetry: () => {
        store.tokens = server.logIn();
      },
    });
    server.failOnce('/flaky', 503);

    await api.get('/flaky');

    expect(server.authorizations('/flaky')).toEqual([sent(old), sent(store.tokens.access)]);
    expect(store.tokens.access).not.toBe(old);
  });

  it('takes off a token it attached to an earlier attempt once accessToken has none (logged out meanwhile)', async () => {
    const { api, store } = quickStart();
    const old = store.tokens.access;
    axiosRetry(api, {
      onRetry: () => {
        store.tokens = { access: '', refresh: '' };
      },
    });
    server.failOnce('/logged-out', 503);

    await api.get('/logged-out', { skipAuthRefresh: true }).catch(() => undefined);

    expect(server.authorizations('/logged-out')).toEqual([sent(old), undefined]);
  });

  it("sends the session's token instead of an Authorization header left in the instance's defaults", async () => {
    const { api, store } = quickStart();
    api.defaults.headers.common.Authorization = 'Bearer left-over-from-login';

    await api.get('/defaults');

    expect(server.authorizations('/defaults')).toEqual([sent(store.tokens.access)]);
  });

  it('rejects a request with a TypeError naming accessToken when it returns something other than a string', async () => {
    const api = axios.create({ baseURL: server.url });
    const tokens = server.logIn();
    createRefreshInterceptor(api, {
      refresh: () => undefined,
      accessToken: bearer((() => tokens) as unknown as () => string),
    });

    const error: unknown = await api.get('/object').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toContain('Expected the function given to `bearer` to return a string or undefined, got object');
    expect(server.count('/object')).toBe(0);
  });

  it('rejects a request with what accessToken threw, and sends nothing; null means no token', async () => {
    const api = axios.create({ baseURL: server.url });
    let read: () => string | undefined = () => {
      throw new Error('store not ready');
    };
    createRefreshInterceptor(api, { refresh: () => undefined, accessToken: bearer(() => read()), expiresAt: jwtExpiry(() => read()) });

    await expect(api.get('/throws')).rejects.toThrow('store not ready');
    read = () => null as unknown as undefined;
    await api.get('/null', { skipAuthRefresh: true }).catch(() => undefined);

    expect(server.count('/throws')).toBe(0);
    expect(server.authorizations('/null')).toEqual([undefined]);
  });

  // axios 1.7 brought the fetch adapter.
  it.skipIf(!hasFetchAdapter)("sends the token through axios's fetch adapter too", async () => {
    const { api, store } = quickStart();
    api.defaults.adapter = 'fetch';

    await api.get('/fetch-adapter');

    expect(server.authorizations('/fetch-adapter')).toEqual([sent(store.tokens.access)]);
  });

  it('attaches the token to a request with skipAuthRefresh, and leaves its 401 to the caller', async () => {
    const { api, store } = quickStart();
    server.revoke();

    const failed = await api.get('/probe', { skipAuthRefresh: true }).catch((e: unknown) => e);

    expect(failed).toMatchObject({ response: { status: 401 } });
    expect(server.authorizations('/probe')).toEqual([sent(store.tokens.access)]);
    expect(server.count('/refresh')).toBe(0);
  });

  it('does not send the token to the refresh endpoint through the bare client', async () => {
    const { api } = quickStart();
    server.revoke();
    await api.get('/x');

    expect(server.authorizations('/refresh')).toEqual([undefined]);
  });
});
