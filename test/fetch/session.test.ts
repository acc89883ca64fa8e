import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor, createRefreshSession, expiry as knownExpiry, isRefreshFailedError, isSessionExpiredError, observe } from '../../src/index.js';
import type { RefreshContext, RefreshSession, SessionEvent, SessionOptions } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import { createTabSession } from '../../src/tabs.js';
import type { TabSession } from '../../src/tabs.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerApp, bearerRefresh } from '../helpers/clients.js';
import { FakeChannels, FakeLocks } from '../helpers/fake-tabs.js';
import { turns, until } from '../helpers/gate.js';
import { passCooldown } from '../helpers/cooldown.js';

let server: AuthServer;
const sessions: TabSession[] = [];
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  await server.close();
});

/** A `fetch` that sends the token the app holds now, as an app that adds it in `fetchLike` does. */
function tokenFetch(store: { token: string }): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', `Bearer ${store.token}`);
    return fetch(input, { ...init, headers });
  };
}

/** An app with one axios instance and `fetch` on one session, both sending the token it holds in memory. */
function mixedApp(options: Partial<SessionOptions> = {}): {
  api: AxiosInstance;
  authFetch: typeof fetch;
  session: RefreshSession;
  store: { token: string };
  expired: () => number;
  contexts: RefreshContext[];
} {
  const { api, store } = bearerApp(server);
  const refresh = bearerRefresh(server, store);
  const contexts: RefreshContext[] = [];
  let expired = 0;
  const session = createRefreshSession({
    refresh: (context) => {
      contexts.push(context);
      return refresh(context);
    },
    onSessionExpired: () => {
      expired += 1;
    },
    ...options,
  });
  createRefreshInterceptor(api, { session });
  const authFetch = createRefreshFetch(tokenFetch(store), { session });
  return { api, authFetch, session, store, expired: () => expired, contexts };
}

const at = (path: string): string => `${server.url}${path}`;

/** Settles `promise` into what it resolved or rejected with, so a test can look at either. */
function outcome<T>(promise: Promise<T>): Promise<T | { rejected: unknown }> {
  return promise.catch((rejected: unknown) => ({ rejected }));
}

