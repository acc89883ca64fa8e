import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor } from '../../src/index.js';
import type { RefreshInterceptor } from '../../src/index.js';
import { startCsrfServer } from '../helpers/csrf-server.js';
import type { CsrfServer } from '../helpers/csrf-server.js';
import { turns, until } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';
import { csrfApp, csrfPurpose, tokenRefresh } from './helpers/two-purposes.js';
import type { Credentials } from './helpers/two-purposes.js';

let server: CsrfServer;
beforeEach(async () => {
  server = await startCsrfServer();
});
afterEach(async () => {
  await server.close();
});

type Order = 'token refresh first' | 'CSRF refresh first';

/** A 401 token refresh and a 419 CSRF refresh on one instance, attached in `order`. */
function bothPurposes(order: Order): {
  api: AxiosInstance;
  credentials: Credentials;
  token: ReturnType<typeof tokenRefresh> & { interceptor: RefreshInterceptor };
  csrf: ReturnType<typeof csrfPurpose> & { interceptor: RefreshInterceptor };
} {
  const { api, credentials } = csrfApp(server);
  const token = tokenRefresh(credentials);
  const csrf = csrfPurpose(credentials);
  const attachToken = (): RefreshInterceptor => createRefreshInterceptor(api, { refresh: token.refresh });
  const attachCsrf = (): RefreshInterceptor => createRefreshInterceptor(api, csrf.options);
  const first = order === 'token refresh first' ? attachToken() : attachCsrf();
  const second = order === 'token refresh first' ? attachCsrf() : attachToken();
  const [tokenInterceptor, csrfInterceptor] = order === 'token refresh first' ? [first, second] : [second, first];
  return { api, credentials, token: { ...token, interceptor: tokenInterceptor }, csrf: { ...csrf, interceptor: csrfInterceptor } };
}

/** Posts `size` requests at once; each must succeed with its own body and the current credentials. */
async function burst(api: AxiosInstance, label: string, size: number): Promise<string[]> {
  const paths = Array.from({ length: size }, (_, i) => `/api/${label}/${i}`);
  const responses = await Promise.all(paths.map((path, i) => api.post(path, { n: i })));
  responses.forEach((response, i) => {
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ path: paths[i], access: server.access, csrf: server.csrf, body: JSON.stringify({ n: i }) });
  });
  return paths;
}

