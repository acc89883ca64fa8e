import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshFetch } from '../../src/fetch.js';
import type { FetchLike, RefreshFetchOptions } from '../../src/fetch.js';
import { bearer, createRefreshSession, jwtExpiry } from '../../src/index.js';
import type { RefreshSession, SessionOptions } from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer, SeenRequest } from '../helpers/auth-server.js';
import { listen, replyJson } from '../stacks/helpers/loopback.js';
import type { Loopback } from '../stacks/helpers/loopback.js';

/** Another origin: a loopback server on another port that refuses everything, recording what it is sent. */
interface Elsewhere extends Loopback {
  readonly authorizations: Array<string | undefined>;
}

async function elsewhere(): Promise<Elsewhere> {
  const authorizations: Array<string | undefined> = [];
  const loopback = await listen(({ req }, res) => {
    authorizations.push(req.headers.authorization);
    replyJson(res, 401, { detail: 'not yours' });
  });
  return { ...loopback, authorizations };
}

let server: AuthServer;
let other: Elsewhere;
beforeEach(async () => {
  [server, other] = await Promise.all([startAuthServer(), elsewhere()]);
});
afterEach(async () => {
  await Promise.all([server.close(), other.close()]);
});

interface Store {
  token: string;
  refresh: string;
}

/** A session whose refresh stores the rotated tokens, as an app keeping them in memory does. */
function sessionOf(store: Store, extra: Partial<SessionOptions> = {}): RefreshSession {
  return createRefreshSession({
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string; refresh: string }>(`${server.url}/refresh`, {
        refresh: store.refresh,
      });
      store.token = data.access;
      store.refresh = data.refresh;
    },
    ...extra,
  });
}

/** The README's setup in Node: `accessToken`, with the API's origin listed since there is no page. */
function app(
  extra: Partial<SessionOptions> = {},
  fetchLike: FetchLike = fetch,
): { authFetch: typeof fetch; store: Store; session: RefreshSession } {
  const store = { token: server.access, refresh: server.refresh };
  const session = sessionOf(store, { accessToken: bearer(() => store.token), expiresAt: jwtExpiry(() => store.token), credentialOrigins: [server.url], ...extra });
  return { authFetch: createRefreshFetch(fetchLike, { session }), store, session };
}

const at = (path: string): string => `${server.url}${path}`;
const seenAt = (path: string): SeenRequest[] => server.seen.filter((r) => r.path === path);

/**
 * A `fetch` that answers 200 itself and records the Authorization each attempt would carry,
 * for URLs no test server can stand at.
 */
function recorder(): { fetchLike: FetchLike; authorizations: Array<string | null> } {
  const authorizations: Array<string | null> = [];
  const fetchLike: FetchLike = (input, init) => {
    // As fetch reads them: the init's headers replace the Request's.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    authorizations.push(headers.get('Authorization'));
    return Promise.resolve(new Response(null, { status: 200 }));
  };
  return { fetchLike, authorizations };
}