describe('createRefreshFetch: one session for axios and fetch', () => {
  it('makes one refresh for a storm of axios and fetch calls on an expired token, and every call succeeds', async () => {
    const { api, authFetch } = mixedApp();
    server.expireAccess();

    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => api.get(`/api/axios/${i}`).then((r) => r.status)),
      ...Array.from({ length: 10 }, (_, i) => authFetch(at(`/api/fetch/${i}`)).then((r) => r.status)),
    ]);

    expect(results).toEqual(Array.from({ length: 20 }, () => 200));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    expect(server.count('/api/fetch/', 200)).toBe(10);
    expect(server.seen.filter((r) => r.status === 200).every((r) => r.path === '/refresh' || r.token === server.access)).toBe(true);
  });

  it('holds axios and fetch calls made while a refresh started by fetch runs, and sends each once with the new token', async () => {
    const { api, authFetch, contexts } = mixedApp();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = authFetch(at('/api/first'));
    await server.arrived('/refresh', 1);

    const held = [authFetch(at('/held/fetch')), api.get('/held/axios')];
    await turns(10);
    expect(server.count('/held/')).toBe(0);
    refreshGate.open();

    expect((await first).status).toBe(200);
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect(server.seen.filter((r) => r.path.startsWith('/held/')).map((r) => [r.path, r.status, r.token])).toEqual(
      expect.arrayContaining([
        ['/held/fetch', 200, server.access],
        ['/held/axios', 200, server.access],
      ]),
    );
    expect(server.count('/held/')).toBe(2);
    // The refresh ran on the attached instance's client, found through its baseURL.
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.client.defaults.baseURL).toBe(server.url);
    expect(contexts[0]!.error?.response?.status).toBe(401);
    expect(contexts[0]!.error?.config?.url).toBe(at('/api/first'));
  });

  it('retries a fetch that got a 401 for a token renewed while it was out, without a second refresh', async () => {
    const { api, authFetch } = mixedApp();
    server.expireAccess();
    const slowGate = server.hold('/slow');
    const slow = authFetch(at('/slow'));
    await server.arrived('/slow', 1);

    expect((await api.get('/api/renews')).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
    slowGate.open();

    expect((await slow).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
    expect(server.seen.filter((r) => r.path === '/slow').map((r) => r.status)).toEqual([401, 200]);
  });

  it('retries once: a second 401 resolves as a Response, with one refresh', async () => {
    const { authFetch } = mixedApp();

    const response = await authFetch(at('/public/status/401'));

    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ path: '/public/status/401' });
    expect(server.count('/public/status/401')).toBe(2);
    expect(server.refreshCalls()).toBe(1);
  });

  it.each([200, 204, 302, 400, 403, 404, 409, 500, 503])('resolves a %i as the Response it is, with no refresh', async (status) => {
    const { authFetch } = mixedApp();

    const response = await authFetch(at(`/public/status/${status}`), { redirect: 'manual' });

    expect(response.status).toBe(status);
    if (status !== 204) expect(await response.json()).toMatchObject({ path: `/public/status/${status}` });
    expect(server.count('/public/status/')).toBe(1);
    expect(server.refreshCalls()).toBe(0);
  });

  it('refreshes on what shouldRefresh matches, and passes everything else through', async () => {
    const { api, store } = bearerApp(server);
    const session = createRefreshSession({ refresh: bearerRefresh(server, store) });
    createRefreshInterceptor(api, { session });
    const authFetch = createRefreshFetch(tokenFetch(store), { session, shouldRefresh: (r) => r.status === 419 });

    expect((await authFetch(at('/public/status/401'))).status).toBe(401);
    expect(server.refreshCalls()).toBe(0);
    expect((await authFetch(at('/public/status/419'))).status).toBe(419);
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/public/status/419')).toBe(2);
  });

  it('does not lose an axios call or a fetch call when they start the refresh together from either side', async () => {
    for (const fetchFirst of [true, false]) {
      const { api, authFetch } = mixedApp();
      server.expireAccess();
      const before = server.refreshCalls();
      const calls = fetchFirst
        ? [authFetch(at('/api/f')).then((r) => r.status), api.get('/api/a').then((r) => r.status)]
        : [api.get('/api/a').then((r) => r.status), authFetch(at('/api/f')).then((r) => r.status)];

      expect(await Promise.all(calls)).toEqual([200, 200]);
      expect(server.refreshCalls() - before).toBe(1);
    }
    expect(server.reusedRefreshTokens).toBe(0);
  });
});