describe.each<Order>(['token refresh first', 'CSRF refresh first'])('a 401 token refresh and a 419 CSRF refresh, %s', (order) => {
  it('each refreshes once per expiry of its own credentials, through several expiries and concurrent bursts', async () => {
    const { api, token, csrf } = bothPurposes(order);

    for (let round = 1; round <= 3; round += 1) {
      server.expireAccess();
      for (const path of await burst(api, `access-${round}`, 6)) expect(server.statuses(path)).toEqual([401, 200]);
      expect([server.count('/refresh', 200), server.count('/csrf-cookie')]).toEqual([round, round - 1]);

      server.expireCsrf();
      for (const path of await burst(api, `csrf-${round}`, 6)) expect(server.statuses(path)).toEqual([419, 200]);
      expect([server.count('/refresh', 200), server.count('/csrf-cookie')]).toEqual([round, round]);
    }

    expect(server.count('/refresh')).toBe(3);
    expect(server.reusedRefreshTokens).toBe(0);
    expect([token.calls(), csrf.calls()]).toEqual([3, 3]);
    // Every answer the client got was the one sent with the credentials of that moment.
    expect(server.seen.filter((r) => r.path.startsWith('/api/') && r.status === 200)).toHaveLength(36);
  });

  it('retries a request that meets 419 and then 401 on its retry once for each, with one refresh of each', async () => {
    const { api, token, csrf } = bothPurposes(order);
    server.expireAccess();
    server.expireCsrf();

    const response = await api.post('/api/both', { both: true });

    expect(response.data).toEqual({ path: '/api/both', access: 'access-1', csrf: 'csrf-1', body: '{"both":true}' });
    expect(server.statuses('/api/both')).toEqual([419, 401, 200]);
    expect(server.seen.filter((r) => r.path === '/api/both').map((r) => [r.access, r.csrf])).toEqual([
      ['access-0', 'csrf-0'],
      ['access-0', 'csrf-1'],
      ['access-1', 'csrf-1'],
    ]);
    expect([server.count('/refresh'), server.count('/csrf-cookie')]).toEqual([1, 1]);
    expect([token.calls(), csrf.calls()]).toEqual([1, 1]);
  });

  it('refreshes each once for a burst in which both credentials expired at once', async () => {
    const { api } = bothPurposes(order);
    server.expireAccess();
    server.expireCsrf();

    const paths = await burst(api, 'both', 8);

    // A retry that goes out while the token refresh runs is held for it and meets no 401.
    for (const path of paths) expect([[419, 401, 200], [419, 200]]).toContainEqual(server.statuses(path));
    expect(server.count('/api/both', 401)).toBeGreaterThan(0);
    expect(server.count('/api/both', 200)).toBe(8);
    expect([server.count('/refresh', 200), server.count('/csrf-cookie')]).toEqual([1, 1]);
    expect(server.reusedRefreshTokens).toBe(0);
  });

  it('retries a request at most once per purpose and hands the caller the answer after that', async () => {
    const { api, token, csrf } = bothPurposes(order);
    server.script('/api/flip', [419, 401, 419, 401]);

    const error = await rejection(api.post('/api/flip', { flip: true }));

    expect(error.response?.status).toBe(419);
    expect(server.statuses('/api/flip')).toEqual([419, 401, 419]);
    expect([server.count('/refresh'), server.count('/csrf-cookie')]).toEqual([1, 1]);
    expect([token.calls(), csrf.calls()]).toEqual([1, 1]);
  });

  it('holds a request sent while the CSRF refresh is out, and sends it once with the new token', async () => {
    const { api } = bothPurposes(order);
    server.expireCsrf();
    const csrfCall = server.hold('/csrf-cookie');

    const first = api.post('/api/first', {});
    await until(() => server.count('/csrf-cookie') > 0);
    const second = api.post('/api/second', {});
    await turns(20);
    expect(server.statuses('/api/second')).toEqual([]);
    csrfCall.open();

    await expect(first).resolves.toMatchObject({ status: 200, data: { csrf: 'csrf-1' } });
    await expect(second).resolves.toMatchObject({ status: 200, data: { csrf: 'csrf-1' } });
    expect(server.statuses('/api/first')).toEqual([419, 200]);
    expect(server.statuses('/api/second')).toEqual([200]);
    expect(server.count('/csrf-cookie')).toBe(1);
  });

  it('keeps the token refresh working once the CSRF interceptor is ejected, and the other way round', async () => {
    const { api, token, csrf } = bothPurposes(order);
    csrf.interceptor.eject();

    server.expireAccess();
    for (const path of await burst(api, 'token-only', 4)) expect(server.statuses(path)).toEqual([401, 200]);
    server.expireCsrf();
    const stale = await rejection(api.post('/api/stale', {}));
    expect(stale.response?.status).toBe(419);
    expect(server.statuses('/api/stale')).toEqual([419]);
    expect([server.count('/refresh'), server.count('/csrf-cookie')]).toEqual([1, 0]);

    const again = createRefreshInterceptor(api, csrf.options);
    token.interceptor.eject();
    for (const path of await burst(api, 'csrf-only', 4)) expect(server.statuses(path)).toEqual([419, 200]);
    server.expireAccess();
    const expired = await rejection(api.post('/api/expired', {}));
    expect(expired.response?.status).toBe(401);
    expect(server.statuses('/api/expired')).toEqual([401]);
    expect([server.count('/refresh'), server.count('/csrf-cookie')]).toEqual([1, 1]);
    expect([token.calls(), csrf.calls()]).toEqual([1, 1]);
    again.eject();
  });
});

