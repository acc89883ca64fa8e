import axios, { isAxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, isSessionExpiredError, jwtExpiry } from '../../src/index.js';
import { ada, useAuthApi } from './helpers/auth-api.js';
import { seenFrom } from './helpers/stats.js';

const server = useAuthApi();

/** The README's cookie quick start, with the reference API's address for `baseURL`. */
function cookieQuickStart() {
  const navigations: string[] = [];
  const router = { navigate: (to: string) => navigations.push(to) };
  const api = axios.create({ baseURL: server().apiUrl, withCredentials: true });
  let user: unknown = null;
  createRefreshInterceptor(api, {
    refresh: ({ client }) => client.post('users/refresh/'),
    onSessionExpired: () => {
      if (user) router.navigate('/login'); // a first-time visitor never had a session
      user = null;
    },
  });
  const logIn = (credentials: { email: string; password: string }) =>
    api.post('users/login/', credentials, { skipAuthRefresh: true });
  const probe = async () => {
    user = await api.get('users/').then(
      (r) => r.data as unknown,
      (error: unknown) => {
        if (isSessionExpiredError(error)) return null;
        throw error;
      },
    );
    return user;
  };
  return { api, logIn, probe, navigations };
}

/** The README's bearer quick start. */
function bearerQuickStart() {
  let tokens = { access: '', refresh: '' };
  const api = axios.create({ baseURL: server().apiUrl });
  createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      tokens = (await client.post<typeof tokens>('users/refresh/', { refresh: tokens.refresh })).data;
    },
    accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
  });
  async function logIn(credentials: { email: string; password: string }) {
    tokens = (await api.post<typeof tokens>('users/login/', credentials, { skipAuthRefresh: true })).data;
  }
  return { api, logIn, tokens: () => tokens };
}

async function signUpAda(): Promise<void> {
  const created = await fetch(`${server().apiUrl}users/create/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ada),
  });
  expect(created.status).toBe(201);
}

describe("the README's quick starts, against the reference API", () => {
  it('give a wrong password its 401, with no refresh and no onSessionExpired (cookies)', async () => {
    await signUpAda();
    const { logIn, navigations } = cookieQuickStart();
    const seen = seenFrom(server());

    const error: unknown = await logIn({ ...ada, password: 'wrong' }).catch((e: unknown) => e);

    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(seen()).toMatchObject({ refreshCalls: 0 });
    expect(navigations).toEqual([]);
  });

  it('give a wrong password its 401, with no refresh (bearer tokens)', async () => {
    await signUpAda();
    const { logIn } = bearerQuickStart();
    const seen = seenFrom(server());

    const error: unknown = await logIn({ ...ada, password: 'wrong' }).catch((e: unknown) => e);

    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(seen()).toMatchObject({ refreshCalls: 0 });
  });

  it('log in with the right password and send the token (bearer tokens)', async () => {
    await signUpAda();
    const { api, logIn } = bearerQuickStart();
    await logIn(ada);

    await expect(api.get('users/')).resolves.toMatchObject({ status: 200, data: { email: ada.email } });
  });

  it("tell a first-time visitor's probe \"not logged in\" without sending them anywhere", async () => {
    const { probe, navigations } = cookieQuickStart();
    const seen = seenFrom(server());

    await expect(probe()).resolves.toBeNull();

    expect(navigations).toEqual([]);
    expect(seen()).toMatchObject({ refreshCalls: 1 });
  });
});
