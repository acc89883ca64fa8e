import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthApi } from '../../demo/server/index.js';
import { seenFrom } from '../integration/helpers/stats.js';
import { bundlePage, launchBrowser, withTabs } from './helpers/browser.js';
import type { TabsScenario } from './helpers/browser.js';
import type { Outcome, SessionTab } from './helpers/session-tab-page.js';

// Tabs of one browser over a session's life, against the reference API: tabs opened late,
// reloaded, logged out and in, and tabs whose Web Locks are missing or broken.

const ACCESS_MS = 30_000;
const REFRESH_MS = 120_000;
/** The page's `createTabSession` name. */
const LOCK = 'session-tab';
const TASKS = 'GET /api/v1/tasks/';
const REFRESH = 'POST /api/v1/users/refresh/';
const WHO = 'GET /api/v1/users/';
const ada = { email: 'ada@example.com', password: 'correct horse' };
const poll = { timeout: 10_000 };

type TabWindow = Window & { sessionTab?: SessionTab };

let browser: Browser | undefined;
let staticDir = '';
beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'session-tab-'));
  const script = await bundlePage(new URL('./helpers/session-tab-page.ts', import.meta.url));
  await writeFile(join(staticDir, 'page.js'), script);
  await writeFile(
    join(staticDir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/page.js"></script></head><body></body></html>',
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  if (staticDir) await rm(staticDir, { recursive: true, force: true });
});

/** One tab of the page, driven through `window.sessionTab`. */
class Tab {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<this> {
    await this.page.goto(url);
    await this.page.waitForFunction(() => (window as TabWindow).sessionTab !== undefined);
    return this;
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.waitForFunction(() => (window as TabWindow).sessionTab !== undefined);
  }

  get(path = 'tasks/'): Promise<Outcome> {
    return this.page.evaluate((to) => (window as TabWindow).sessionTab!.get(to), path);
  }

  burst(count: number): Promise<Outcome[]> {
    return this.page.evaluate((n) => (window as TabWindow).sessionTab!.burst(n), count);
  }

  first(): Promise<Outcome | undefined> {
    return this.page.evaluate(() => (window as TabWindow).sessionTab!.first);
  }

  logIn(): Promise<Outcome> {
    return this.page.evaluate(({ email, password }) => (window as TabWindow).sessionTab!.logIn(email, password), ada);
  }

  logOut(): Promise<void> {
    return this.page.evaluate(() => (window as TabWindow).sessionTab!.logOut());
  }

  end(): Promise<void> {
    return this.page.evaluate(() => {
      (window as TabWindow).sessionTab!.end();
    });
  }

  async expired(): Promise<number> {
    return (await this.page.evaluate(() => (window as TabWindow).sessionTab!.counts())).expired;
  }

  async events(type: string): Promise<number> {
    return (await this.page.evaluate(() => (window as TabWindow).sessionTab!.counts())).events[type] ?? 0;
  }

  state(): Promise<string> {
    return this.page.evaluate(() => (window as TabWindow).sessionTab!.state());
  }

