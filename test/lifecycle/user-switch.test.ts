/**
 * A session that ended, then a log-in on the same page, maybe by another user: a request sent
 * before the end was the dead session's. Its 401, coming back after the log-in, ends it as the
 * end did; it is never sent again with the log-in's credentials. One sent after the end (the
 * log-in page's own) is sent again with them, as before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSessionExpiredError } from '../../src/index.js';
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

/** What the call ended with: the status and the token the server saw, or the error's code. */
type Outcome = { status: number; token: string | undefined } | { code: unknown };

const sends = {
  axios: (app: LifeApp, path: string): Promise<Outcome> =>
    app.api.post<{ token?: string }>(path, { amount: 100 }).then(
      (r) => ({ status: r.status, token: r.data.token }),
      (error: unknown) => ({ code: isSessionExpiredError(error) ? error.code : String(error) }),
    ),
  fetch: (app: LifeApp, path: string): Promise<Outcome> =>
    app.authFetch(`${server.url}${path}`, { method: 'POST', body: '{"amount":100}' }).then(
      async (r) => ({ status: r.status, token: ((await r.json()) as { token?: string }).token }),
      (error: unknown) => ({ code: isSessionExpiredError(error) ? error.code : String(error) }),
    ),
};

const logIns = {
  'a skipAuthRefresh log-in': (app: LifeApp): Promise<void> => app.logIn(),
  'begin() after a log-in the library cannot see': async (app: LifeApp): Promise<void> => {
    const answer = await fetch(`${server.url}/login`, { method: 'POST' });
    Object.assign(app.tokens, await answer.json());
    app.session.begin();
  },
};

/** Ends the session, with the refresh calls that took. */
const ends = {
  // The access token expires and the refresh its next 401 starts is rejected.
  'a rejected refresh': async (app: LifeApp): Promise<number> => {
    server.expireAccess();
    server.revokeRefresh();
    await app.api.get('/api/other').catch(() => undefined);
    return 1;
  },
  // The app's log-out request revoked both tokens; the app tells the session.
  'a log-out and session.end()': (app: LifeApp): Promise<number> => {
    server.expireAccess();
    server.revokeRefresh();
    app.session.end();
    return Promise.resolve(0);
  },
};
const cases = Object.keys(ends).flatMap((end) => Object.keys(logIns).map((how) => [end, how] as [keyof typeof ends, keyof typeof logIns]));

describe.each(['axios', 'fetch'] as const)('a request in flight when the session ended (%s)', (transport) => {
  it.each(cases)('after %s, rejects with SessionExpiredError when its 401 comes back after %s, never sent with its token', async (end, how) => {
    const app = lifeApp(server);
    const before = app.tokens.access;
    const gate = server.hold('/api/transfer');
    const transfer = sends[transport](app, '/api/transfer');
    await until(() => server.arrived('/api/transfer') === 1);

    const refreshes = await ends[end](app);
    expect(app.session.state).toBe('ended');
    await logIns[how](app);
    expect(app.session.state).toBe('live');
    gate.open();

    expect(await transfer).toEqual({ code: 'ERR_SESSION_EXPIRED' });
    // Sent once, with the token of the session that ended; the log-in's never carried it.
    expect(server.arrived('/api/transfer')).toBe(1);
    expect(before).not.toBe(app.tokens.access);
    expect([app.expired(), server.refreshCalls(), app.session.state]).toEqual([1, refreshes, 'live']);
    await expect(sends[transport](app, '/api/after')).resolves.toEqual({ status: 200, token: app.tokens.access });
  });

  it('sends again with the log-in\'s token a request sent after the end, whose 401 comes back after the log-in', async () => {
    const app = lifeApp(server);
    await ends['a rejected refresh'](app);
    const gate = server.hold('/api/me');
    const me = sends[transport](app, '/api/me');
    await until(() => server.arrived('/api/me') === 1);

    await app.logIn();
    gate.open();

    expect(await me).toEqual({ status: 200, token: app.tokens.access });
    expect(server.arrived('/api/me')).toBe(2);
    expect([app.expired(), server.refreshCalls()]).toEqual([1, 1]);
  });
});

describe('session.end() on a session of one tab', () => {
  it('rejects the requests waiting for a refresh, aborts the call out, and reports the end once, by the app', async () => {
    const app = lifeApp(server);
    server.expireAccess();
    const gate = server.hold('/refresh');
    const waiting = Promise.all([sends.axios(app, '/api/a'), sends.fetch(app, '/api/b')]);
    await until(() => server.arrived('/refresh') === 1);

    app.session.end();

    expect(await waiting).toEqual([{ code: 'ERR_SESSION_EXPIRED' }, { code: 'ERR_SESSION_EXPIRED' }]);
    gate.open();
    expect(app.session.state).toBe('ended');
    expect(app.expired()).toBe(1);
    expect(app.events.filter((e) => e.type === 'session-ended')).toEqual([expect.objectContaining({ by: 'app' })]);
    // A 401 now rejects at once, with no refresh.
    await expect(sends.axios(app, '/api/c')).resolves.toEqual({ code: 'ERR_SESSION_EXPIRED' });
    expect(server.arrived('/refresh')).toBe(1);
    expect(server.arrived('/api/')).toBe(3);
  });
});
