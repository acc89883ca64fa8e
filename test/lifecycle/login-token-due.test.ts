/**
 * A log-in while a refresh is out, that refresh then rejected: its waiters go out with the log-in's
 * token (login-during-refresh.test.ts). When that token is already within the margin of its
 * expiry, they wait for one more refresh first, as any request does while a refresh is due.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expiry, getAccessToken } from '../../src/index.js';
import { until } from '../helpers/gate.js';
import { lifeApp } from './helpers/life-app.js';
import type { LifeApp } from './helpers/life-app.js';
import { startLifeServer } from './helpers/life-server.js';
import type { LifeServer } from './helpers/life-server.js';

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
});
afterEach(async () => {
  await server.close();
});

/** What a request's answer says it carried. */
type Seen = { status: number; token: string | undefined };

/** An app whose log-in gives a token that is due at once: it expires within the 5 s margin. */
function dueLoginApp(): { app: LifeApp; loggedIn: Set<string> } {
  const loggedIn = new Set<string>();
  const holder: { app?: LifeApp } = {};
  const app = lifeApp(server, {
    expiresAt: expiry(() => Date.now() + (loggedIn.has(holder.app?.tokens.access ?? '') ? 1_000 : 60_000), 5_000),
  });
  holder.app = app;
  return { app, loggedIn };
}

const sends = {
  axios: (app: LifeApp, path: string): Promise<Seen> =>
    app.api.get<{ token?: string }>(path).then((r) => ({ status: r.status, token: r.data.token })),
  fetch: async (app: LifeApp, path: string): Promise<Seen> => {
    const response = await app.authFetch(`${server.url}${path}`);
    return { status: response.status, token: ((await response.json()) as { token?: string }).token };
  },
};

describe.each(Object.entries(sends))('a log-in whose token is already due overtakes a rejected refresh (%s)', (_name, send) => {
  it('sends the requests that waited with the token of one more refresh, not the log-in\'s due one', async () => {
    const { app, loggedIn } = dueLoginApp();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const failed = send(app, '/api/failed');
    await until(() => server.arrived('/refresh') === 1);
    const held = send(app, '/api/held');

    await app.logIn();
    loggedIn.add(app.tokens.access);
    const logInToken = app.tokens.access;
    gate.open();

    const [first, second] = await Promise.all([failed, held]);
    // The first refresh presented a refresh token the log-in replaced; the second, ahead of the
    // log-in token's expiry, presented the log-in's.
    expect(server.refreshStatuses()).toEqual([401, 200]);
    expect(server.reused()).toBe(0);
    expect(first).toEqual({ status: 200, token: app.tokens.access });
    expect(second).toEqual({ status: 200, token: app.tokens.access });
    expect(app.tokens.access).not.toBe(logInToken);
    // The server saw each request once with the newest token, and the first once before with the expired one.
    expect(server.count('/api/held')).toBe(1);
    expect(server.count('/api/failed', 401)).toBe(1);
    expect(server.count('/api/failed', 200)).toBe(1);
    expect(app.expired()).toBe(0);
    expect(app.session.state).toBe('live');
  });
});

describe('getAccessToken during a refresh that a log-in whose token is already due overtakes', () => {
  it('resolves the token of one more refresh, not the log-in\'s due one', async () => {
    const { app, loggedIn } = dueLoginApp();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const failed = app.api.get('/api/failed');
    await until(() => server.arrived('/refresh') === 1);
    const token = getAccessToken(app.session);

    await app.logIn();
    loggedIn.add(app.tokens.access);
    const logInToken = app.tokens.access;
    gate.open();

    expect(await token).toBe(app.tokens.access);
    expect(app.tokens.access).not.toBe(logInToken);
    expect(server.refreshStatuses()).toEqual([401, 200]);
    expect((await failed).status).toBe(200);
    expect(app.expired()).toBe(0);
  });
});