  /** Requests for the refresh lock that wait, in any tab of the browser. */
  waitingForLock(): Promise<number> {
    return this.page.evaluate(
      async (name) => (await navigator.locks.query()).pending?.filter((lock) => lock.name === name).length ?? 0,
      LOCK,
    );
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

interface Browsing {
  api: AuthApi;
  tabs: Tab[];
  /** Opens another tab of the same browser, with `query` after the address. */
  open: (query?: string) => Promise<Tab>;
}

/**
 * A fresh API and browser context with `count` tabs, logged in through the first; `init` runs in
 * every page before its own script, as a browser without (or with broken) Web Locks would.
 */
function scenario(name: string, count: number, body: (browsing: Browsing) => Promise<void>, init?: () => void): Promise<void> {
  if (!browser) throw new Error('the browser is launched in beforeAll');
  return withTabs(browser, name, { accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS, staticDir }, count, async ({ api, pages, pageErrors }: TabsScenario) => {
    const context = pages[0]!.context();
    if (init) await context.addInitScript(init);
    const created = await fetch(`${api.apiUrl}users/create/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ada),
    });
    expect(created.status).toBe(201);
    const [first, ...others] = pages.map((page) => new Tab(page));
    await first!.open(`${api.url}/`);
    expect(await first!.logIn()).toBe('200');
    for (const tab of others) await tab.open(`${api.url}/`);
    const open = async (query = ''): Promise<Tab> => {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => pageErrors.push(error));
      return new Tab(page).open(`${api.url}/${query}`);
    };
    await body({ api, tabs: [first!, ...others], open });
    expect(pageErrors).toEqual([]);
  });
}

describe('tabs opened late', () => {
  it('refreshes for the request a tab sends as it opens on an expired access cookie, in 20 rounds out of 20', () =>
    scenario('late tabs on expired cookies', 2, async ({ api, tabs: [a], open }) => {
      const outcomes: Outcome[] = [];
      const seen = seenFrom(api);
      for (let round = 0; round < 20; round += 1) {
        // Another tab refreshed before, so the markers hold a count the new tab's cookie is newer than.
        api.advanceClock(ACCESS_MS);
        expect(await a!.get()).toBe('200');
        api.advanceClock(ACCESS_MS);
        // Its first read of what the tabs hold answers a little later in each round, so that the
        // answer to its first request meets each moment of it.
        const late = await open(`?first&slow=${round * 2}`);
        outcomes.push((await late.first()) ?? 'none');
        await late.close();
      }
      expect(outcomes).toEqual(Array(20).fill('200'));
      expect(seen()).toMatchObject({ refreshCalls: 40, refreshesRejected: 0, refreshReuse: 0 });
    }));

  it('takes the refresh that another tab was making when it opened, in 20 rounds out of 20', () =>
    scenario('late tabs during a refresh', 2, async ({ api, tabs: [a], open }) => {
      const outcomes: Outcome[] = [];
      const seen = seenFrom(api);
      for (let round = 0; round < 20; round += 1) {
        api.advanceClock(ACCESS_MS);
        const gate = api.gate(REFRESH);
        const refreshing = a!.get();
        await gate.reached(1);
        const asked = seen().requests[WHO] ?? 0;
        // In every other round the new tab's first read of what the tabs hold answers only after
        // the refresh it met was recorded, and its message may come first.
        const opening = open(`?first&slow=${round % 2 === 0 ? 0 : 100}`);
        await expect.poll(() => seen().requests[WHO], poll).toBe(asked + 1);
        gate.open();
        expect(await refreshing).toBe('200');
        const late = await opening;
        outcomes.push((await late.first()) ?? 'none');
        await late.close();
      }
      expect(outcomes).toEqual(Array(20).fill('200'));
      expect(seen()).toMatchObject({ refreshCalls: 20, refreshesRejected: 0, refreshReuse: 0 });
    }));
});

describe('a tab that reloads', () => {
  it('costs the next expiry one refresh after reloading the tab that refreshed last, in 5 rounds out of 5', () =>
    scenario('reload the refreshing tab', 3, async ({ api, tabs: [a, b] }) => {
      const calls: number[] = [];
      for (let round = 0; round < 5; round += 1) {
        api.advanceClock(ACCESS_MS);
        expect(await a!.get()).toBe('200');
        await a!.reload();
        api.advanceClock(ACCESS_MS);
        const seen = seenFrom(api);
        const gate = api.gate(REFRESH);
        const first = a!.get();
        await gate.reached(1);
        const second = b!.get();
        await expect.poll(() => b!.waitingForLock(), poll).toBe(1);
        gate.open();
        expect([await first, await second]).toEqual(['200', '200']);
        calls.push(seen().refreshCalls);
      }
      expect(calls).toEqual([1, 1, 1, 1, 1]);
    }));
});

describe('log-out and log-in across tabs', () => {
  it('ends the session once in every tab, refreshes nowhere until a log-in, and starts a later tab ended', () =>
    scenario('log out, then log in', 3, async ({ api, tabs, open }) => {
      const [a, b, c] = tabs as [Tab, Tab, Tab];
      const seen = seenFrom(api);
      await c.logOut();
      await expect.poll(() => Promise.all(tabs.map((tab) => tab.expired())), poll).toEqual([1, 1, 1]);

      api.advanceClock(ACCESS_MS);
      for (let round = 0; round < 3; round += 1) {
        expect(await Promise.all(tabs.map((tab) => tab.burst(3)))).toEqual(tabs.map(() => ['expired', 'expired', 'expired']));
      }
      const late = await open('?first');
      expect(await late.first()).toBe('expired');
      expect(await Promise.all([...tabs, late].map((tab) => tab.expired()))).toEqual([1, 1, 1, 1]);
      expect(seen()).toMatchObject({ refreshCalls: 0 });

      // A log-in in the late tab makes every tab live; the next expiry costs one refresh.
      expect(await late.logIn()).toBe('200');
      await expect.poll(() => Promise.all(tabs.map((tab) => tab.state())), poll).toEqual(['live', 'live', 'live']);
      api.advanceClock(ACCESS_MS);
      expect(await Promise.all([a.burst(3), b.burst(3)])).toEqual([Array(3).fill('200'), Array(3).fill('200')]);
      expect(await Promise.all([...tabs, late].map((tab) => tab.expired()))).toEqual([1, 1, 1, 1]);
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 0, refreshReuse: 0 });
    }));
  it('ends nothing in any tab when the user logs in while a refresh is out that the server then rejects', () =>
    scenario('log in during a refresh', 2, async ({ api, tabs }) => {
      const [a, b] = tabs as [Tab, Tab];
      const seen = seenFrom(api);
      // The refresh cookie has expired too: the refresh that goes out will be rejected.
      api.advanceClock(REFRESH_MS + 1_000);
      const gate = api.gate(REFRESH);
      const waiting = a.get();
      await gate.reached(1);
      expect(await a.logIn()).toBe('200');
      gate.open();

      expect(await waiting).toBe('200');
      expect(await b.get()).toBe('200');
      expect(await Promise.all(tabs.map((tab) => tab.expired()))).toEqual([0, 0]);
      expect(await Promise.all(tabs.map((tab) => tab.state()))).toEqual(['live', 'live']);
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1, refreshReuse: 0 });
    }));
});

/** Page scripts that take Web Locks away or break them, as browsers and sandboxed iframes do. */
const brokenLocks: Record<string, () => void> = {
  missing: () => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
  },
  'refused on reading': () => {
    Object.defineProperty(Navigator.prototype, 'locks', {
      get: () => {
        throw new DOMException('Access to the Locks API is denied in this context.', 'SecurityError');
      },
    });
  },
  'throwing from request': () => {
    LockManager.prototype.request = () => {
      throw new DOMException('Access to the Locks API is denied in this context.', 'SecurityError');
    };
  },
  'rejecting requests': () => {
    LockManager.prototype.request = () => Promise.reject(new DOMException('The request was aborted.', 'AbortError'));
  },
};

describe('tabs whose Web Locks are missing or broken', () => {
  it.each(Object.keys(brokenLocks))(
    'refreshes, and sends none of the held requests after the app ends the session in another tab, with Web Locks %s',
    (kind) =>
      scenario(
        `web locks ${kind}`,
        2,
        async ({ api, tabs: [a, b] }) => {
          api.advanceClock(ACCESS_MS);
          expect(await a!.burst(5)).toEqual(Array(5).fill('200'));

          api.advanceClock(ACCESS_MS);
          const seen = seenFrom(api);
          const gate = api.gate(REFRESH);
          const held = a!.burst(5);
          await gate.reached(1);
          await b!.end();
          await expect.poll(() => a!.expired(), poll).toBe(1);
          // The end aborted the refresh waiting at the server's door, and it is not wanted: the
          // server goes through with it or not, as far as its body had come.
          gate.open();

          expect(await held).toEqual(Array(5).fill('expired'));
          // Held requests would go out as soon as a refresh's answer came back: give them time to.
          await new Promise((resolve) => setTimeout(resolve, 200));
          expect(seen()).toMatchObject({ refreshesRejected: 0, requests: { [TASKS]: 5, [REFRESH]: 1 } });
          expect(seen().refreshCalls).toBeLessThanOrEqual(1);
          expect([await a!.expired(), await b!.expired()]).toEqual([1, 1]);
        },
        brokenLocks[kind],
      ),
  );
});
