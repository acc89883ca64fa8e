/**
 * The fetch side, where a log-in goes through plain `fetch` and the library does not see it: a
 * log-in while a refresh is out, and that refresh then rejected, ends nothing. With bearer
 * tokens the session sees the new token; with credentials it cannot see, `session.begin()` says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { until } from '../helpers/gate.js';
import { startLifeServer } from '../lifecycle/helpers/life-server.js';
import type { LifeServer } from '../lifecycle/helpers/life-server.js';

let server: LifeServer;
beforeEach(async () => {
  server = await startLifeServer();
});
afterEach(async () => {
  await server.close();
});

type Tokens = { access: string; refresh: string };

/** An app whose tokens live in memory; `withBearer` says whether the session reads them. */
function fetchApp(withBearer: boolean) {
  const tokens: Tokens = { access: server.access, refresh: server.refresh };
  let expired = 0;
  const session = createRefreshSession({
    refresh: async () => {
      const response = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refresh: tokens.refresh }) });
      if (!response.ok) return response;
      Object.assign(tokens, (await response.json()) as Tokens);
      return undefined;
    },
    onSessionExpired: () => {
      expired += 1;
    },
    ...(withBearer ? { accessToken: bearer(() => tokens.access), credentialOrigins: [server.url] } : {}),
  });
  const sendWithToken: typeof fetch = (input, init) =>
    fetch(input, withBearer ? init : { ...init, headers: { Authorization: `Bearer ${tokens.access}` } });
  const authFetch = createRefreshFetch(sendWithToken, { session });
  const logIn = async (): Promise<void> => {
    const response = await fetch(`${server.url}/login`, { method: 'POST' });
    Object.assign(tokens, (await response.json()) as Tokens);
  };
  return { session, authFetch, logIn, expired: () => expired };
}

describe.each([
  ['bearer tokens the session reads', true],
  ['credentials it cannot see, with session.begin()', false],
])('a log-in through plain fetch while a refresh is out, %s', (_name, withBearer) => {
  it('ends nothing when that refresh is then rejected: the waiting call goes out with the log-in\'s token', async () => {
    const app = fetchApp(withBearer);
    server.expireAccess();
    const gate = server.hold('/refresh');
    const waiting = app.authFetch(`${server.url}/api/waiting`).then((response) => response.status);
    await until(() => server.arrived('/refresh') === 1);

    await app.logIn();
    if (!withBearer) app.session.begin();
    gate.open();

    expect(await waiting).toBe(200);
    // The log-in started a new family: the call out presented a token it replaced.
    expect(server.refreshStatuses()).toEqual([401]);
    expect(app.expired()).toBe(0);
    expect(app.session.state).toBe('live');
    expect((await app.authFetch(`${server.url}/api/after`)).status).toBe(200);
  });
});
