import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mayReceive } from '../../src/origins.js';
import { bearer, createRefreshInterceptor, createRefreshSession, jwtExpiry } from '../../src/index.js';
import type { SessionOptions } from '../../src/index.js';
import { listen, replyJson } from '../stacks/helpers/loopback.js';
import type { Loopback } from '../stacks/helpers/loopback.js';
import { startJwtServer, tokenStore } from './helpers/jwt-server.js';
import type { JwtServer } from './helpers/jwt-server.js';

/** Another origin: a second loopback server, on another port, that records what it is sent. */
interface Elsewhere extends Loopback {
  readonly authorizations: Array<string | undefined>;
  readonly port: string;
}

async function elsewhere(): Promise<Elsewhere> {
  const authorizations: Array<string | undefined> = [];
  const loopback = await listen(({ req }, res) => {
    authorizations.push(req.headers.authorization);
    replyJson(res, 200, {});
  });
  return { ...loopback, authorizations, port: new URL(loopback.url).port };
}

const [major = 0, minor = 0] = axios.VERSION.split('.').map(Number);
const knowsAllowAbsoluteUrls = major > 1 || minor >= 8;

let server: JwtServer;
let other: Elsewhere;
beforeEach(async () => {
  [server, other] = await Promise.all([startJwtServer(), elsewhere()]);
});
afterEach(async () => {
  await Promise.all([server.close(), other.close()]);
});

function app(
  extra: Partial<SessionOptions> = {},
  baseURL: string | null = server.url,
): { api: AxiosInstance; token: () => string } {
  const store = tokenStore(server);
  const api = axios.create(baseURL === null ? {} : { baseURL });
  createRefreshInterceptor(api, { refresh: store.refresh, accessToken: bearer(() => store.tokens.access), expiresAt: jwtExpiry(() => store.tokens.access), ...extra });
  return { api, token: () => `Bearer ${store.tokens.access}` };
}

