import { isAxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { createTask, getAllTasks, signUp, whoAmI } from '../../demo/client/utilities.js';
import type { AuthApi } from '../../demo/server/index.js';
import { isSessionExpiredError } from '../../src/index.js';
import { ACCESS_MS, REFRESH_MS, ada, useAuthApi } from './helpers/auth-api.js';
import { cookieClient, lessonCookieClient } from './helpers/clients.js';
import { concurrently, fulfilled, rejected } from './helpers/settle.js';
import { seenFrom } from './helpers/stats.js';

const server = useAuthApi();

const TASKS = 'GET /api/v1/tasks/';
const REFRESH = 'POST /api/v1/users/refresh/';

/**
 * Fires `count` task reads and lines the race up at its worst: every read reaches the server
 * with the expired token before any is answered, and every refresh that the client starts
 * (`refreshes` of them) is in flight before the first one is answered.
 */
async function burstAtExpiry<T>(api: AuthApi, count: number, read: () => Promise<T>, refreshes = 1): Promise<PromiseSettledResult<T>[]> {
  const arrivals = api.gate(TASKS);
  const refresh = api.gate(REFRESH);
  const burst = concurrently(count, read);
  await arrivals.reached(count);
  arrivals.open();
  await refresh.reached(refreshes);
  refresh.open();
  return burst;
}

describe('a burst of requests at expiry, over HTTP against the reference API', () => {
  it('refreshes once for a burst of 50 requests at access expiry, and every request succeeds', async () => {
    const { api } = cookieClient(server());
    await signUp(api, ada);
    await createTask(api, 'Buy milk');
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const results = await burstAtExpiry(server(), 50, () => getAllTasks(api));

    expect(rejected(results)).toEqual([]);
    expect(fulfilled(results).every((tasks) => tasks.length === 1)).toBe(true);
    expect(seen()).toEqual({
      refreshCalls: 1,
      refreshesRejected: 0,
      refreshReuse: 0,
      unauthorized: 50,
      requests: { [TASKS]: 100, [REFRESH]: 1 },
    });
  });

  it('holds requests started while a refresh runs, and sends them once with the new token', async () => {
    const { api } = cookieClient(server());
    await signUp(api, ada);
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());
    const refresh = server().gate(REFRESH);

    const first = whoAmI(api);
    await refresh.reached();
    const later = concurrently(5, () => getAllTasks(api));
    refresh.open();

    expect(await first).toBe(ada.email);
    expect(rejected(await later)).toEqual([]);
    // Only the request that started the refresh ever carried the expired token.
    expect(seen()).toMatchObject({ refreshCalls: 1, unauthorized: 1, requests: { [TASKS]: 5 } });
  });

  it('rejects a whole burst with SessionExpiredError after one refused refresh, calling onSessionExpired once', async () => {
    const { api, expired } = cookieClient(server());
    await signUp(api, ada);
    server().advanceClock(REFRESH_MS);
    const seen = seenFrom(server());

    const results = await burstAtExpiry(server(), 50, () => getAllTasks(api));

    expect(fulfilled(results)).toEqual([]);
    expect(rejected(results).every(isSessionExpiredError)).toBe(true);
    expect(expired).toHaveLength(1);
    expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1, unauthorized: 51, requests: { [TASKS]: 50 } });
  });

  it("fails 9 of 10 requests through the lesson's hand-written interceptor: one refresh per 401, each reusing the rotated token", async () => {
    const { api } = lessonCookieClient(server());
    await signUp(api, ada);
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const results = await burstAtExpiry(server(), 10, () => getAllTasks(api), 10);

    expect(fulfilled(results)).toHaveLength(1);
    const failures = rejected(results);
    expect(failures).toHaveLength(9);
    for (const failure of failures) {
      expect(isAxiosError(failure) && failure.config?.url).toMatch(/users\/refresh\/$/);
      expect(failure).toMatchObject({ response: { status: 401, data: { code: 'token_blacklisted' } } });
    }
    expect(seen()).toMatchObject({ refreshCalls: 10, refreshesRejected: 9, refreshReuse: 9 });
  });
});
