import axios from 'axios';
import { HttpCookieAgent, HttpsCookieAgent } from 'http-cookie-agent/http';
import { CookieJar } from 'tough-cookie';
import { describe, expect, it } from 'vitest';
import type { AuthApi } from '../../demo/server/index.js';
import { createRefreshInterceptor, isSessionExpiredError } from '../../src/index.js';
import type { SessionExpiredError } from '../../src/index.js';
import { ACCESS_MS, REFRESH_MS, ada, useAuthApi } from './helpers/auth-api.js';
import { concurrently, fulfilled, rejected } from './helpers/settle.js';
import { seenFrom } from './helpers/stats.js';

const server = useAuthApi();

const TASKS = 'GET /api/v1/tasks/';
const REFRESH = 'POST /api/v1/users/refresh/';

/**
 * The README's cookie quick start as a Node app writes it: tough-cookie's jar, read and written
 * by http-cookie-agent's agents, which the refresh's `client` inherits from the instance.
 */
function nodeApp(apiUrl: string) {
  const jar = new CookieJar();
  const api = axios.create({
    baseURL: apiUrl,
    withCredentials: true,
    httpAgent: new HttpCookieAgent({ cookies: { jar } }),
    httpsAgent: new HttpsCookieAgent({ cookies: { jar } }),
  });
  const expired: SessionExpiredError[] = [];
  createRefreshInterceptor(api, {
    refresh: ({ client }) => client.post('users/refresh/'),
    onSessionExpired: (error) => {
      expired.push(error);
    },
  });
  return { api, jar, expired };
}

function cookie(jar: CookieJar, name: string): string | undefined {
  return jar.getCookiesSync(server().apiUrl).find((stored) => stored.key === name)?.value;
}

/** Presents a refresh token as a stale copy of the cookie would, outside the app. */
async function refreshWith(token: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${server().apiUrl}users/refresh/`, { method: 'POST', headers: { cookie: `refresh_token=${token}` } });
  const body = (await response.json()) as { code?: unknown };
  return { status: response.status, code: body.code };
}

/** Fires `count` task reads that all reach the server with the expired token before any is answered. */
async function burstAtExpiry(api: AuthApi, count: number, read: () => Promise<unknown>): Promise<PromiseSettledResult<unknown>[]> {
  const arrivals = api.gate(TASKS);
  const burst = concurrently(count, read);
  await arrivals.reached(count);
  arrivals.open();
  return burst;
}

/** What the server sees of 10 requests at access expiry: 10 401s, one refresh, 10 retries. */
const ONE_REFRESH_FOR_TEN = {
  refreshCalls: 1,
  refreshesRejected: 0,
  refreshReuse: 0,
  unauthorized: 10,
  requests: { [TASKS]: 20, [REFRESH]: 1 },
};

describe("the README's cookie quick start in Node, with tough-cookie and http-cookie-agent", () => {
  it('keeps the HttpOnly cookies that logging in sets, and sends them with later requests', async () => {
    const { api, jar } = nodeApp(server().apiUrl);

    await api.post('users/create/', ada);

    expect(jar.getCookiesSync(server().apiUrl).map(({ key, httpOnly }) => ({ key, httpOnly }))).toEqual([
      { key: 'access_token', httpOnly: true },
      { key: 'refresh_token', httpOnly: true },
    ]);
    expect((await api.get<{ email: string }>('users/')).data.email).toBe(ada.email);
  });

  it('refreshes once for 10 concurrent requests at access expiry, the refresh client sending the refresh cookie', async () => {
    const { api, jar, expired } = nodeApp(server().apiUrl);
    await api.post('users/create/', ada);
    const spent = cookie(jar, 'refresh_token')!;
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const results = await burstAtExpiry(server(), 10, () => api.get('tasks/'));

    expect(rejected(results)).toEqual([]);
    expect(fulfilled(results)).toHaveLength(10);
    expect(seen()).toEqual(ONE_REFRESH_FOR_TEN);
    expect(expired).toEqual([]);
    // The server rotated the very token the log-in stored: the refresh presented that cookie.
    expect(await refreshWith(spent)).toEqual({ status: 401, code: 'token_blacklisted' });
  });

  it('stores the rotated cookies that the refresh client receives in the same jar', async () => {
    const { api, jar } = nodeApp(server().apiUrl);
    await api.post('users/create/', ada);
    const before = { access: cookie(jar, 'access_token'), refresh: cookie(jar, 'refresh_token') };
    server().advanceClock(ACCESS_MS);

    await api.get('tasks/');

    expect(cookie(jar, 'access_token')).toEqual(expect.any(String));
    expect(cookie(jar, 'access_token')).not.toBe(before.access);
    expect(cookie(jar, 'refresh_token')).toEqual(expect.any(String));
    expect(cookie(jar, 'refresh_token')).not.toBe(before.refresh);
  });

  it('refreshes again after a second expiry with the rotated refresh cookie, and no token is reused', async () => {
    const { api, jar, expired } = nodeApp(server().apiUrl);
    await api.post('users/create/', ada);
    server().advanceClock(ACCESS_MS);
    await api.get('tasks/');
    const rotated = cookie(jar, 'refresh_token')!;
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const results = await burstAtExpiry(server(), 10, () => api.get('tasks/'));

    expect(rejected(results)).toEqual([]);
    expect(seen()).toEqual(ONE_REFRESH_FOR_TEN);
    expect(expired).toEqual([]);
    expect(await refreshWith(rotated)).toEqual({ status: 401, code: 'token_blacklisted' });
  });

  it('ends the session once when the refresh cookie has expired: SessionExpiredError for every request', async () => {
    const { api, expired } = nodeApp(server().apiUrl);
    await api.post('users/create/', ada);
    server().advanceClock(REFRESH_MS);
    const seen = seenFrom(server());

    const results = await burstAtExpiry(server(), 5, () => api.get('tasks/'));

    expect(fulfilled(results)).toEqual([]);
    expect(rejected(results).every(isSessionExpiredError)).toBe(true);
    expect(expired).toHaveLength(1);
    expect(expired[0]?.cause).toMatchObject({ response: { status: 401, data: { code: 'token_expired' } } });
    expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1, refreshReuse: 0 });
  });
});