describe('which URLs may receive the token', () => {
  const own = 'https://api.example.com';
  const none = new Set<string>();

  it('takes relative URLs and URLs on its own origin, in any spelling of it', () => {
    for (const url of ['tasks/', '/tasks/', own, `${own}/tasks/`, `${own}?q=1`, `${own}#top`, 'HTTPS://API.EXAMPLE.COM:443/x']) {
      expect(mayReceive(url, own, none), url).toBe(true);
    }
  });

  it('refuses URLs that start like its origin but name another host or port', () => {
    for (const url of [
      `${own}.evil.example/`,
      `${own}@evil.example/`,
      `${own}:8443/`,
      'http://api.example.com/',
      '//evil.example/',
      'https://[bad/',
    ]) {
      expect(mayReceive(url, own, none), url).toBe(false);
    }
  });

  it('judges a URL by where the URL parser sends it, not by how it is spelled', () => {
    for (const url of [
      ' https://evil.example/',
      '\thttps://evil.example/',
      'ht\ttps://evil.example/',
      '\u0001https://evil.example/',
      'https:\\\\evil.example/',
      'https:evil.example/',
      '/\\evil.example/',
      '\\\\evil.example/',
      '/\t/evil.example/',
      '\u0001/\\evil.example/',
      `${own}\t@evil.example/`,
    ]) {
      expect(mayReceive(url, own, none), JSON.stringify(url)).toBe(false);
    }
    for (const url of ['', 'item', ' /tasks/', 'tasks/?next=https://evil.example/', '/tasks/\\x', '?q=//evil.example', '#//evil.example']) {
      expect(mayReceive(url, own, none), JSON.stringify(url)).toBe(true);
    }
  });

  it('judges such spellings against the page in a browser', () => {
    vi.stubGlobal('location', { href: `${own}/app/` });
    try {
      expect(mayReceive('/\\evil.example/x', own, none)).toBe(false);
      expect(mayReceive(' //evil.example/x', own, none)).toBe(false);
      expect(mayReceive(' /tasks/', own, none)).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('takes the listed origins, and with no origin of its own only relative URLs and those', () => {
    const listed = new Set(['https://uploads.example.com']);
    expect(mayReceive('https://uploads.example.com/f', own, listed)).toBe(true);
    expect(mayReceive('https://uploads.example.com/f', undefined, listed)).toBe(true);
    expect(mayReceive(`${own}/x`, undefined, listed)).toBe(false);
    expect(mayReceive('/x', undefined, none)).toBe(true);
  });
});

describe('accessToken goes only to the origins that may receive it', () => {
  it('sends it to an absolute URL on the origin of baseURL, and never to another origin', async () => {
    const { api, token } = app();
    await api.get(`${server.url}/absolute`);
    await api.get(`${other.url}/absolute`);
    await api.get(`//127.0.0.1:${other.port}/protocol-relative`).catch(() => undefined);

    expect(server.authorizations('/absolute')).toEqual([token()]);
    expect(other.authorizations.every((value) => value === undefined)).toBe(true);
    expect(other.authorizations.length).toBeGreaterThanOrEqual(1);
  });

  it('does not send it where a request points baseURL at another origin', async () => {
    const { api } = app();
    await api.get('/moved', { baseURL: other.url });

    expect(other.authorizations).toEqual([undefined]);
  });

  it('is not fooled by an absolute URL that starts with its origin but names another host', async () => {
    const { api } = app();
    const own = new URL(server.url);
    // userinfo: everything before the @ is a user name and password, the host comes after it.
    await api.get(`http://${own.host}@127.0.0.1:${other.port}/userinfo`);

    expect(other.authorizations).toHaveLength(1);
    expect(other.authorizations[0] ?? '').not.toMatch(/^Bearer /);
  });

  it('without a baseURL, sends it to no other origin spelled so that only the URL parser sees the host', async () => {
    const { api } = app({}, null);
    for (const url of [` ${other.url}/space`, `${other.url.replace('http', 'ht\ttp')}/tab`]) {
      await api.get(url);
    }

    expect(other.authorizations).toEqual([undefined, undefined]);
  });

  it('sends it to the origins listed in credentialOrigins, and to no other', async () => {
    const third = await elsewhere();
    try {
      const { api, token } = app({ credentialOrigins: [`${other.url}/`] });
      await api.get(`${other.url}/listed`);
      await api.get(`${third.url}/unlisted`);

      expect(other.authorizations).toEqual([token()]);
      expect(third.authorizations).toEqual([undefined]);
    } finally {
      await third.close();
    }
  });

  // axios 1.8 brought allowAbsoluteUrls; before it, an absolute URL always went where it said.
  it.skipIf(!knowsAllowAbsoluteUrls)('sends it with allowAbsoluteUrls: false, where axios joins an absolute URL onto baseURL', async () => {
    const { api, token } = app();
    await api.get(`${other.url}/joined`, { allowAbsoluteUrls: false }).catch(() => undefined);

    expect(other.authorizations).toEqual([]);
    expect(server.seen.at(-1)?.authorization).toBe(token());
  });

  it('without a baseURL outside a browser, sends it to no absolute URL but those in credentialOrigins', async () => {
    const bare = app({}, null);
    await bare.api.get(`${server.url}/no-base`).catch(() => undefined);
    const listed = app({ credentialOrigins: [server.url] }, null);
    await listed.api.get(`${server.url}/listed-no-base`);

    expect(server.authorizations('/no-base')[0]).toBeUndefined();
    expect(server.authorizations('/listed-no-base')).toEqual([listed.token()]);
  });

  describe('in a browser (a page address stubbed onto globalThis.location)', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it("with no baseURL, sends it to absolute URLs on the page's origin only", async () => {
      vi.stubGlobal('location', { href: `${server.url}/app/tasks?tab=1` });
      const { api, token } = app({}, null);
      await api.get(`${server.url}/page-origin`);
      await api.get(`${other.url}/not-the-page`);

      expect(server.authorizations('/page-origin')).toEqual([token()]);
      expect(other.authorizations).toEqual([undefined]);
    });

    it("with a relative baseURL, takes the page's origin as the instance's own", async () => {
      vi.stubGlobal('location', { href: `${other.url}/app/` });
      const { api, token } = app({}, '/api/v1/');
      await api.get(`${other.url}/api/v1/absolute`);
      await api.get(`${server.url}/elsewhere`, { skipAuthRefresh: true }).catch(() => undefined);

      expect(other.authorizations).toEqual([token()]);
      expect(server.authorizations('/elsewhere')).toEqual([undefined]);
    });
  });

  it('follows the instance when its baseURL changes to another origin', async () => {
    const { api, token } = app();
    api.defaults.baseURL = other.url;
    await api.get('/followed');
    await api.get(`${server.url}/left-behind`, { skipAuthRefresh: true }).catch(() => undefined);

    expect(other.authorizations).toEqual([token()]);
    expect(server.authorizations('/left-behind')[0]).toBeUndefined();
  });

  it('does not carry the token along a redirect to another origin', async () => {
    const redirecting = await listen((_arrival, res) => {
      res.writeHead(302, { location: `${other.url}/landed` });
      res.end();
    });
    try {
      const { api } = app({}, redirecting.url);
      await api.get('/redirect');

      expect(other.authorizations).toEqual([undefined]);
    } finally {
      await redirecting.close();
    }
  });

  it('sends each instance sharing a session the token for its own origin only, with one refresh for both', async () => {
    const store = tokenStore(server);
    const session = createRefreshSession({ refresh: store.refresh, accessToken: bearer(() => store.tokens.access), expiresAt: jwtExpiry(() => store.tokens.access) });
    const api = axios.create({ baseURL: server.url });
    const uploads = axios.create({ baseURL: other.url });
    createRefreshInterceptor(api, { session });
    createRefreshInterceptor(uploads, { session });
    const old = store.tokens.access;
    server.revoke();

    await Promise.all([api.get('/shared/1'), api.get('/shared/2'), uploads.get('/upload')]);
    await api.get(`${other.url}/from-api`);

    expect(server.count('/refresh')).toBe(1);
    const fresh = `Bearer ${store.tokens.access}`;
    expect(server.authorizations('/shared').sort()).toEqual([`Bearer ${old}`, `Bearer ${old}`, fresh, fresh].sort());
    expect(other.authorizations).toEqual([`Bearer ${old}`, undefined]);
  });
});
