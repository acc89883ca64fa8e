import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, getAccessToken, jwtExpiry, refreshOnWake } from '../../src/index.js';
import { FakePage } from './helpers/fake-page.js';
import type { RefreshSession } from '../../src/index.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';

let server: JwtServer;
beforeEach(async () => {
  server = await startJwtServer();
});
afterEach(async () => {
  await server.close();
});

function app() {
  const state = { tokens: server.logIn() } as { tokens: Tokens; session: RefreshSession; api: ReturnType<typeof axios.create> };
  state.api = axios.create({ baseURL: server.url });
  state.session = createRefreshInterceptor(state.api, {
    refresh: async ({ client }) => {
      state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh })).data;
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
  }).session;
  return state;
}

describe('tokens that live shorter than the margin (3 s against 5 s)', () => {
  it('requests: after one refresh the short token is used until its 401 (documented)', async () => {
    server.lifetime = 3_000;
    const state = app();
    server.logIn();
    state.tokens = server.issued; // a 3 s token from log-in
    for (let i = 0; i < 5; i += 1) await state.api.get('/tasks');
    expect(server.count('/refresh')).toBe(1);
  });

  it('getAccessToken, called by five sockets one after another, refreshes once, as requests do, not once per call', async () => {
    server.lifetime = 3_000;
    const state = app();
    server.logIn();
    state.tokens = server.issued;
    const tokens: Array<string | undefined> = [];
    for (let i = 0; i < 5; i += 1) tokens.push(await getAccessToken(state.session));
    expect(server.count('/refresh')).toBe(1);
  });

  it('getAccessToken with minValidity of a minute against 30 s tokens, five sockets one after another: one refresh, not one per call', async () => {
    server.lifetime = 30_000;
    const state = app();
    const tokens: Array<string | undefined> = [];
    for (let i = 0; i < 5; i += 1) tokens.push(await getAccessToken(state.session, { minValidity: 60_000 }));
    expect(server.count('/refresh')).toBe(1);
  });

  describe('once the short token has expired', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    });
    afterEach(() => {
      vi.unstubAllGlobals();
      vi.useRealTimers();
    });

    /** An app whose refresh handed over a 3 s token, now 3.5 s later. */
    async function expiredApp() {
      server.lifetime = 3_000;
      const state = app();
      server.logIn();
      state.tokens = server.issued;
      await state.api.get('/tasks');
      expect(server.count('/refresh')).toBe(1);
      vi.setSystemTime(Date.now() + 3_500);
      server.sleep(0);
      return state;
    }

    it('getAccessToken refreshes rather than give the dead token', async () => {
      const state = await expiredApp();
      const dead = state.tokens.access;
      const token = await getAccessToken(state.session);
      expect(token).not.toBe(dead);
      expect(server.count('/refresh')).toBe(2);
    });

    it('a request refreshes first, with no 401', async () => {
      const state = await expiredApp();
      await state.api.get('/tasks');
      expect(server.count('/refresh')).toBe(2);
      expect(server.count('/tasks', 401)).toBe(0);
    });

    it('refreshOnWake refreshes when the page is shown again', async () => {
      const page = new FakePage().install();
      const state = await expiredApp();
      const wake = refreshOnWake(state.session);
      try {
        page.show();
        await vi.waitFor(() => {
          expect(server.count('/refresh')).toBe(2);
        });
      } finally {
        wake.stop();
      }
    });
  });
});
