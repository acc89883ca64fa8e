import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshFetch } from '../../src/fetch.js';
import type { FetchLike } from '../../src/fetch.js';
import { bearer, createRefreshSession, jwtExpiry, observe } from '../../src/index.js';
import type { RefreshSession, SessionEvent, SessionOptions } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { thirdParty } from '../helpers/third-party.js';
import type { ThirdParty } from '../helpers/third-party.js';

let server: AuthServer;
let third: ThirdParty;
beforeEach(async () => {
  [server, third] = await Promise.all([startAuthServer(), thirdParty()]);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all([server.close(), third.close()]);
});

interface App {
  authFetch: typeof fetch;
  session: RefreshSession;
  /** Every response the wrapped `fetch` resolved with, as the caller would have had it without the library. */
  responses: Response[];
  events: SessionEvent[];
  expired: () => number;
}

/**
 * `fetch` on a session with no axios instance: a bearer session (`accessToken`), or a cookie
 * session whose wrapped `fetch` sends the access cookie itself, as a browser would.
 */
function app(extra: Partial<SessionOptions> = {}, withBearer = false): App {
  const tokens = { access: server.access, refresh: server.refresh };
  let expired = 0;
  const session = createRefreshSession({
    refresh: async ({ client }) => {
      const { data } = await client.post<typeof tokens>(`${server.url}/refresh`, { refresh: tokens.refresh });
      Object.assign(tokens, data);
    },
    onSessionExpired: () => {
      expired += 1;
    },
    ...(withBearer ? { accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access) } : {}),
    ...extra,
  });
  const events: SessionEvent[] = [];
  observe(session, (event) => {
    events.push(event);
  });
  const responses: Response[] = [];
  const fetchLike: FetchLike = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (!withBearer) headers.set('Cookie', `access_token=${tokens.access}`);
    // As in a browser, a relative URL goes to the page.
    const page = (globalThis as { location?: { href: string } }).location?.href;
    const response = await fetch(typeof input === 'string' ? new URL(input, page) : input, { ...init, headers });
    responses.push(response);
    return response;
  };
  return { authFetch: createRefreshFetch(fetchLike, { session }), session, responses, events, expired: () => expired };
}

const at = (path: string): string => `${server.url}${path}`;

describe("createRefreshFetch: a 401 from an origin that never received the session's credentials", () => {
  it('resolves as the very Response, body unread, with no refresh and no end of a cookie session', async () => {
    // A logged-out visitor: were the 401 taken as the session's, the refresh would end it.
    server.refreshMode = 'reject';
    const { authFetch, responses, events, expired, session } = app({ credentialOrigins: [server.url] });

    const response = await authFetch(`${third.url}/widget`);

    expect(responses).toHaveLength(1);
    expect(response).toBe(responses[0]);
    expect(await response.json()).toEqual({ detail: 'not signed in here' });
    expect(third.authorizations).toHaveLength(1);
    expect(server.refreshCalls()).toBe(0);
    expect(expired()).toBe(0);
    expect(events).toEqual([]);
    expect(session.state).toBe('live');
  });

  it("refreshes on the 401 of the API listed in credentialOrigins, and sends the call once more", async () => {
    const { authFetch } = app({ credentialOrigins: [server.url] });
    server.expireAccess();

    const response = await authFetch(at('/api/tasks'));

    expect(response.status).toBe(200);
    expect(server.refreshCalls()).toBe(1);
    expect(server.seen.filter((r) => r.path === '/api/tasks').map((r) => r.status)).toEqual([401, 200]);
  });

  it('takes every origin as a cookie session\'s in Node with nothing listed, since it cannot tell', async () => {
    const { authFetch } = app();

    const response = await authFetch(`${third.url}/anything`);

    expect(response.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toHaveLength(2);
  });

  it("takes relative URLs and the page's origin as a cookie session's own in a browser, and no other", async () => {
    vi.stubGlobal('location', { href: `${server.url}/app/` });
    const { authFetch } = app();
    server.expireAccess();
    const relative = await authFetch('/api/relative');
    server.expireAccess();
    const absolute = await authFetch(at('/api/absolute'));
    const elsewhere = await authFetch(`${third.url}/elsewhere`);

    expect([relative.status, absolute.status, elsewhere.status]).toEqual([200, 200, 401]);
    expect(server.refreshCalls()).toBe(2);
    expect(third.authorizations).toHaveLength(1);
  });

  it('leaves a bearer session alone on a 401 from an origin its token does not go to', async () => {
    server.refreshMode = 'reject';
    const { authFetch, expired, events } = app({ credentialOrigins: [server.url] }, true);

    const response = await authFetch(`${third.url}/widget`);

    expect(response.status).toBe(401);
    expect(third.authorizations).toEqual([undefined]);
    expect(server.refreshCalls()).toBe(0);
    expect(expired()).toBe(0);
    expect(events).toEqual([]);
  });

  it('counts no absolute URL as a bearer session\'s in Node with nothing listed, as it sends the token to none', async () => {
    const { authFetch } = app({}, true);

    const response = await authFetch(at('/api/tasks'));

    expect(response.status).toBe(401);
    expect(server.seen.map((r) => [r.path, r.token])).toEqual([['/api/tasks', undefined]]);
    expect(server.refreshCalls()).toBe(0);
  });

  it('refreshes a bearer session on a 401 from a listed origin, which gets the token both times', async () => {
    const { authFetch } = app({ credentialOrigins: [server.url, third.url] }, true);
    const before = `Bearer ${server.access}`;

    await authFetch(`${third.url}/uploads`);

    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toEqual([before, `Bearer ${server.access}`]);
  });
});