describe('createRefreshFetch with accessToken: the header on each attempt', () => {
  it('sends Authorization: Bearer with the old token, then with the refreshed one on the retry', async () => {
    const { authFetch, store } = app();
    server.expireAccess();

    const response = await authFetch(at('/api/tasks'));

    expect(response.status).toBe(200);
    expect(seenAt('/api/tasks').map((r) => [r.status, r.token])).toEqual([
      [401, 'access-0'],
      [200, 'access-1'],
    ]);
    expect(store.token).toBe('access-1');
    expect(server.refreshCalls()).toBe(1);
  });

  it('sends the header in the Bearer scheme, reading the token as each call goes out', async () => {
    const store = { token: 'first', refresh: server.refresh };
    const { fetchLike, authorizations } = recorder();
    const authFetch = createRefreshFetch(fetchLike, {
      session: sessionOf(store, { accessToken: bearer(() => store.token), expiresAt: jwtExpiry(() => store.token), credentialOrigins: [server.url] }),
    });

    await authFetch(at('/api/a'));
    store.token = 'second';
    await authFetch(new Request(at('/api/b')));
    await authFetch(new URL(at('/api/c')), { headers: { 'x-other': '1' } });

    expect(authorizations).toEqual(['Bearer first', 'Bearer second', 'Bearer second']);
  });

  it.each<[string, (url: string) => [RequestInfo | URL, RequestInit?]]>([
    ['in its init', (url) => [url, { headers: { Authorization: 'Bearer chosen-by-the-call' } }]],
    ['on its Request', (url) => [new Request(url, { headers: { Authorization: 'Bearer chosen-by-the-call' } })]],
  ])(
    'keeps an Authorization the call sets %s, and returns its 401 as it is: no refresh, no cooldown, the session\'s calls go on',
    async (_where, call) => {
      const { authFetch, session } = app();
      server.expireAccess();

      const response = await authFetch(...call(at('/api/own')));

      expect(response.status).toBe(401);
      expect(seenAt('/api/own').map((r) => [r.status, r.token])).toEqual([[401, 'chosen-by-the-call']]);
      expect(server.refreshCalls()).toBe(0);
      // The session's own expired token is still refreshed at its first 401.
      expect((await authFetch(at('/api/next'))).status).toBe(200);
      expect(server.refreshCalls()).toBe(1);
      expect(session.state).toBe('live');
    },
  );

  it.each<[string, (url: string) => [RequestInfo | URL, RequestInit?]]>([
    ['in its init', (url) => [url, { headers: { Authorization: 'Basic YWRhOnB3' } }]],
    ['on its Request', (url) => [new Request(url, { headers: { Authorization: 'Basic YWRhOnB3' } })]],
  ])(
    'sends a call with an Authorization of its own set %s while a refresh is out, without waiting for it, and gives it its own answer when that refresh fails',
    async (_where, call) => {
      const { authFetch, session } = app();
      server.expireAccess();
      server.refreshMode = 'error';
      const refresh = server.hold('/refresh');
      const trigger = rejection(authFetch(at('/api/trigger')));
      await server.arrived('/refresh', 1);

      const own = await authFetch(...call(at('/api/own')));
      const seenWhileRefreshing = seenAt('/api/own').map((r) => r.headers.authorization);
      refresh.open();

      expect(own.status).toBe(401);
      expect(seenWhileRefreshing).toEqual(['Basic YWRhOnB3']);
      expect((await trigger).code).toBe('ERR_REFRESH_FAILED');
      expect(seenAt('/api/own')).toHaveLength(1);
      expect(server.refreshCalls()).toBe(1);
      expect(session.state).toBe('cooling-down');
    },
  );

  it.each<[string, (url: string) => [RequestInfo | URL, RequestInit?]]>([
    ['in its init', (url) => [url, { headers: { Authorization: 'Bearer access-0' } }]],
    ['on its Request', (url) => [new Request(url, { headers: { Authorization: 'Bearer access-0' } })]],
  ])(
    'renews the session\'s own current token that the call set %s, as a hook run once per call does: the retry carries the new one',
    async (_where, call) => {
      // The first call of the session: it has attached no token yet, so only the value tells.
      const { authFetch } = app();
      server.expireAccess();

      const response = await authFetch(...call(at('/api/hooked')));

      expect(response.status).toBe(200);
      expect(seenAt('/api/hooked').map((r) => [r.status, r.token])).toEqual([
        [401, 'access-0'],
        [200, 'access-1'],
      ]);
      expect(server.refreshCalls()).toBe(1);
    },
  );

  it('replaces a token the session attached earlier when a later Request carries it, so the stale token is not sent', async () => {
    const { authFetch } = app();
    await authFetch(at('/api/before'));
    server.expireAccess();
    await authFetch(at('/api/expired'));
    expect(server.refreshCalls()).toBe(1);

    const response = await authFetch(new Request(at('/api/stale'), { headers: { Authorization: 'Bearer access-0' } }));

    expect(response.status).toBe(200);
    expect(seenAt('/api/stale').map((r) => [r.status, r.token])).toEqual([[200, 'access-1']]);
    expect(server.refreshCalls()).toBe(1);
  });

  it('calls fetchLike for every attempt, so a fetch that adds the token itself sends the refreshed one on the retry', async () => {
    const store = { token: server.access, refresh: server.refresh };
    const tokens: string[] = [];
    const addsToken: FetchLike = (input, init) => {
      tokens.push(store.token);
      const headers = new Headers(init?.headers);
      headers.set('Authorization', `Bearer ${store.token}`);
      return fetch(input, { ...init, headers });
    };
    const authFetch = createRefreshFetch(addsToken, { session: sessionOf(store) });
    server.expireAccess();

    const response = await authFetch(at('/api/tasks'), { method: 'POST', body: 'task' });

    expect(response.status).toBe(200);
    expect(tokens).toEqual(['access-0', 'access-1']);
    expect(seenAt('/api/tasks').map((r) => [r.status, r.token, r.body])).toEqual([
      [401, 'access-0', 'task'],
      [200, 'access-1', 'task'],
    ]);
    expect(server.refreshCalls()).toBe(1);
  });
});

