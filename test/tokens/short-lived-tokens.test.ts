import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, getAccessToken, jwtExpiry } from '../../src/index.js';
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
});
