import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { getAllTasks, signUp, whoAmI } from '../../demo/client/utilities.js';
import { bearer, createRefreshInterceptor, isSessionExpiredError, jwtExpiry } from '../../src/index.js';
import { ACCESS_MS, REFRESH_MS, ada, useAuthApi } from './helpers/auth-api.js';
import { bearerClient } from './helpers/clients.js';
import { concurrently, rejected } from './helpers/settle.js';
import { seenFrom } from './helpers/stats.js';

const server = useAuthApi();

describe('bearer tokens kept in memory, over HTTP against the reference API', () => {
  it('refreshes once for 20 concurrent requests and replays each with the new access token', async () => {
    const client = bearerClient(server());
    client.signedIn(await signUp(client.api, ada));
    const before = client.tokens!;
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const results = await concurrently(20, () => getAllTasks(client.api));

    expect(rejected(results)).toEqual([]);
    expect(seen()).toMatchObject({ refreshCalls: 1, unauthorized: 20, requests: { 'GET /api/v1/tasks/': 40 } });
    expect(client.tokens?.access).not.toBe(before.access);
    expect(client.tokens?.refresh).not.toBe(before.refresh);
  });

  it('sends the refresh token in the body, and the spent one is refused afterwards', async () => {
    const client = bearerClient(server());
    client.signedIn(await signUp(client.api, ada));
    const spent = client.tokens!.refresh;
    server().advanceClock(ACCESS_MS);
    await whoAmI(client.api);

    const response = await fetch(`${server().apiUrl}users/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: spent }),
    });

    expect(response.status).toBe(401);
    expect(server().stats).toMatchObject({ refreshCalls: 2, refreshReuse: 1 });
  });

  it('ends the session with SessionExpiredError when the refresh token in memory has expired', async () => {
    const client = bearerClient(server());
    client.signedIn(await signUp(client.api, ada));
    server().advanceClock(REFRESH_MS);

    const results = await concurrently(5, () => whoAmI(client.api));

    expect(rejected(results).every(isSessionExpiredError)).toBe(true);
    expect(client.expired).toHaveLength(1);
    expect(server().stats).toMatchObject({ refreshCalls: 1, refreshesRejected: 1 });
  });

  it("works as the README's accessToken quick start: one refresh for 20 concurrent requests, each replayed with the new token", async () => {
    const api = axios.create({ baseURL: server().apiUrl });
    let tokens = { access: '', refresh: '' };
    createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        tokens = (await client.post<typeof tokens>('users/refresh/', { refresh: tokens.refresh })).data;
      },
      accessToken: bearer(() => tokens.access),
      // The reference API's tokens here live 5 s: a margin below that.
      expiresAt: jwtExpiry(() => tokens.access, 1_000),
    });
    const { access, refresh } = await signUp(api, ada);
    tokens = { access, refresh };
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const results = await concurrently(20, () => getAllTasks(api));

    expect(rejected(results)).toEqual([]);
    expect(seen()).toMatchObject({ refreshCalls: 1, unauthorized: 20, requests: { 'GET /api/v1/tasks/': 40 } });
    expect(tokens.access).not.toBe(access);
  });
});
