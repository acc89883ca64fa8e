import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError } from '../../src/index.js';
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
  it('keeps the interceptor attached next from refreshing until that call settles: never two out at once, no refresh token presented twice', async () => {
    const app = hotModule();
    const before = app.attach();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const first = outcome(app.api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);

    before.eject();
    app.attach();
    const second = outcome(app.api.get('/api/second'));
    await until(() => server.arrived('/api/second') === 1);
    await turns(20);
    expect(server.arrived('/refresh')).toBe(1);

    gate.open();
    // The ejected interceptor's request gets its own 401; the next one's refresh waits, then goes.
    expect(await first).toBe(401);
    expect(await second).toBe(200);
    expect(server.refreshStatuses()).toEqual([200, 200]);
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
    // The next interceptor's call went out once the ejected one settled, with the token it got.
    await until(() => server.refreshCalls() === 2);
    expect(await outcome(app.api.get('/api/fourth'))).toBe(200);
    expect(server.refreshStatuses()).toEqual([200, 200]);
    expect(server.reused()).toBe(0);
    expect(app.expired()).toBe(0);
  });

  it('keeps the cooldown the ejected one was in: the next interceptor sends no refresh before the Retry-After the server gave', async () => {
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
      before.eject();
      const next = app.attach();
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