describe('several interceptors on one instance, told apart by purpose', () => {
  it('returns the handle already attached for the same options object, whatever else is attached', async () => {
    const { api, credentials } = csrfApp(server);
    const token = tokenRefresh(credentials);
    const csrf = csrfPurpose(credentials);
    const tokenOptions = { refresh: token.refresh };
    const first = createRefreshInterceptor(api, tokenOptions);
    const csrfFirst = createRefreshInterceptor(api, csrf.options);

    expect(createRefreshInterceptor(api, tokenOptions)).toBe(first);
    expect(createRefreshInterceptor(api, csrf.options)).toBe(csrfFirst);
    expect(createRefreshInterceptor(api, { session: first.session })).toBe(first);

    server.expireAccess();
    server.expireCsrf();
    await burst(api, 'again', 4);
    expect([token.calls(), csrf.calls()]).toEqual([1, 1]);
    expect([server.count('/refresh'), server.count('/csrf-cookie')]).toEqual([1, 1]);
  });

  it('lets new options with a check of the same source text take over that purpose alone, and gives it back on eject', async () => {
    const { api, credentials } = csrfApp(server);
    const token = tokenRefresh(credentials);
    const older = csrfPurpose(credentials);
    const newer = csrfPurpose(credentials);
    createRefreshInterceptor(api, older.options);
    createRefreshInterceptor(api, { refresh: token.refresh });
    const reloaded = createRefreshInterceptor(api, newer.options);

    for (let round = 1; round <= 2; round += 1) {
      server.expireCsrf();
      server.expireAccess();
      for (const path of await burst(api, `reloaded-${round}`, 4)) expect([[419, 401, 200], [419, 200]]).toContainEqual(server.statuses(path));
    }
    expect([older.calls(), newer.calls(), token.calls()]).toEqual([0, 2, 2]);

    reloaded.eject();
    server.expireCsrf();
    for (const path of await burst(api, 'older-back', 4)) expect(server.statuses(path)).toEqual([419, 200]);
    expect([older.calls(), newer.calls(), token.calls()]).toEqual([1, 2, 2]);
    expect([server.count('/refresh'), server.count('/csrf-cookie')]).toEqual([2, 3]);
  });

  it('retries a request once for a purpose however many interceptors for it setup code attached', async () => {
    const { api, credentials } = csrfApp(server);
    const older = csrfPurpose(credentials);
    const newer = csrfPurpose(credentials);
    createRefreshInterceptor(api, older.options);
    createRefreshInterceptor(api, newer.options);
    server.script('/api/still-419', [419, 419, 419]);

    const error = await rejection(api.post('/api/still-419', {}));

    expect(error.response?.status).toBe(419);
    // The earlier interceptor is not in force: it neither retries nor refreshes a second time.
    expect(server.statuses('/api/still-419')).toEqual([419, 419]);
    expect(server.count('/csrf-cookie')).toBe(1);
    expect([older.calls(), newer.calls()]).toEqual([0, 1]);
  });

  it('gives a CSRF interceptor attached after a token interceptor was ejected in a cooldown none of that cooldown', async () => {
    const { api, credentials } = csrfApp(server);
    const token = createRefreshInterceptor(api, {
      refresh: () => Promise.reject(new Error('the auth server is down')),
    });
    server.expireAccess();
    await rejection(api.post('/api/down', {}));
    expect(token.session.state).toBe('cooling-down');
    token.eject();

    const csrf = csrfPurpose(credentials);
    const interceptor = createRefreshInterceptor(api, csrf.options);
    expect(interceptor.session.state).toBe('live');
    server.expireCsrf();
    const error = await rejection(api.post('/api/csrf-only', {}));

    // The 419 was refreshed and retried; the 401 after it has no interceptor any more.
    expect(server.statuses('/api/csrf-only')).toEqual([419, 401]);
    expect(error.response?.status).toBe(401);
    expect(csrf.calls()).toBe(1);
  });
});

describe('a 401 after a token refresh and then a CSRF refresh, on one request', () => {
  it('does not take the token refresh for one that did not take: the 401 came after a retry for the CSRF token', async () => {
    const { api, token } = bothPurposes('token refresh first');
    server.expireAccess();
    const tokenGate = server.hold('/refresh');
    const request = rejection(api.post('/api/both', {}));
    await until(() => server.count('/refresh') === 1);
    server.expireCsrf();
    const csrfGate = server.hold('/csrf-cookie');
    tokenGate.open();
    await until(() => server.count('/csrf-cookie') === 1);
    // The token the refresh gave worked (the retry got 419, not 401); it expires only now.
    server.expireAccess();
    csrfGate.open();

    expect((await request).response?.status).toBe(401);
    expect(server.statuses('/api/both')).toEqual([401, 419, 401]);
    expect(token.interceptor.session.state).toBe('live');
    await expect(api.post('/api/next', {})).resolves.toMatchObject({ status: 200 });
    expect(server.count('/refresh', 200)).toBe(2);
  });
});
