import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';
import { BODIES, FETCH_CALLS } from './helpers/fetch-calls.js';
import type { Attempt, FetchTab, Outcome } from './helpers/fetch-page.js';
import { bundlePage, launchBrowser } from './helpers/browser.js';

/** The page's window, once its script has run. */
type TabWindow = Window & { fetchTab?: FetchTab };

const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">' +
  '<script src="/page.js"></script></head><body></body></html>';


/** One API request as the page sent it: the JWT server keeps no bodies, so the proxy does. */
interface Sent {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

interface Site {
  readonly url: string;
  readonly sent: Sent[];
  readonly close: () => Promise<void>;
}

/** A certificate for 127.0.0.1, valid for a day: the browser is told to accept it, not to trust it. */
async function selfSigned(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fetch-storm-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Serves the page at `/` and its script at `/page.js`, and passes every other request on to
 * `api`: page and API share one origin, so the page needs no CORS. With `tls` it speaks HTTP/2,
 * the only protocol over which Chromium sends a stream body.
 */
async function serve(api: JwtServer, script: string, tls?: { key: string; cert: string }): Promise<Site> {
  const sent: Sent[] = [];
  const handle = async (req: http.IncomingMessage | Http2ServerRequest, res: http.ServerResponse | Http2ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path === '/' || path === '/page.js') {
      res.writeHead(200, { 'content-type': path === '/' ? 'text/html; charset=utf-8' : 'text/javascript' });
      res.end(path === '/' ? PAGE : script);
      return;
    }
    sent.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body });
    // HTTP/2's pseudo-headers (`:path`…) are no HTTP/1.1 headers.
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith(':')));
    const upstream = http.request(
      `${api.url}${url}`,
      { method: req.method, headers: { ...headers, connection: 'close' }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };
  const onRequest = (req: http.IncomingMessage | Http2ServerRequest, res: http.ServerResponse | Http2ServerResponse): void => {
    handle(req, res).catch(() => {
      // The browser went away before its body arrived: there is no one to answer.
    });
  };
  const server = tls ? http2.createSecureServer({ ...tls, allowHTTP1: true }, onRequest) : http.createServer(onRequest);
  // A request the test left hanging must not keep the server open.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    sent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}

/** The page in one tab, driven through the functions it puts on `window`. */
class Tab {
  constructor(readonly page: Page) {}

  setTokens(tokens: Tokens): Promise<void> {
    return this.page.evaluate((next) => {
      (window as TabWindow).fetchTab!.setTokens(next);
    }, tokens);
  }

  tokens(): Promise<Tokens> {
    return this.page.evaluate(() => (window as TabWindow).fetchTab!.tokens());
  }

  refreshing(): Promise<boolean> {
    return this.page.evaluate(() => (window as TabWindow).fetchTab!.refreshing());
  }

  storm(prefix: string, axiosCount: number): Promise<Outcome[]> {
    return this.page.evaluate(({ to, n }) => (window as TabWindow).fetchTab!.storm(to, n), { to: prefix, n: axiosCount });
  }

  begin(id: string, path: string): Promise<void> {
    return this.page.evaluate(
      ({ call, to }) => {
        (window as TabWindow).fetchTab!.begin(call, to);
      },
      { call: id, to: path },
    );
  }

  abort(id: string): Promise<void> {
    return this.page.evaluate((call) => {
      (window as TabWindow).fetchTab!.abort(call);
    }, id);
  }

  settled(id: string): Promise<Outcome | undefined> {
    return this.page.evaluate((call) => (window as TabWindow).fetchTab!.settled(call), id);
  }

  outcome(id: string): Promise<Outcome> {
    return this.page.evaluate((call) => (window as TabWindow).fetchTab!.outcome(call), id);
  }

  attempts(): Promise<Attempt[]> {
    return this.page.evaluate(() => (window as TabWindow).fetchTab!.attempts());
  }

  postStream(path: string, text: string): Promise<Outcome> {
    return this.page.evaluate(({ to, body }) => (window as TabWindow).fetchTab!.postStream(to, body), { to: path, body: text });
  }

  /** `GET path` through the wrapped `fetch`, to its end. */
  async get(id: string, path: string): Promise<Outcome> {
    await this.begin(id, path);
    return this.outcome(id);
  }
}

let browser: Browser | undefined;
let script = '';
beforeAll(async () => {
  script = await bundlePage(new URL('./helpers/fetch-page.ts', import.meta.url));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** How the page is opened. */
interface Setup {
  /** Tabs of one browser context, all showing the page. */
  readonly tabs?: number;
  /** The page's query string, as `?tabs`. */
  readonly query?: string;
  /** Serve over HTTP/2 with TLS rather than HTTP/1.1. */
  readonly http2?: boolean;
}

/** Runs `body` with a fresh JWT API behind a fresh proxy, and tabs of one fresh browser context showing the page. */
async function withTabs(setup: Setup, body: (server: JwtServer, site: Site, tabs: Tab[]) => Promise<void>): Promise<void> {
  if (!browser) throw new Error('the browser is launched in beforeAll');
  const server = await startJwtServer();
  const site = await serve(server, script, setup.http2 ? await selfSigned() : undefined);
  const context = await browser.newContext({ ignoreHTTPSErrors: setup.http2 ?? false });
  const pageErrors: Error[] = [];
  try {
    const tabs: Tab[] = [];
    for (let i = 0; i < (setup.tabs ?? 1); i += 1) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => pageErrors.push(error));
      await page.goto(`${site.url}/${setup.query ?? ''}`);
      tabs.push(new Tab(page));
    }
    await body(server, site, tabs);
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
    await site.close();
    await server.close();
  }
}

/** `body` of the requests the proxy passed on to `path`, in order. */
function bodiesTo(site: Site, path: string): string[] {
  return site.sent.filter((r) => r.path === path).map((r) => r.body);
}

/** Statuses of the attempts the wrapped `fetch` made to `path`, in order. */
function attemptsTo(attempts: readonly Attempt[], path: string): number[] {
  return attempts.filter((a) => new URL(a.url).pathname === path).map((a) => a.status);
}

const ok = (name: string): Outcome => ({ name, status: 200 });

describe('fetch and axios on one session, in Chromium', () => {
  it('a mixed storm of axios and fetch calls on an expired token makes one refresh, and every call succeeds', () =>
    withTabs({}, async (server, site, [tab]) => {
      const loggedIn = server.logIn();
      await tab!.setTokens(loggedIn);
      server.revoke();

      const outcomes = await tab!.storm('/storm', 10);

      expect(outcomes).toEqual([...Array.from({ length: 10 }, (_, i) => ok(`axios-${i}`)), ...FETCH_CALLS.map(ok)]);
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
      const refreshed = server.issued;
      expect(await tab!.tokens()).toEqual(refreshed);

      const attempts = await tab!.attempts();
      for (const kind of FETCH_CALLS) {
        const path = `/storm/fetch/${kind}`;
        // Every call left with the revoked token, met its 401, and went once more after the one refresh.
        expect(attemptsTo(attempts, path), kind).toEqual([401, 200]);
        expect(server.authorizations(path), kind).toEqual([`Bearer ${loggedIn.access}`, `Bearer ${refreshed.access}`]);
      }
      expect(server.count('/storm/axios', 401)).toBe(10);
      expect(server.count('/storm/axios', 200)).toBe(10);
      expect(server.count('/storm', 200)).toBe(10 + FETCH_CALLS.length);

      for (const [kind, text] of Object.entries(BODIES)) {
        expect(bodiesTo(site, `/storm/fetch/${kind}`), kind).toEqual([text, text]);
      }
      const forms = site.sent.filter((r) => r.path === '/storm/fetch/post-form');
      expect(forms).toHaveLength(2);
      for (const form of forms) {
        const boundary = /boundary=(.+)$/.exec(form.contentType ?? '')?.[1];
        expect(form.contentType).toMatch(/^multipart\/form-data; boundary=/);
        expect(form.body).toContain(`--${boundary}`);
        expect(form.body).toContain('name="title"\r\n\r\nAda’s task\r\n');
        expect(form.body).toContain('name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile contents ✓\r\n');
      }
      const typesOf = (kind: string): Array<string | undefined> =>
        site.sent.filter((r) => r.path === `/storm/fetch/${kind}`).map((r) => r.contentType);
      expect(typesOf('post-json')).toEqual(['application/json', 'application/json']);
      expect(typesOf('post-request')).toEqual(['application/json', 'application/json']);
      expect(typesOf('post-blob')).toEqual(['application/octet-stream', 'application/octet-stream']);
      expect(typesOf('post-params')).toEqual(Array(2).fill('application/x-www-form-urlencoded;charset=UTF-8'));
      expect(site.sent.filter((r) => r.path.startsWith('/storm/fetch/')).map((r) => r.method).sort()).toEqual(
        [...Array<string>(6).fill('GET'), 'PATCH', 'PATCH', ...Array<string>(10).fill('POST'), 'PUT', 'PUT'],
      );
    }));

  it('a storm in two tabs at once on an expired token makes one refresh across the tabs, and every call succeeds', () =>
    withTabs({ tabs: 2, query: '?tabs' }, async (server, _site, [a, b]) => {
      const loggedIn = server.logIn();
      await a!.setTokens(loggedIn);
      await b!.setTokens(loggedIn);
      server.revoke();

      const outcomes = await Promise.all([a!.storm('/storm/a', 10), b!.storm('/storm/b', 10)]);

      const expected = [...Array.from({ length: 10 }, (_, i) => ok(`axios-${i}`)), ...FETCH_CALLS.map(ok)];
      expect(outcomes).toEqual([expected, expected]);
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
      expect(server.count('/storm', 200)).toBe(2 * (10 + FETCH_CALLS.length));
      expect([await a!.tokens(), await b!.tokens()]).toEqual([server.issued, server.issued]);
      for (const tab of ['a', 'b']) {
        for (const kind of FETCH_CALLS) {
          expect(server.authorizations(`/storm/${tab}/fetch/${kind}`).at(-1), `${tab} ${kind}`).toBe(`Bearer ${server.issued.access}`);
        }
      }
    }));

  it('rejects fetch calls aborted while they wait for the refresh with an AbortError at once, and the others succeed after it', () =>
    withTabs({}, async (server, _site, [tab]) => {
      const loggedIn = server.logIn();
      await tab!.setTokens(loggedIn);
      server.revoke();
      const refresh = server.hold('/refresh');

      await tab!.begin('a', '/held/a');
      await expect.poll(() => tab!.refreshing(), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => server.count('/refresh'), { timeout: 10_000 }).toBe(1);
      // Made while the refresh runs, these wait for it before they go out.
      await tab!.begin('b', '/held/b');
      await tab!.begin('c', '/held/c');
      await tab!.abort('a');
      await tab!.abort('c');

      // The refresh is still held: an aborted call may not wait for it.
      const aborted = { error: { name: 'AbortError' } };
      await expect.poll(() => tab!.settled('a'), { timeout: 10_000 }).toMatchObject({ name: 'a', ...aborted });
      await expect.poll(() => tab!.settled('c'), { timeout: 10_000 }).toMatchObject({ name: 'c', ...aborted });
      expect(await tab!.settled('b')).toBeUndefined();
      expect(await tab!.refreshing()).toBe(true);
      expect(server.authorizations('/held')).toEqual([`Bearer ${loggedIn.access}`]);

      refresh.open();
      expect(await tab!.outcome('b')).toEqual(ok('b'));
      expect(await tab!.get('d', '/after/d')).toEqual(ok('d'));

      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
      // Neither aborted call went out after the refresh.
      expect(server.authorizations('/held/a')).toEqual([`Bearer ${loggedIn.access}`]);
      expect(server.count('/held/c')).toBe(0);
      expect(server.authorizations('/held/b')).toEqual([`Bearer ${server.issued.access}`]);
      expect(server.authorizations('/after/d')).toEqual([`Bearer ${server.issued.access}`]);
      expect((await tab!.attempts()).map((a) => [new URL(a.url).pathname, a.status])).toEqual([
        ['/held/a', 401],
        ['/held/b', 200],
        ['/after/d', 200],
      ]);
    }));

  it('passes on the TypeError with which Chromium refuses a stream body over HTTP/1.1, sending nothing and refreshing nothing', () =>
    withTabs({}, async (server, site, [tab]) => {
      const loggedIn = server.logIn();
      await tab!.setTokens(loggedIn);
      server.revoke();

      const outcome = await tab!.postStream('/stream', 'streamed text');

      // Chromium fails such a request with net::ERR_ALPN_NEGOTIATION_FAILED before any byte of it leaves.
      expect(outcome).toEqual({ name: 'stream', error: { name: 'TypeError', code: undefined, message: 'Failed to fetch' } });
      expect(site.sent.filter((r) => r.path === '/stream')).toEqual([]);
      expect(server.count('/stream')).toBe(0);
      expect(await tab!.attempts()).toEqual([]);
      expect(await tab!.refreshing()).toBe(false);
      expect(server.count('/refresh')).toBe(0);

      expect(await tab!.get('after', '/after')).toEqual(ok('after'));
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
      expect(server.authorizations('/after')).toEqual([`Bearer ${loggedIn.access}`, `Bearer ${server.issued.access}`]);
    }));

  it('rejects a stream body met by a 401 over HTTP/2 with ERR_BODY_NOT_REPLAYABLE, and its refresh serves the calls after it', () =>
    withTabs({ http2: true }, async (server, site, [tab]) => {
      const loggedIn = server.logIn();
      await tab!.setTokens(loggedIn);
      server.revoke();

      const outcome = await tab!.postStream('/stream', 'streamed text');

      // The fetch side's own error since the session core needs no axios: a plain Error with the shared code.
      expect(outcome).toMatchObject({ name: 'stream', error: { name: 'Error', code: 'ERR_BODY_NOT_REPLAYABLE' } });
      expect(server.authorizations('/stream')).toEqual([`Bearer ${loggedIn.access}`]);
      expect(server.count('/stream', 401)).toBe(1);
      expect(bodiesTo(site, '/stream')).toEqual(['streamed text']);
      expect(attemptsTo(await tab!.attempts(), '/stream')).toEqual([401]);

      // No 401 of its own: the call waits for the refresh the stream's 401 started, or finds it done.
      expect(await tab!.get('after', '/after')).toEqual(ok('after'));
      expect(server.authorizations('/after')).toEqual([`Bearer ${server.issued.access}`]);
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
    }));
});
