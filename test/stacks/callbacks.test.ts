import axios from 'axios';
import type { AxiosError, AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERR_SESSION_EXPIRED, createRefreshInterceptor, createRefreshSession, isSessionExpiredError } from '../../src/index.js';
import type { RefreshInterceptor } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerApp, bearerRefresh } from '../helpers/clients.js';
import { turns, until } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * On each instance, three GETs go out on the expired token and get 401; the refresh they start
 * is held on the server while three more GETs per instance are made (held by the library
 * before they are sent); then the server rejects the refresh.
 */
async function endedWhileWaiting(apis: AxiosInstance[]): Promise<{ sent: AxiosError[]; held: AxiosError[] }> {
  server.expireAccess();
  server.refreshMode = 'reject';
  const refreshGate = server.hold('/refresh');
  const sent = apis.flatMap((api, a) => range(3).map((i) => rejection(api.get(`/api/sent/${a}/${i}`))));
  await server.arrived('/refresh', 1);
  await server.arrived('/api/sent', sent.length);
  const held = apis.flatMap((api, a) => range(3).map((i) => rejection(api.get(`/api/held/${a}/${i}`))));
  await turns(20);
  expect(server.count('/api/held')).toBe(0);
  refreshGate.open();
  return { sent: await Promise.all(sent), held: await Promise.all(held) };
}

/** Every waiting request rejected with SessionExpiredError, and none held was ever sent. */
function expectAllEnded({ sent, held }: { sent: AxiosError[]; held: AxiosError[] }): void {
  for (const error of sent) {
    expect(isSessionExpiredError(error)).toBe(true);
    expect(error.code).toBe(ERR_SESSION_EXPIRED);
    // Its own 401, not the raw 401 error.
    expect(error.response?.status).toBe(401);
    expect((error.response?.data as { path?: string } | undefined)?.path).toBe(error.config?.url);
  }
  for (const error of held) {
    expect(isSessionExpiredError(error)).toBe(true);
    expect(error.code).toBe(ERR_SESSION_EXPIRED);
    expect(error.response?.config.url).toBe('/refresh');
  }
  expect(server.count('/api/sent', 401)).toBe(sent.length);
  expect(server.count('/api/sent')).toBe(sent.length);
  expect(server.count('/api/held')).toBe(0);
  expect(server.refreshCalls()).toBe(1);
}

describe('onSessionExpired runs once every waiting request has its outcome', () => {
  it('rejects sent and held requests with SessionExpiredError when onSessionExpired ejects the interceptor', async () => {
    const { api, store } = bearerApp(server);
    let calls = 0;
    let interceptor: RefreshInterceptor | undefined = undefined;
    interceptor = createRefreshInterceptor(api, {
      refresh: bearerRefresh(server, store),
      onSessionExpired: () => {
        calls += 1;
        interceptor?.eject();
      },
    });

    expectAllEnded(await endedWhileWaiting([api]));
    expect(calls).toBe(1);

    // Ejected: the instance is plain axios again, a 401 reaches the caller as it is.
    const later = await rejection(api.get('/api/later'));
    expect(isSessionExpiredError(later)).toBe(false);
    expect(later.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
  });

  it('rejects waiting requests with SessionExpiredError when onSessionExpired clears the token, and rejects a request it makes at once, the session staying ended', async () => {
    const { api, store } = bearerApp(server);
    const state = { loggedOut: false, calls: 0, after: undefined as Promise<AxiosError> | undefined };
    createRefreshInterceptor(api, {
      refresh: bearerRefresh(server, store),
      onSessionExpired: () => {
        state.calls += 1;
        if (state.after) return;
        store.token = '';
        state.loggedOut = true;
        state.after = rejection(api.get('/api/after'));
      },
    });

    expectAllEnded(await endedWhileWaiting([api]));
    expect(state.loggedOut).toBe(true);
    await until(() => state.after !== undefined);
    const after = await state.after!;

    // Sent after the end, on the cleared token: the session stays ended, so its 401 rejects at
    // once with SessionExpiredError, with no new refresh and no second onSessionExpired.
    expect(isSessionExpiredError(after)).toBe(true);
    expect(after.response?.status).toBe(401);
    expect((after.response?.data as { path?: string } | undefined)?.path).toBe('/api/after');
    expect(server.seen.filter((r) => r.path === '/api/after').map((r) => [r.status, r.token])).toEqual([[401, undefined]]);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.status)).toEqual([401]);
    expect(state.calls).toBe(1);
    expect(server.count('/api/held')).toBe(0);
  });

  describe.each([
    [
      'throws',
      (): never => {
        throw new Error('handler failed');
      },
    ],
    ['rejects', (): Promise<never> => Promise.reject(new Error('handler failed'))],
  ])('when onSessionExpired %s', (_, handler) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    beforeEach(() => {
      unhandled.length = 0;
      process.on('unhandledRejection', onUnhandled);
    });
    afterEach(() => {
      process.off('unhandledRejection', onUnhandled);
    });

    it('rejects every waiting request with SessionExpiredError all the same, with no unhandled rejection', async () => {
      const { api, store } = bearerApp(server);
      let calls = 0;
      createRefreshInterceptor(api, {
        refresh: bearerRefresh(server, store),
        onSessionExpired: () => {
          calls += 1;
          return handler();
        },
      });

      expectAllEnded(await endedWhileWaiting([api]));
      await turns(20);
      expect(calls).toBe(1);
      expect(unhandled).toEqual([]);
    });
  });

  it('rejects the waiting requests of both instances sharing a session when onSessionExpired ejects both', async () => {
    const store = { token: server.access };
    const apis = [0, 1].map(() => {
      const api = axios.create({ baseURL: server.url });
      api.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${store.token}`);
        return config;
      });
      return api;
    });
    let calls = 0;
    const interceptors: RefreshInterceptor[] = [];
    const session = createRefreshSession({
      refresh: bearerRefresh(server, store),
      onSessionExpired: () => {
        calls += 1;
        for (const interceptor of interceptors) interceptor.eject();
      },
    });
    for (const api of apis) interceptors.push(createRefreshInterceptor(api, { session }));

    const ended = await endedWhileWaiting(apis);

    expectAllEnded(ended);
    expect(ended.sent).toHaveLength(6);
    expect(ended.held).toHaveLength(6);
    expect(calls).toBe(1);
    for (const [a, api] of apis.entries()) {
      const later = await rejection(api.get(`/api/later/${a}`));
      expect(isSessionExpiredError(later)).toBe(false);
      expect(later.response?.status).toBe(401);
    }
    expect(server.refreshCalls()).toBe(1);
  });
});
