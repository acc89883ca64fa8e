import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';
import type { BearerTab } from './helpers/bearer-page.js';
import { bundlePage, launchBrowser } from './helpers/browser.js';
import { serveJwtSite } from './helpers/jwt-site.js';

/** The page's window, once its script has run. */
type TabWindow = Window & { bearerTab?: BearerTab };

/** One tab of the page, driven through the functions it puts on `window`. */
class Tab {
  constructor(readonly page: Page) {}

  setTokens(tokens: Tokens): Promise<void> {
    return this.page.evaluate((next) => {
      (window as TabWindow).bearerTab!.setTokens(next);
    }, tokens);
  }

  tokens(): Promise<Tokens> {
    return this.page.evaluate(() => (window as TabWindow).bearerTab!.tokens());
  }

  state(): Promise<string> {
    return this.page.evaluate(() => (window as TabWindow).bearerTab!.state());
  }

  get(path: string): Promise<number> {
    return this.page.evaluate((to) => (window as TabWindow).bearerTab!.get(to), path);
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.waitForFunction(() => (window as TabWindow).bearerTab !== undefined);
  }

  /** Requests for the refresh lock that wait, in any tab of the browser. */
  waitingForLock(): Promise<number> {
    return this.page.evaluate(
      async () => (await navigator.locks.query()).pending?.filter((lock) => lock.name === 'axios-refresh-interceptor').length ?? 0,
    );
  }

  /** Sends `count` requests to `prefix/0`, `prefix/1`… at once, and resolves to their statuses. */
  burst(prefix: string, count: number): Promise<number[]> {
    return this.page.evaluate(
      ({ to, n }) => Promise.all(Array.from({ length: n }, (_, i) => (window as TabWindow).bearerTab!.get(`${to}/${i}`))),
      { to: prefix, n: count },
    );
  }
}

let browser: Browser | undefined;
let script = '';
beforeAll(async () => {
  script = await bundlePage(new URL('./helpers/bearer-page.ts', import.meta.url));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Runs `body` with a fresh JWT API and two tabs of one fresh browser context, both showing the page. */
async function twoTabs(body: (server: JwtServer, a: Tab, b: Tab) => Promise<void>): Promise<void> {
  if (!browser) throw new Error('the browser is launched in beforeAll');
  const server = await startJwtServer();
  const site = await serveJwtSite(server, script);
  const context = await browser.newContext();
  const pageErrors: Error[] = [];
  try {
    const tabs: Tab[] = [];
    for (let i = 0; i < 2; i += 1) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => pageErrors.push(error));
      await page.goto(`${site.url}/`);
      tabs.push(new Tab(page));
    }
    await body(server, tabs[0]!, tabs[1]!);
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
    await site.close();
    await server.close();
  }
}

describe('bearer tokens held in memory by two tabs of one browser', () => {
  it('sends the tokens another tab refreshed with the next request, with no refresh and no 401 of its own', () =>
    twoTabs(async (server, a, b) => {
      const loggedIn = server.logIn();
      await a.setTokens(loggedIn);
      await b.setTokens(loggedIn);
      server.revoke();

      expect(await a.get('/tab-a')).toBe(200);
      const refreshed = await a.tokens();
      expect(refreshed).toEqual(server.issued);
      await expect.poll(() => b.tokens(), { timeout: 10_000 }).toEqual(refreshed);
      expect(await b.get('/tab-b')).toBe(200);

      expect(server.authorizations('/tab-a')).toEqual([`Bearer ${loggedIn.access}`, `Bearer ${refreshed.access}`]);
      expect(server.authorizations('/tab-b')).toEqual([`Bearer ${refreshed.access}`]);
      expect(server.count('/tab-b', 401)).toBe(0);
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
    }));

  it('keeps a tab that took the tokens of a tab that reloaded from presenting the rotated refresh token, in 5 rounds out of 5', () =>
    twoTabs(async (server, a, b) => {
      const loggedIn = server.logIn();
      await a.setTokens(loggedIn);
      await b.setTokens(loggedIn);
      const calls: number[] = [];
      for (let round = 0; round < 5; round += 1) {
        server.revoke();
        expect(await a.get(`/a/${round}`)).toBe(200);
        await expect.poll(() => b.tokens(), { timeout: 10_000 }).toEqual(server.issued);
        // Reloaded, the tab starts again from the tokens it kept in storage.
        await a.reload();
        await a.setTokens(server.issued);
        server.revoke();
        const before = server.count('/refresh');
        const refreshGate = server.hold('/refresh');
        const first = a.get(`/reloaded/${round}`);
        await expect.poll(() => server.count('/refresh'), { timeout: 10_000 }).toBe(before + 1);
        const second = b.get(`/b/${round}`);
        await expect.poll(() => b.waitingForLock(), { timeout: 10_000 }).toBe(1);
        refreshGate.open();

        expect([await first, await second]).toEqual([200, 200]);
        calls.push(server.count('/refresh') - before);
      }
      expect(calls).toEqual([1, 1, 1, 1, 1]);
      expect(server.reused).toBe(0);
    }));

  it('gives a tab with no tokens, at its first 401, the tokens of the tab next door that logged in and never refreshed: no refresh, no log-out', () =>
    twoTabs(async (server, a, b) => {
      const loggedIn = server.logIn();
      await a.setTokens(loggedIn);

      expect(await b.get('/first')).toBe(200);

      // b asked for tokens as it opened: when that ask reaches a after its log-in, b has them
      // before its first request; otherwise its first 401 waits for them.
      const sent = server.authorizations('/first');
      expect(sent.at(-1)).toBe(`Bearer ${loggedIn.access}`);
      expect(sent.slice(0, -1)).toEqual(sent.length === 2 ? [undefined] : []);
      expect(server.count('/refresh')).toBe(0);
      expect([await a.state(), await b.state()]).toEqual(['live', 'live']);
      expect(await b.tokens()).toEqual(loggedIn);
    }));

  it('costs two tabs meeting a JWT about to expire together one refresh, no 401 and no reused refresh token', () =>
    twoTabs(async (server, a, b) => {
      // Two seconds: within the default refresh margin from the start.
      server.lifetime = 2_000;
      const loggedIn = server.logIn();
      server.lifetime = 15 * 60_000;
      await a.setTokens(loggedIn);
      await b.setTokens(loggedIn);

      const statuses = await Promise.all([a.burst('/burst/a', 5), b.burst('/burst/b', 5)]);

      expect(statuses).toEqual([Array(5).fill(200), Array(5).fill(200)]);
      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
      expect(server.count('/burst')).toBe(10);
      expect(server.count('/burst', 401)).toBe(0);
      expect(new Set(server.authorizations('/burst'))).toEqual(new Set([`Bearer ${server.issued.access}`]));
      expect([await a.tokens(), await b.tokens()]).toEqual([server.issued, server.issued]);
    }));
});
