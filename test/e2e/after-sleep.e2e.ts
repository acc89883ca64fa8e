/**
 * refreshOnWake in Chromium: a page hidden while the machine sleeps, its clock moved on, shown
 * again; two tabs that come back online together. The page's clock is Playwright's (moved on as
 * a closed lid moves it), and the API's moves with it.
 *
 * Headless Chromium keeps every page visible (bringing another page to the front or minimizing
 * the window changes nothing), so the page is hidden and shown by setting what
 * `document.visibilityState` reads and sending `visibilitychange`, as the browser would.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';
import type { BearerTab } from './helpers/bearer-page.js';
import { bundlePage, launchBrowser } from './helpers/browser.js';
import { serveJwtSite } from './helpers/jwt-site.js';

type TabWindow = Window & { bearerTab?: BearerTab };

const MINUTE = 60_000;

let browser: Browser | undefined;
let script = '';
beforeAll(async () => {
  script = await bundlePage(new URL('./helpers/bearer-page.ts', import.meta.url));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const setTokens = (page: Page, tokens: Tokens): Promise<void> =>
  page.evaluate((next) => {
    (window as TabWindow).bearerTab!.setTokens(next);
  }, tokens);

const tokensOf = (page: Page): Promise<Tokens> => page.evaluate(() => (window as TabWindow).bearerTab!.tokens());

const get = (page: Page, path: string): Promise<number> => page.evaluate((to) => (window as TabWindow).bearerTab!.get(to), path);

/** Sets what `document.visibilityState` reads and tells the page, as the browser does when a tab is hidden or shown. */
const visibility = (page: Page, state: 'hidden' | 'visible'): Promise<void> =>
  page.evaluate((next) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => next });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);

/** The machine sleeps for `ms`: every page's clock and the API's move on, and the pages' due timers fire once. */
async function sleep(server: JwtServer, pages: Page[], ms: number): Promise<void> {
  server.sleep(ms);
  for (const page of pages) await page.clock.fastForward(ms);
}

/** Runs `body` with a fresh JWT API and `count` tabs of one fresh browser context, each on the page with its clock installed and logged in. */
async function withTabs(
  count: number,
  body: (tabs: { server: JwtServer; pages: Page[]; context: BrowserContext }) => Promise<void>,
): Promise<void> {
  if (!browser) throw new Error('the browser is launched in beforeAll');
  const server = await startJwtServer(15 * MINUTE);
  const site = await serveJwtSite(server, script);
  const context = await browser.newContext();
  const pageErrors: Error[] = [];
  try {
    const pages: Page[] = [];
    const loggedIn = server.logIn();
    for (let i = 0; i < count; i += 1) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => pageErrors.push(error));
      await page.clock.install();
      await page.goto(`${site.url}/`);
      await page.waitForFunction(() => (window as TabWindow).bearerTab !== undefined);
      await setTokens(page, loggedIn);
      pages.push(page);
    }
    await body({ server, pages, context });
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
    await site.close();
    await server.close();
  }
}

describe('after a sleep, in Chromium', () => {
  it('refreshes once when a page hidden through a 20-minute sleep is shown, before its first request, which meets no 401', () =>
    withTabs(1, async ({ server, pages: [page] }) => {
      const tab = page!;
      await visibility(tab, 'hidden');
      await sleep(server, [tab], 20 * MINUTE);
      expect(server.count('/refresh')).toBe(0);

      await visibility(tab, 'visible');
      // Before any request: the first one must not be what starts the refresh.
      await expect.poll(() => server.count('/refresh')).toBe(1);
      await expect.poll(() => tokensOf(tab)).toEqual(server.issued);
      expect(await get(tab, '/after-wake')).toBe(200);

      expect(server.seen.map((seen) => seen.path)).toEqual(['/refresh', '/after-wake']);
      expect(server.authorizations('/after-wake')).toEqual([`Bearer ${server.issued.access}`]);
    }));

  it('does not refresh while offline, and costs two tabs that come back online together one refresh, no reused refresh token and no 401', () =>
    withTabs(2, async ({ server, pages, context }) => {
      const [a, b] = pages as [Page, Page];
      await context.setOffline(true);
      await sleep(server, pages, 20 * MINUTE);
      // Shown while offline: a refresh now would only fail and cool the session down.
      await visibility(a, 'hidden');
      await visibility(a, 'visible');
      expect(await a.evaluate(() => (window as TabWindow).bearerTab!.state())).toBe('live');

      await context.setOffline(false);
      await expect.poll(() => server.count('/refresh')).toBe(1);
      await expect.poll(() => Promise.all([tokensOf(a), tokensOf(b)])).toEqual([server.issued, server.issued]);
      expect([await get(a, '/a'), await get(b, '/b')]).toEqual([200, 200]);

      expect(server.count('/refresh')).toBe(1);
      expect(server.reused).toBe(0);
      expect(server.count('/a', 401) + server.count('/b', 401)).toBe(0);
    }));
});