describe('createRefreshFetch with accessToken: which URLs get the token', () => {
  it('sends no token in Node without credentialOrigins, since there is no page origin; the 401 is not the session\'s and is returned as it is', async () => {
    const { authFetch } = app({ credentialOrigins: undefined });

    const response = await authFetch(at('/api/tasks'));

    expect(response.status).toBe(401);
    expect(seenAt('/api/tasks').map((r) => [r.status, r.token])).toEqual([[401, undefined]]);
    expect(server.refreshCalls()).toBe(0);
  });

  it('sends no token to another port on either attempt, and clears one it attached when the call carries it there', async () => {
    const { authFetch } = app();
    await authFetch(at('/api/before'));

    const response = await authFetch(`${other.url}/api/tasks`);
    await authFetch(new Request(`${other.url}/api/tasks`, { headers: { Authorization: 'Bearer access-0' } }));

    expect(response.status).toBe(401);
    // That origin never received the session's token: its 401s are its own, not refreshed.
    expect(other.authorizations).toEqual([undefined, undefined]);
    expect(server.refreshCalls()).toBe(0);
  });

  it.each<[string, (url: URL) => string]>([
    ['its own origin', (url) => `${url.origin}/api/tasks`],
    ['its own origin spelled in capitals', (url) => `HTTP://${url.host}/api/tasks`],
  ])('sends the token to %s', async (_what, address) => {
    const store = { token: 'the-token', refresh: server.refresh };
    const { fetchLike, authorizations } = recorder();
    const session = sessionOf(store, { accessToken: bearer(() => store.token), expiresAt: jwtExpiry(() => store.token), credentialOrigins: [server.url] });

    await createRefreshFetch(fetchLike, { session })(address(new URL(server.url)));

    expect(authorizations).toEqual(['Bearer the-token']);
  });

  it.each<[string, (url: URL) => string]>([
    ['another host name for the same server', (url) => `http://localhost:${url.port}/api/tasks`],
    ['another scheme', (url) => `https://${url.host}/api/tasks`],
    ['another port', (url) => `http://${url.hostname}:${Number(url.port) + 1}/api/tasks`],
    ['a URL naming the listed origin as user info before another host', (url) => `${url.origin}@evil.example/api/tasks`],
    ['a URL whose port continues into another host name', (url) => `${url.origin}.evil.example/api/tasks`],
    ['a URL with user info before another host', () => 'http://user@evil.example/api/tasks'],
    ['another host behind a leading space', () => ' http://evil.example/api/tasks'],
    ['another host behind backslashes', () => 'http:\\\\evil.example/api/tasks'],
    ['another host behind a tab in the scheme', () => 'ht\ttp://evil.example/api/tasks'],
    ['another host with no slashes after the scheme', () => 'http:evil.example/api/tasks'],
    ['another host behind a slash and a backslash', () => '/\\evil.example/api/tasks'],
  ])('refuses the token to %s', async (_what, address) => {
    const store = { token: 'the-token', refresh: server.refresh };
    const { fetchLike, authorizations } = recorder();
    const session = sessionOf(store, { accessToken: bearer(() => store.token), expiresAt: jwtExpiry(() => store.token), credentialOrigins: [server.url] });

    await createRefreshFetch(fetchLike, { session })(address(new URL(server.url)));

    expect(authorizations).toEqual([null]);
  });

  it('rejects a URL with user info as fetch does, with a TypeError, having sent nothing', async () => {
    const { authFetch } = app();
    const url = new URL(server.url);

    const error = await rejection(authFetch(`http://user@${url.host}/api/tasks`));

    expect(error).toBeInstanceOf(TypeError);
    expect(server.seen).toEqual([]);
    expect(server.refreshCalls()).toBe(0);
  });
});

describe('createRefreshFetch: options', () => {
  const session = (): RefreshSession => createRefreshSession({ refresh: () => undefined });

  it.each<[string, () => unknown, RegExp]>([
    ['fetchLike that is not a function', () => createRefreshFetch('fetch' as unknown as FetchLike, { session: session() }), /`fetchLike`/],
    ['no options', () => createRefreshFetch(fetch, undefined as unknown as RefreshFetchOptions), /`options`/],
    ['no session', () => createRefreshFetch(fetch, {} as RefreshFetchOptions), /`session`/],
    [
      'a session that is not one',
      () => createRefreshFetch(fetch, { session: { refresh: () => undefined } as unknown as RefreshSession }),
      /`session`/,
    ],
    [
      'shouldRefresh that is not a function',
      () => createRefreshFetch(fetch, { session: session(), shouldRefresh: 401 as unknown as RefreshFetchOptions['shouldRefresh'] }),
      /`shouldRefresh`/,
    ],
  ])('throws a TypeError naming what is wrong for %s', (_what, make, name) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(name);
  });

  it('takes shouldRefresh undefined as the default', async () => {
    const { session } = app();
    const authFetch = createRefreshFetch(fetch, { session, shouldRefresh: undefined });
    server.expireAccess();

    expect((await authFetch(at('/api/tasks'))).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
  });

  it('refreshes on what a custom shouldRefresh matches (419) and sends the call again', async () => {
    // Some frameworks answer expired credentials with 419; this server says 401.
    const says419: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      return response.status === 401 ? new Response(response.body, { status: 419, headers: response.headers }) : response;
    };
    const { session } = app();
    const authFetch = createRefreshFetch(says419, { session, shouldRefresh: (response) => response.status === 419 });
    server.expireAccess();

    const response = await authFetch(at('/api/tasks'));

    expect(response.status).toBe(200);
    expect(seenAt('/api/tasks').map((r) => [r.status, r.token])).toEqual([
      [401, 'access-0'],
      [200, 'access-1'],
    ]);
    expect(server.refreshCalls()).toBe(1);
  });

  it('returns a 401 untouched, body and all, when shouldRefresh matches only 419', async () => {
    const { session } = app();
    const authFetch = createRefreshFetch(fetch, { session, shouldRefresh: (response) => response.status === 419 });
    server.expireAccess();

    const response = await authFetch(at('/api/tasks'));

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ path: '/api/tasks', token: 'access-0' });
    expect(seenAt('/api/tasks')).toHaveLength(1);
    expect(server.refreshCalls()).toBe(0);
  });
});
