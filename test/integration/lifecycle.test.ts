import { describe, expect, it } from 'vitest';
import { createTask, deleteTask, getAllTasks, logIn, logOut, putTask, signUp, whoAmI } from '../../demo/client/utilities.js';
import { ERR_SESSION_EXPIRED, isSessionExpiredError } from '../../src/index.js';
import { ACCESS_MS, REFRESH_MS, ada, useAuthApi } from './helpers/auth-api.js';
import { cookieClient } from './helpers/clients.js';
import { concurrently, rejected } from './helpers/settle.js';
import { seenFrom } from './helpers/stats.js';

const server = useAuthApi();

/** Presents a refresh token as a stolen or stale copy of the cookie would. */
async function refreshWith(token: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${server().apiUrl}users/refresh/`, {
    method: 'POST',
    headers: { cookie: `refresh_token=${token}` },
  });
  const body = (await response.json()) as { code?: unknown };
  return { status: response.status, code: body.code };
}

describe("the lesson's session lifecycle, over HTTP against the reference API", () => {
  it('signs up with HttpOnly access and refresh cookies that later requests carry', async () => {
    const { api, jar } = cookieClient(server());

    const body = await signUp(api, ada);

    expect(body).toMatchObject({ email: ada.email, expires_in: ACCESS_MS / 1000 });
    expect(jar.get('access_token')).toMatchObject({ httpOnly: true, value: body.access });
    expect(jar.get('refresh_token')).toMatchObject({ httpOnly: true, value: body.refresh });
    expect(await whoAmI(api)).toBe(ada.email);
    await createTask(api, 'Buy milk', '2026-12-01');
    expect(await getAllTasks(api)).toEqual([{ id: expect.any(Number) as number, title: 'Buy milk', due_date: '2026-12-01' }]);
    expect(server().stats).toMatchObject({ refreshCalls: 0, unauthorized: 0 });
  });

  it('logs in to an existing account, and a wrong password is a 401 that starts no refresh', async () => {
    await signUp(cookieClient(server()).api, ada);
    const { api, expired } = cookieClient(server());

    await expect(logIn(api, { ...ada, password: 'wrong' })).rejects.toMatchObject({
      response: { status: 401, data: { code: 'invalid_credentials' } },
    });
    expect(await logIn(api, ada)).toMatchObject({ email: ada.email });
    expect(await whoAmI(api)).toBe(ada.email);
    expect(server().stats.refreshCalls).toBe(0);
    expect(expired).toEqual([]);
  });

  it('refreshes silently when the access token expires, and retries the request', async () => {
    const { api, jar } = cookieClient(server());
    await signUp(api, ada);
    const spent = jar.get('refresh_token')!.value;
    server().advanceClock(ACCESS_MS);
    const seen = seenFrom(server());

    const task = await createTask(api, 'Water the plants');

    expect(task.title).toBe('Water the plants');
    expect(seen()).toEqual({
      refreshCalls: 1,
      refreshesRejected: 0,
      refreshReuse: 0,
      unauthorized: 1,
      requests: { 'POST /api/v1/tasks/': 2, 'POST /api/v1/users/refresh/': 1 },
    });
    expect(jar.get('refresh_token')!.value).not.toBe(spent);
  });

  it('blacklists the refresh token a refresh presented, and counts its reuse', async () => {
    const { api, jar } = cookieClient(server());
    await signUp(api, ada);
    const spent = jar.get('refresh_token')!.value;
    server().advanceClock(ACCESS_MS);
    await getAllTasks(api);

    expect(await refreshWith(spent)).toEqual({ status: 401, code: 'token_blacklisted' });
    expect(server().stats).toMatchObject({ refreshCalls: 2, refreshesRejected: 1, refreshReuse: 1 });
    expect(await getAllTasks(api)).toEqual([]);
  });

  it('keeps the user signed in across several access lifetimes, one refresh each', async () => {
    const { api } = cookieClient(server());
    await signUp(api, ada);

    for (let i = 0; i < 3; i += 1) {
      server().advanceClock(ACCESS_MS);
      await createTask(api, `Task ${i}`);
    }

    expect(await getAllTasks(api)).toHaveLength(3);
    expect(server().stats).toMatchObject({ refreshCalls: 3, refreshesRejected: 0, unauthorized: 3 });
  });

  it('updates and deletes tasks across an access expiry', async () => {
    const { api } = cookieClient(server());
    await signUp(api, ada);
    const task = await createTask(api, 'Buy milk');
    server().advanceClock(ACCESS_MS);

    expect(await putTask(api, task.id, 'Buy oat milk', '2026-12-24')).toEqual({ id: task.id, title: 'Buy oat milk', due_date: '2026-12-24' });
    await deleteTask(api, task.id);

    expect(await getAllTasks(api)).toEqual([]);
    expect(server().stats.refreshCalls).toBe(1);
  });

  it('ends the session when the refresh token expires: SessionExpiredError for each request, onSessionExpired once', async () => {
    const { api, expired } = cookieClient(server());
    await signUp(api, ada);
    server().advanceClock(REFRESH_MS);
    const seen = seenFrom(server());

    const results = await Promise.allSettled([getAllTasks(api), whoAmI(api), createTask(api, 'Too late')]);

    const errors = rejected(results);
    expect(errors).toHaveLength(3);
    expect(errors.every(isSessionExpiredError)).toBe(true);
    expect(errors).toEqual(Array(3).fill(expect.objectContaining({ code: ERR_SESSION_EXPIRED })));
    expect(expired).toHaveLength(1);
    expect(expired[0]?.cause).toMatchObject({ response: { status: 401, data: { code: 'token_expired' } } });
    expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1 });
  });

  it('logs out: both cookies cleared, and the refresh token blacklisted', async () => {
    const { api, jar, expired } = cookieClient(server());
    await signUp(api, ada);
    const loggedOut = jar.get('refresh_token')!.value;

    await logOut(api);

    expect(jar.get('access_token')).toBeUndefined();
    expect(jar.get('refresh_token')).toBeUndefined();
    expect(await refreshWith(loggedOut)).toEqual({ status: 401, code: 'token_blacklisted' });
    expect(server().stats.refreshReuse).toBe(0);
    await expect(whoAmI(api)).rejects.toSatisfy(isSessionExpiredError);
    expect(expired).toHaveLength(1);
  });

  it('starts over after the session ended: logging in again works through the same instance', async () => {
    const { api, expired } = cookieClient(server());
    await signUp(api, ada);
    server().advanceClock(REFRESH_MS);
    await expect(getAllTasks(api)).rejects.toSatisfy(isSessionExpiredError);

    await logIn(api, ada);
    server().advanceClock(ACCESS_MS);
    const results = await concurrently(5, () => getAllTasks(api));

    expect(rejected(results)).toEqual([]);
    expect(expired).toHaveLength(1);
    expect(server().stats).toMatchObject({ refreshCalls: 2, refreshesRejected: 1 });
  });
});
