import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, jwtExpiry, observe } from '../src/index.js';
import type { RefreshSession, SessionEvent, SessionOptions } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { thirdParty } from './helpers/third-party.js';
import type { ThirdParty } from './helpers/third-party.js';
import { cookieApp } from './helpers/clients.js';
import { rejection } from './helpers/rejection.js';

let server: AuthServer;
let third: ThirdParty;
let fourth: ThirdParty;
beforeEach(async () => {
  [server, third, fourth] = await Promise.all([startAuthServer(), thirdParty(), thirdParty()]);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all([server.close(), third.close(), fourth.close()]);
});

interface App {
  api: AxiosInstance;
  session: RefreshSession;
  /** Every error the transport rejected with, before any interceptor saw it. */
  thrown: unknown[];
  events: SessionEvent[];
  expired: () => number;
}

function observed(api: AxiosInstance, options: SessionOptions): Omit<App, 'thrown'> {
  let expired = 0;
  const { session } = createRefreshInterceptor(api, {
    ...options,
    onSessionExpired: () => {
      expired += 1;
    },
  });
  const events: SessionEvent[] = [];
  observe(session, (event) => {
    events.push(event);
  });
  return { api, session, events, expired: () => expired };
}

/** Records what the instance's transport rejects with, so a test can tell the caller got that very error. */
function recording(api: AxiosInstance): unknown[] {
  const thrown: unknown[] = [];
  const transport = axios.getAdapter(api.defaults.adapter);
  api.defaults.adapter = async (config) => {
    try {
      return await transport(config);
    } catch (error) {
      thrown.push(error);
      throw error;
    }
  };
  return thrown;
}

/** The README's cookie quick start: HttpOnly cookies (a jar in the adapter, as a browser keeps them). */
function cookieSession(extra: Partial<SessionOptions> = {}, baseURL: string | null = server.url): App {
  const { api } = cookieApp(server);
  if (baseURL === null) delete api.defaults.baseURL;
  else api.defaults.baseURL = baseURL;
  const thrown = recording(api);
  return { thrown, ...observed(api, { refresh: ({ client }) => client.post(`${server.url}/refresh`), ...extra }) };
}

/** The README's bearer quick start: tokens in memory, the access token sent through `accessToken`. */
function bearerSession(extra: Partial<SessionOptions> = {}, baseURL: string | null = server.url): App {
  const tokens = { access: server.access, refresh: server.refresh };
  const api = axios.create(baseURL === null ? {} : { baseURL });
  const thrown = recording(api);
  return {
    thrown,
    ...observed(api, {
      refresh: async ({ client }) => {
        const { data } = await client.post<typeof tokens>(`${server.url}/refresh`, { refresh: tokens.refresh });
        Object.assign(tokens, data);
      },
      accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
      ...extra,
    }),
  };
}

