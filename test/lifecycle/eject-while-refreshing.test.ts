import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, expiry, isRefreshFailedError } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import { rejection } from '../helpers/rejection.js';
import type { RefreshInterceptor } from '../../src/index.js';
import { turns, until } from '../helpers/gate.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
});
afterEach(async () => {
  await server.close();
});

const outcome = (request: Promise<{ status: number }>): Promise<number | string> =>
  request.then(
    (response) => response.status,
    (error: unknown) => {
      const { response, code } = error as { response?: { status: number }; code?: string };
      return response?.status ?? code ?? 'error';
    },
  );

const refreshFailed = async (request: Promise<unknown>): Promise<boolean> => isRefreshFailedError(await rejection(request));

/** The README's hot reload: setup code that ejects on dispose and attaches anew as the module runs again. */
function hotModule(refreshTimeout?: number) {
  const api = axios.create({ baseURL: server.url });
  const tokens = { access: server.access, refresh: server.refresh };
  let expired = 0;
  const attach = (): RefreshInterceptor =>
    createRefreshInterceptor(api, {
      // The quick start's refresh without `signal`: its call goes on after an eject.
      refresh: async ({ client }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access),
      credentialOrigins: [server.url],
      onSessionExpired: () => {
        expired += 1;
      },
      ...(refreshTimeout === undefined ? {} : { refreshTimeout }),
    });
  return { api, attach, expired: () => expired };
}