describe('createRefreshFetch: wrapped again, as setup code that runs twice does', () => {
  it('wraps its own result on the same session as one layer: a 401 that persists costs one refresh and two attempts', async () => {
    const { authFetch, session } = mixedApp();
    // Hot reload running `window.fetch = createRefreshFetch(window.fetch, { session })` again.
    const again = createRefreshFetch(createRefreshFetch(authFetch, { session }), { session });

    const response = await again(at('/public/status/401'));

    expect(response.status).toBe(401);
    expect(server.count('/public/status/401')).toBe(2);
    expect(server.refreshCalls()).toBe(1);
  });

  it('takes the options of the newest wrapping, as attaching again does on the axios side', async () => {
    const { authFetch, session } = mixedApp();
    const again = createRefreshFetch(authFetch, { session, shouldRefresh: (r) => r.status === 419 });

    expect((await again(at('/public/status/401'))).status).toBe(401);
    expect(server.refreshCalls()).toBe(0);
    expect((await again(at('/public/status/419'))).status).toBe(419);
    expect(server.count('/public/status/419')).toBe(2);
    expect(server.refreshCalls()).toBe(1);
  });

  it('keeps a function made for another session as the fetch it wraps', async () => {
    const { authFetch } = mixedApp();
    const other = createRefreshSession({ refresh: () => {} });
    let refreshedOther = 0;
    observe(other, (event) => {
      if (event.type === 'refresh-started') refreshedOther += 1;
    });
    const layered = createRefreshFetch(authFetch, { session: other });
    server.expireAccess();

    expect((await layered(at('/api/layered'))).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
    expect(refreshedOther).toBe(0);
  });
});

describe('createRefreshFetch: aborting a call while it waits', () => {
  it('rejects at once with an AbortError when a call held behind a refresh is aborted, and never sends it', async () => {
    const { api, authFetch } = mixedApp();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = api.get('/api/first');
    await server.arrived('/refresh', 1);
    const controller = new AbortController();
    let settled = false;
    const held = outcome(authFetch(at('/held'), { signal: controller.signal })).finally(() => {
      settled = true;
    });
    await turns(5);
    expect(settled).toBe(false);

    controller.abort();
    const result = await held;

    expect(result).toMatchObject({ rejected: { name: 'AbortError' } });
    expect((result as { rejected: unknown }).rejected).toBeInstanceOf(DOMException);
    refreshGate.open();
    expect((await first).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/held')).toBe(0);
  });

  it('rejects with the reason the signal was aborted with, as fetch does', async () => {
    const { api, authFetch } = mixedApp();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const first = api.get('/api/first');
    await server.arrived('/refresh', 1);
    const controller = new AbortController();
    const reason = new Error('left the page');
    const held = outcome(authFetch(at('/held'), { signal: controller.signal }));
    await turns(2);

    controller.abort(reason);

    expect(await held).toEqual({ rejected: reason });
    refreshGate.open();
    await first;
  });

  it('rejects at once with an AbortError when a call that got a 401 is aborted while it waits for the refresh, which goes on', async () => {
    const { api, authFetch } = mixedApp();
    server.expireAccess();
    const refreshGate = server.hold('/refresh');
    const controller = new AbortController();
    const call = outcome(authFetch(at('/api/aborted'), { signal: controller.signal }));
    await server.arrived('/refresh', 1);

    controller.abort();
    const result = await call;

    expect(result).toMatchObject({ rejected: { name: 'AbortError' } });
    const waiting = api.get('/api/after');
    refreshGate.open();
    expect((await waiting).status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
    expect(server.seen.filter((r) => r.path === '/api/aborted').map((r) => r.status)).toEqual([401]);
  });
});

describe('createRefreshFetch: a failed refresh', () => {
  it('rejects fetch and axios calls with SessionExpiredError and calls onSessionExpired once when the refresh is refused', async () => {
    const { api, authFetch, expired } = mixedApp();
    server.expireAccess();
    server.refreshMode = 'reject';

    const results = await Promise.all([
      outcome(authFetch(at('/api/f1'))),
      outcome(api.get('/api/a')),
      outcome(authFetch(at('/api/f2'), { method: 'POST', body: 'x' })),
    ]);

    const errors = results.map((r) => (r as { rejected: unknown }).rejected);
    expect(errors.every(isSessionExpiredError)).toBe(true);
    expect(expired()).toBe(1);
    expect(server.refreshCalls()).toBe(1);
    // Each transport rejects with its own error: an AxiosError for axios, a plain Error for fetch.
    expect(errors.map((e) => isAxiosError(e))).toEqual([false, true, false]);
    const fetchError = errors[0] as { request?: { url?: string; method?: string }; response?: { status?: number } };
    expect(fetchError.request?.url).toBe(at('/api/f1'));
    expect(fetchError.response?.status).toBe(401);
    expect((errors[2] as { request?: { method?: string } }).request?.method).toBe('post');
  });

  // As the README says: the outcomes are decided when it runs (callbacks.test.ts ejects there),
  // and the callers hear of them after it.
  it('calls onSessionExpired before the waiting calls\' catch handlers run, on fetch and on axios', async () => {
    const order: string[] = [];
    const { api, authFetch } = mixedApp({
      onSessionExpired: () => {
        order.push('onSessionExpired');
      },
    });
    server.expireAccess();
    server.refreshMode = 'reject';
    const calls = [authFetch(at('/api/f')), api.get('/api/a')].map((call, i) => {
      const name = ['fetch', 'axios'][i]!;
      return call.catch((error: unknown) => {
        order.push(`${name} caught ${isSessionExpiredError(error) ? 'SessionExpiredError' : String(error)}`);
      });
    });
    await Promise.all(calls);
    expect(order).toEqual(['onSessionExpired', 'fetch caught SessionExpiredError', 'axios caught SessionExpiredError']);
    expect(server.refreshCalls()).toBe(1);
  });

  it('rejects with RefreshFailedError, keeping the session, when the refresh fails for another reason', async () => {
    const { authFetch, expired } = mixedApp();
    server.expireAccess();
    server.refreshMode = 'error';

    const error = (await outcome(authFetch(at('/api/x')))) as { rejected: unknown };

    expect(isRefreshFailedError(error.rejected)).toBe(true);
    expect(isSessionExpiredError(error.rejected)).toBe(false);
    expect(expired()).toBe(0);
    server.refreshMode = 'rotate';
    const cooling = (await outcome(authFetch(at('/api/again')))) as { rejected: unknown };
    expect(isRefreshFailedError(cooling.rejected)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    passCooldown(cooling.rejected);
    expect((await authFetch(at('/api/again'))).status).toBe(200);
    expect(server.refreshCalls()).toBe(2);
  });
});

describe('createRefreshFetch: a refresh that calls the wrapped fetch', () => {
  it('sends the refresh call straight out, after an await too: the refresh succeeds and the call is retried', async () => {
    let authFetch: typeof fetch = fetch;
    const session = createRefreshSession({
      refresh: async () => {
        await Promise.resolve();
        const answer = await authFetch(at('/refresh'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh: server.refresh }) });
        if (!answer.ok) throw new Error(`refresh answered ${answer.status}`);
      },
      refreshTimeout: 1_000,
    });
    authFetch = createRefreshFetch(fetch, { session });
    server.expireAccess();

    const response = await authFetch(at('/api/x'));

    expect(response.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api/x')).toBe(2);
  });

  it('ends a dead session at once when the refresh call goes through the wrapped fetch and is refused', async () => {
    let authFetch: typeof fetch = fetch;
    let expired = 0;
    const session = createRefreshSession({
      refresh: () => authFetch(at('/refresh'), { method: 'POST' }),
      onSessionExpired: () => {
        expired += 1;
      },
    });
    authFetch = createRefreshFetch(fetch, { session });
    server.expireAccess();
    server.refreshMode = 'reject';

    const result = (await outcome(authFetch(at('/api/x')))) as { rejected: unknown };

    expect(isSessionExpiredError(result.rejected)).toBe(true);
    expect(server.refreshCalls()).toBe(1);
    await turns(5);
    expect(expired).toBe(1);
  });
});

describe('createRefreshFetch: refresh ahead of expiry', () => {
  it('refreshes before sending a fetch call once the token is within the margin, and the call sees no 401', async () => {
    let expiry = Date.now() + 60_000;
    const { authFetch } = mixedApp({ expiresAt: knownExpiry(() => expiry, 5_000) });
    expect((await authFetch(at('/api/early'))).status).toBe(200);
    expect(server.refreshCalls()).toBe(0);

    expiry = Date.now() + 4_000;
    const after = authFetch(at('/api/late'));
    await server.arrived('/refresh', 1);
    expiry = Date.now() + 60_000;

    expect((await after).status).toBe(200);
    expect(server.seen.map((r) => [r.path, r.status])).toEqual([
      ['/api/early', 200],
      ['/refresh', 200],
      ['/api/late', 200],
    ]);
    expect(server.seen.at(-1)!.token).toBe(server.access);
  });
});

describe('createRefreshFetch: the client refresh gets', () => {
  it('gives refresh the client of the axios instance attached last when fetch starts the refresh', async () => {
    const store = { token: server.access };
    const clients: AxiosInstance[] = [];
    const session = createRefreshSession({
      refresh: async (context) => {
        clients.push(context.client);
        await bearerRefresh(server, store)(context);
      },
    });
    const elsewhere = axios.create({ baseURL: 'http://127.0.0.1:9/never' });
    createRefreshInterceptor(elsewhere, { session });
    const api = axios.create({ baseURL: server.url });
    createRefreshInterceptor(api, { session });
    const authFetch = createRefreshFetch(tokenFetch(store), { session });
    server.expireAccess();

    expect((await authFetch(at('/api/x'))).status).toBe(200);
    expect(clients.map((c) => c.defaults.baseURL)).toEqual([server.url]);
  });

  it('gives refresh a plain axios client that rejects non-2xx answers when no axios instance is attached', async () => {
    const store = { token: server.access };
    const clients: AxiosInstance[] = [];
    let expired = 0;
    const session = createRefreshSession({
      refresh: async ({ client }) => {
        clients.push(client);
        const { data } = await client.post<{ access: string }>(at('/refresh'), { refresh: server.refresh });
        store.token = data.access;
      },
      onSessionExpired: () => {
        expired += 1;
      },
    });
    const authFetch = createRefreshFetch(tokenFetch(store), { session });
    server.expireAccess();

    expect((await authFetch(at('/api/x'))).status).toBe(200);
    expect(clients).toHaveLength(1);
    expect(clients[0]!.defaults.baseURL).toBeUndefined();
    expect(clients[0]!.interceptors.response).toBeDefined();

    server.expireAccess();
    server.refreshMode = 'reject';
    const error = (await outcome(authFetch(at('/api/y')))) as { rejected: unknown };
    expect(isSessionExpiredError(error.rejected)).toBe(true);
    expect(expired).toBe(1);
  });
});

describe('createRefreshFetch: events', () => {
  it('tells observers about a refresh fetch started, naming the fetch call', async () => {
    const { authFetch, session } = mixedApp();
    const events: SessionEvent[] = [];
    observe(session, (event) => {
      events.push(event);
    });
    server.expireAccess();

    await authFetch(at('/api/observed?page=2'), { method: 'PUT', body: 'x' });

    expect(events.map((e) => e.type)).toEqual(['refresh-started', 'refresh-succeeded']);
    expect(events[0]).toMatchObject({
      type: 'refresh-started',
      reason: 'unauthorized',
      request: { method: 'put', url: at('/api/observed'), status: 401 },
    });
  });
});

describe('createRefreshFetch: tabs', () => {
  it('makes one refresh across a tab calling axios and a tab calling only fetch, sharing one cookie jar', async () => {
    const jar = new Map([
      ['access_token', server.access],
      ['refresh_token', server.refresh],
    ]);
    const keep = (cookies: string[]): void => {
      for (const cookie of cookies) {
        const [pair = ''] = cookie.split(';');
        const at = pair.indexOf('=');
        jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
    };
    /** Node has no cookie jar: this `fetch` keeps one, as the browser does for every tab. */
    const jarFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('Cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(input, { ...init, headers });
      keep(response.headers.getSetCookie());
      return response;
    };
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const axiosTab = createTabSession({
      refresh: ({ client }) => client.post('/refresh'),
      locks,
      channel: channels.channel,
    });
    const fetchTab = createTabSession({
      refresh: async () => {
        const response = await jarFetch(at('/refresh'), { method: 'POST' });
        if (!response.ok) throw new Error(`refresh answered ${response.status}`);
      },
      locks,
      channel: channels.channel,
    });
    sessions.push(axiosTab, fetchTab);
    const transport = axios.getAdapter(axios.defaults.adapter);
    const api = axios.create({
      baseURL: server.url,
      adapter: async (config) => {
        config.headers.set('Cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
        const response = await transport(config);
        keep(response.headers['set-cookie'] ?? []);
        return response;
      },
    });
    createRefreshInterceptor(api, { session: axiosTab });
    const authFetch = createRefreshFetch(jarFetch, { session: fetchTab });
    server.expireAccess();

    const statuses = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => api.get(`/api/a/${i}`).then((r) => r.status)),
      ...Array.from({ length: 5 }, (_, i) => authFetch(at(`/api/f/${i}`)).then((r) => r.status)),
    ]);

    expect(statuses).toEqual(Array.from({ length: 10 }, () => 200));
    expect(server.refreshCalls()).toBe(1);
    expect(server.reusedRefreshTokens).toBe(0);
    await until(() => !axiosTab.refreshing && !fetchTab.refreshing);
  });
});

describe('createRefreshFetch: bad input', () => {
  it.each([
    ['fetchLike', () => createRefreshFetch(undefined as unknown as typeof fetch, { session: createRefreshSession({ refresh: () => {} }) })],
    ['session', () => createRefreshFetch(fetch, { session: {} as RefreshSession })],
    ['options', () => createRefreshFetch(fetch, undefined as unknown as { session: RefreshSession })],
    [
      'shouldRefresh',
      () =>
        createRefreshFetch(fetch, {
          session: createRefreshSession({ refresh: () => {} }),
          shouldRefresh: 401 as unknown as (response: Response) => boolean,
        }),
    ],
  ])('throws a TypeError naming %s', (name, make) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(name);
  });
});
