import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isSessionExpiredError } from '../../src/index.js';
import type { SessionExpiredError } from '../../src/index.js';
import { createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { describeRequest } from '../../src/refresh-outcome.js';
import { ada, useAuthApi } from './helpers/auth-api.js';
import { seenFrom } from './helpers/stats.js';

const server = useAuthApi();
const REFRESH = 'POST /api/v1/users/refresh/';
const LOGIN = 'POST /api/v1/users/login/';

describe('a log-in sent without skipAuthRefresh explains itself', () => {
  it('names the request that started the refresh in the error the caller and onSessionExpired get, without its query string', async () => {
    const seen = seenFrom(server());
    const api = axios.create({ baseURL: server().apiUrl, withCredentials: true });
    const ended: SessionExpiredError[] = [];
    createRefreshInterceptor(api, {
      refresh: ({ client }) => client.post('users/refresh/'),
      onSessionExpired: (error) => {
        ended.push(error);
      },
    });

    // The mistake: a wrong password's 401 starts a refresh, which a visitor's missing cookie ends.
    const error: unknown = await api.post('users/login/?next=%2Fsecret', { ...ada, password: 'wrong' }).catch((e: unknown) => e);

    expect(isSessionExpiredError(error)).toBe(true);
    expect((error as Error).message).toBe('Session expired: the server rejected the credentials refresh (the refresh was started by POST users/login/)');
    expect(ended.map((e) => e.message)).toEqual([(error as Error).message]);
    expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1, requests: { [LOGIN]: 1, [REFRESH]: 1 } });
  });

  it('names it through createRefreshFetch too', async () => {
    const seen = seenFrom(server());
    const refreshUrl = `${server().apiUrl}users/refresh/`;
    const session = createRefreshSession({ refresh: ({ signal }) => fetch(refreshUrl, { method: 'POST', signal }) });
    const authFetch = createRefreshFetch(fetch, { session });

    const error: unknown = await authFetch(`${server().apiUrl}users/login/?next=%2Fsecret`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...ada, password: 'wrong' }),
    }).catch((e: unknown) => e);

    expect(isSessionExpiredError(error)).toBe(true);
    expect((error as Error).message).toContain(`(the refresh was started by POST ${server().apiUrl}users/login/)`);
    expect((error as Error).message).not.toContain('secret');
    expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1 });
  });
});

describe('describeRequest', () => {
  it.each([
    [{ method: 'post', url: 'users/login/' }, 'POST users/login/'],
    [{ method: 'get', url: '/tasks/?page=2' }, 'GET /tasks/'],
    [{ method: 'delete', url: 'https://other.example.com/x/1#frag' }, 'DELETE https://other.example.com/x/1'],
    [{ url: '/a?token=secret#b' }, 'GET /a'],
  ])('describes %o as %s, with no query or hash', (config, described) => {
    expect(describeRequest(config)).toBe(described);
  });
});
