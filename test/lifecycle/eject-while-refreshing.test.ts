import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor } from '../../src/index.js';
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

  it('waits for that call at most its refreshTimeout, then refreshes', async () => {
    const app = hotModule(300);
    const before = app.attach();
    server.expireAccess();
    server.hold('/refresh');
    const first = outcome(app.api.get('/api/first'));
    await until(() => server.arrived('/refresh') === 1);

    before.eject();
    app.attach();
    expect(await first).toBe(401);
    void outcome(app.api.get('/api/second'));
    await until(() => server.arrived('/api/second') === 1);
    await turns(20);
    expect(server.arrived('/refresh')).toBe(1);
    // A call that never settles holds the instance back no longer than its session's refreshTimeout.
    await until(() => server.arrived('/refresh') === 2, 100_000);
  });
});