describe('an interceptor ejected while its refresh is out', () => {
  it.each([
    ['before the next is attached, with no app response interceptor', 'before', false, 401],
    ['after the next is attached, with no app response interceptor', 'after', false, 401],
    // An app interceptor stands between: the next one judges that 401 as the 401 it is, and refreshes for it.
    ['after the next is attached, with an app response interceptor', 'after', true, 200],
  ] as const)('keeps the interceptor attached next from refreshing until that call settles, ejected %s: never two out at once, no refresh token presented twice', async (_name, when, appInterceptor, firstStatus) => {
    const app = hotModule();
    if (appInterceptor) app.api.interceptors.response.use((response) => response);
    const before = app.attach();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = outcome(app.api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);

    if (when === 'before') before.eject();
    app.attach();
    if (when === 'after') before.eject();
    const second = outcome(app.api.get('/api/second'));
    await until(() => server.arrived('/api/second') === 1);
    await turns(20);
    expect(server.arrived('/refresh')).toBe(1);

    gate.open();
    // The request the ejected interceptor was refreshing for gets its own 401; the next one's
    // refresh waited for that call, which succeeded: it has nothing left to do, and its request
    // goes out again at once.
    expect(await first).toBe(firstStatus);
    expect(await second).toBe(200);
    expect(server.refreshStatuses()).toEqual([200]);
    expect(server.reused()).toBe(0);
    expect(app.expired()).toBe(0);
  });

  it('waits for that call however late, past refreshTimeout, as its own session waits for a late call: its requests fail, no second call goes out', async () => {
    const app = hotModule(300);
    const before = app.attach();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = outcome(app.api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);

    before.eject();
    app.attach();
    expect(await first).toBe(401);
    // Each gives up at the next interceptor's refreshTimeout; by the second, the ejected call is
    // out for twice as long, and still the only one.
    expect(await refreshFailed(app.api.get('/api/second'))).toBe(true);
    expect(await refreshFailed(app.api.get('/api/third'))).toBe(true);
    expect(server.arrived('/refresh')).toBe(1);

    gate.open();
    // The ejected one's call succeeded, however late: the next interceptor's call waiting behind
    // it has nothing left to do, as after a late call of its own.
    await until(() => server.refreshCalls() === 1);
    expect(await outcome(app.api.get('/api/fourth'))).toBe(200);
    expect(server.refreshStatuses()).toEqual([200]);
    expect(server.reused()).toBe(0);
    expect(app.expired()).toBe(0);
  });

  it.each(['before', 'after', 'never after'])('keeps the cooldown the earlier one was in, ejected %s the next is attached: the next sends no refresh before the Retry-After the server gave', async (when) => {
    const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
    // Only `Date` is faked: sockets and timers stay real, and the cooldown is read from the clock.
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    try {
      const app = hotModule();
      const before = app.attach();
      server.expireAccess();
      server.reply = { status: 429, headers: { 'retry-after': '10' } };
      expect(await refreshFailed(app.api.get('/api/first'))).toBe(true);

      vi.setSystemTime(T0 + 200);
      if (when === 'before') before.eject();
      const next = app.attach();
      if (when === 'after') before.eject();
      server.reply = { status: 200 };
      expect(next.session.state).toBe('cooling-down');
      expect(await refreshFailed(app.api.get('/api/second'))).toBe(true);
      vi.setSystemTime(T0 + 9_999);
      expect(await refreshFailed(app.api.get('/api/third'))).toBe(true);
      expect(server.refreshCalls()).toBe(1);

      vi.setSystemTime(T0 + 10_000);
      expect(await outcome(app.api.get('/api/fourth'))).toBe(200);
      expect(server.refreshStatuses()).toEqual([429, 200]);
      expect(app.expired()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a newer interceptor for the same purpose ejected while its refresh is out', () => {
  it('has the old one, in force again when the new one is ejected, wait for the call the new one has out', async () => {
    const app = hotModule();
    app.attach();
    const newer = app.attach();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = outcome(app.api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);

    newer.eject();
    const second = outcome(app.api.get('/api/second'));
    await turns(20);
    expect(server.arrived('/refresh')).toBe(1);

    gate.open();
    expect(await second).toBe(200);
    await first;
    expect(server.reused()).toBe(0);
    expect(server.refreshStatuses()).toEqual([200]);
    expect(app.expired()).toBe(0);
  });
});

describe('an interceptor ejected while its refresh is out, whose own session other instances and fetch share', () => {
  it('lets no other refresh start beside the abandoned call: the requests of the others are held until it settles, then sent with the token it stored', async () => {
    const tokens = { access: server.access, refresh: server.refresh };
    const api = axios.create({ baseURL: server.url });
    let expired = 0;
    const owner = createRefreshInterceptor(api, {
      // Without `signal`: the call goes on after the eject.
      refresh: async ({ client }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access),
      credentialOrigins: [server.url],
      onSessionExpired: () => {
        expired += 1;
      },
    });
    const uploads = axios.create({ baseURL: server.url });
    createRefreshInterceptor(uploads, { session: owner.session });
    const authFetch = createRefreshFetch(fetch, { session: owner.session });
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = outcome(api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);

    owner.eject();
    expect(owner.session.refreshing).toBe(true);
    const upload = outcome(uploads.get('/api/upload'));
    const fetched = authFetch(`${server.url}/api/fetched`).then((response) => response.status);
    await turns(20);
    expect(server.arrived('/refresh')).toBe(1);
    expect(server.arrived('/api/upload') + server.arrived('/api/fetched')).toBe(0);

    gate.open();
    expect(await first).toBe(401);
    expect(await upload).toBe(200);
    expect(await fetched).toBe(200);
    expect(server.refreshStatuses()).toEqual([200]);
    expect(server.count('/api/upload', 401) + server.count('/api/fetched', 401)).toBe(0);
    expect(server.reused()).toBe(0);
    expect(expired).toBe(0);
  });

  it('after the abandoned call settled, refreshes once for the others on their next 401', async () => {
    const tokens = { access: server.access, refresh: server.refresh };
    const api = axios.create({ baseURL: server.url });
    const owner = createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access),
      credentialOrigins: [server.url],
    });
    const uploads = axios.create({ baseURL: server.url });
    createRefreshInterceptor(uploads, { session: owner.session });
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = outcome(api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);
    owner.eject();
    gate.open();
    expect(await first).toBe(401);
    await until(() => !owner.session.refreshing);

    server.expireAccess();
    const burst = await Promise.all([1, 2, 3].map((n) => outcome(uploads.get(`/api/burst-${n}`))));
    expect(burst).toEqual([200, 200, 200]);
    expect(server.refreshStatuses()).toEqual([200, 200]);
    expect(server.reused()).toBe(0);
  });

  it('keeps telling the others of their refreshes: one that writes its default Authorization is retried with the new one', async () => {
    const tokens = { refresh: server.refresh };
    const api = axios.create({ baseURL: server.url });
    const uploads = axios.create({ baseURL: server.url });
    for (const instance of [api, uploads]) instance.defaults.headers.common.Authorization = `Bearer ${server.access}`;
    const owner = createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh: tokens.refresh });
        tokens.refresh = data.refresh;
        for (const instance of [api, uploads]) instance.defaults.headers.common.Authorization = `Bearer ${data.access}`;
      },
    });
    createRefreshInterceptor(uploads, { session: owner.session });
    owner.eject();

    server.expireAccess();
    expect(await outcome(uploads.get('/api/upload'))).toBe(200);
    expect(server.count('/api/upload')).toBe(2);
    expect(server.refreshStatuses()).toEqual([200]);
  });
});

describe('an interceptor with bearer tokens ejected while it holds requests for a refresh ahead of expiry', () => {
  it.each(['no', 'a'])('sends them as they are, with the token that still works, with %s new interceptor attached after', async (next) => {
    const tokens = { access: server.access, refresh: server.refresh };
    const api = axios.create({ baseURL: server.url });
    const options = () => ({
      refresh: async ({ client }: { client: typeof api }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access),
      // Within the margin: every request waits for a refresh first.
      expiresAt: expiry(() => Date.now() + 1_000, 5_000),
      credentialOrigins: [server.url],
    });
    const interceptor = createRefreshInterceptor(api, options());
    const gate = server.hold('/refresh');
    const held = [1, 2, 3].map((n) => outcome(api.get(`/api/held-${n}`)));
    await until(() => server.arrived('/refresh') === 1);
    await turns(10);
    expect(server.arrived('/api/held')).toBe(0);

    interceptor.eject();
    if (next === 'a') createRefreshInterceptor(api, options());
    expect(await Promise.all(held)).toEqual([200, 200, 200]);
    expect(server.count('/api/held', 200)).toBe(3);
    gate.open();
  });
});