describe("a 401 from an origin that never received the session's credentials", () => {
  it('reaches the caller of a cookie session as the very error axios made, with no refresh and no end', async () => {
    // A logged-out visitor: were the 401 taken as the session's, the refresh would end it.
    server.refreshMode = 'reject';
    const { api, thrown, events, expired, session } = cookieSession();

    const error = await rejection(api.get(`${third.url}/widget`));

    expect(thrown).toHaveLength(1);
    expect(error).toBe(thrown[0]);
    expect(third.authorizations).toHaveLength(1);
    expect(server.refreshCalls()).toBe(0);
    expect(expired()).toBe(0);
    expect(events).toEqual([]);
    expect(session.state).toBe('live');
  });

  it('reaches the caller as it is behind an app response interceptor too', async () => {
    server.refreshMode = 'reject';
    const { api, thrown, expired } = cookieSession();
    const passedOn: unknown[] = [];
    api.interceptors.response.use(undefined, (error: unknown) => {
      passedOn.push(error);
      throw error;
    });

    const error = await rejection(api.get(`${third.url}/widget`));

    expect(error).toBe(thrown[0]);
    expect(passedOn).toEqual([thrown[0]]);
    expect(server.refreshCalls()).toBe(0);
    expect(expired()).toBe(0);
  });

  it('resolves as it is when a permissive validateStatus lets it through', async () => {
    const { api } = cookieSession();

    const response = await api.get(`${third.url}/widget`, { validateStatus: () => true });

    expect(response.status).toBe(401);
    expect(response.data).toEqual({ detail: 'not signed in here' });
    expect(third.authorizations).toHaveLength(1);
    expect(server.refreshCalls()).toBe(0);
  });

  it("still refreshes the session on its own origin's 401, relative or absolute", async () => {
    const { api } = cookieSession();
    server.expireAccess();
    await api.get('/api/relative');
    server.expireAccess();
    await api.get(`${server.url}/api/absolute`);

    expect(server.refreshCalls()).toBe(2);
    expect(server.count('/api/relative', 200)).toBe(1);
    expect(server.count('/api/absolute', 200)).toBe(1);
  });

  it('refreshes on a 401 from an origin listed in credentialOrigins, and sends the call once more', async () => {
    const { api, expired } = cookieSession({ credentialOrigins: [third.url] });

    const error = await rejection(api.get(`${third.url}/uploads`));

    expect(error.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toHaveLength(2);
    expect(expired()).toBe(0);
  });

  it('takes the origins of tokenOrigins too, the former name, together with credentialOrigins', async () => {
    const { api } = cookieSession({
      credentialOrigins: [third.url],
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- the former name must keep working
      tokenOrigins: [`${fourth.url}/any/path`],
    });

    await rejection(api.get(`${third.url}/a`));
    const second = await rejection(api.get(`${fourth.url}/b`));

    // Refreshed for, and sent again; its 401 again means the refresh did not take, and the 401
    // from the other listed origin during the backoff that follows is the session's too.
    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toHaveLength(2);
    expect(isRefreshFailedError(second)).toBe(true);
    expect(fourth.authorizations).toHaveLength(1);
  });

  it('takes every origin as the cookie session\'s in Node with no baseURL and nothing listed, since it cannot tell', async () => {
    const { api } = cookieSession({}, null);

    await rejection(api.get(`${third.url}/anything`));

    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toHaveLength(2);
  });

  it("counts the page's origin for a cookie session in a browser, besides baseURL's, and no other", async () => {
    vi.stubGlobal('location', { href: `${third.url}/app/tasks` });
    const { api } = cookieSession();

    await rejection(api.get(`${third.url}/page-origin`));
    const error = await rejection(api.get(`${fourth.url}/elsewhere`));

    expect(error.response?.status).toBe(401);
    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toHaveLength(2);
    expect(fourth.authorizations).toHaveLength(1);
  });

  it("with no baseURL in a browser, takes the page's origin as the cookie session's own", async () => {
    vi.stubGlobal('location', { href: `${server.url}/app/` });
    const { api } = cookieSession({}, null);
    server.expireAccess();

    await api.get(`${server.url}/api/page`);
    await rejection(api.get(`${third.url}/elsewhere`));

    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api/page', 200)).toBe(1);
    expect(third.authorizations).toHaveLength(1);
  });
});

describe('a bearer session judges a 401 by where its token may go', () => {
  it('leaves a third-party 401 to the caller, sending it no token, and ends nothing', async () => {
    server.refreshMode = 'reject';
    const { api, thrown, events, expired } = bearerSession();

    const error = await rejection(api.get(`${third.url}/widget`));

    expect(error).toBe(thrown[0]);
    expect(third.authorizations).toEqual([undefined]);
    expect(server.refreshCalls()).toBe(0);
    expect(expired()).toBe(0);
    expect(events).toEqual([]);
  });

  it('refreshes on a 401 from a listed origin, which got the token before and after', async () => {
    const { api } = bearerSession({ credentialOrigins: [third.url] });
    const before = `Bearer ${server.access}`;

    await rejection(api.get(`${third.url}/uploads`));

    expect(server.refreshCalls()).toBe(1);
    expect(third.authorizations).toEqual([before, `Bearer ${server.access}`]);
  });

  it("does not count the page's origin when the token goes to baseURL's alone", async () => {
    vi.stubGlobal('location', { href: `${third.url}/app/` });
    const { api } = bearerSession();

    await rejection(api.get(`${third.url}/page-origin`));

    expect(third.authorizations).toEqual([undefined]);
    expect(server.refreshCalls()).toBe(0);
  });

  it('in Node with no baseURL and nothing listed, counts relative URLs only, as it sends the token', async () => {
    const { api } = bearerSession({}, null);

    await rejection(api.get(`${server.url}/api/absolute`));

    expect(server.seen.map((r) => [r.path, r.token])).toEqual([['/api/absolute', undefined]]);
    expect(server.refreshCalls()).toBe(0);
  });
});

describe('a 401 that a redirect led to', () => {
  /** An API origin that sends `/away` to the third party and `/home` to its own `/here`, which refuses everything. */
  async function redirector(): Promise<{ url: string; close(): Promise<void> }> {
    const api = http.createServer((req, res) => {
      if (req.url === '/away') res.writeHead(302, { location: `${third.url}/elsewhere` }).end();
      else if (req.url === '/home') res.writeHead(302, { location: '/here' }).end();
      else res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    return {
      url,
      close: () => {
        api.closeAllConnections();
        return new Promise<void>((resolve) => api.close(() => { resolve(); }));
      },
    };
  }

  it('is not refreshed when it came from another origin, and is when it came from its own', async () => {
    const own = await redirector();
    try {
      let refreshes = 0;
      const api = axios.create({ baseURL: own.url });
      createRefreshInterceptor(api, {
        refresh: () => {
          refreshes += 1;
        },
        accessToken: bearer(() => 'token'),
        credentialOrigins: [own.url],
      });

      const error = await rejection(api.get('/away'));

      expect(error.response?.status).toBe(401);
      expect(refreshes).toBe(0);
      expect(third.authorizations).toEqual([undefined]);

      // One that came from the session's own origin is refreshed, as before.
      await rejection(api.get('/home'));
      expect(refreshes).toBe(1);
    } finally {
      await own.close();
    }
  });
});
