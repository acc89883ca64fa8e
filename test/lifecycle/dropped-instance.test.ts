import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, getAccessToken } from '../../src/index.js';
import type { RefreshSession } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';

// A collection on demand, as the leak scripts have with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let auth: JwtServer;
beforeEach(async () => {
  auth = await startJwtServer();
});
afterEach(async () => {
  await auth.close();
});

interface App {
  session: RefreshSession;
  tokens: Tokens;
  /** The instance the session was attached to, which the app no longer holds. */
  instance: WeakRef<object>;
}

/** An app that keeps only the session of an instance made in passing (`createRefreshInterceptor(axios.create(...))`). */
function sessionOnly(): App {
  const app = { tokens: auth.logIn() } as App;
  const api = axios.create({ baseURL: auth.url });
  app.session = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      app.tokens = (await client.post<Tokens>('/refresh', { refresh: app.tokens.refresh })).data;
    },
    accessToken: bearer(() => app.tokens.access),
    // `fetch` calls carry the token to the API too.
    credentialOrigins: [auth.url],
  }).session;
  app.instance = new WeakRef(api);
  return app;
}

/** Collects until the instance is gone: V8 keeps a WeakRef's target until a macrotask turn. */
async function dropped(app: App): Promise<void> {
  for (let turn = 0; turn < 20 && app.instance.deref(); turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  expect(app.instance.deref()).toBeUndefined();
}

describe('a session whose instance was dropped', () => {
  it("refreshes for getAccessToken with that instance's client (its baseURL), once", async () => {
    const app = sessionOnly();
    const first = app.tokens.access;
    await dropped(app);

    auth.revoke();
    const token = await getAccessToken(app.session, { refused: first });

    expect(token).toBe(auth.issued.access);
    expect(token).not.toBe(first);
    expect(auth.count('/refresh', 200)).toBe(1);
    expect(app.session.state).toBe('live');
  });

  it("refreshes for a fetch call with that instance's client, then sends the call again with the new token", async () => {
    const app = sessionOnly();
    const first = app.tokens.access;
    const authFetch = createRefreshFetch(fetch, { session: app.session });
    await dropped(app);

    auth.revoke();
    const response = await authFetch(`${auth.url}/api/items`);

    expect(response.status).toBe(200);
    expect(auth.count('/refresh', 200)).toBe(1);
    expect(auth.authorizations('/api/items')).toEqual([`Bearer ${first}`, `Bearer ${app.tokens.access}`]);
  });
});
