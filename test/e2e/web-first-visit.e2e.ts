import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT } from '../../demo/web/demo-account.js';
import { seenFrom } from '../integration/helpers/stats.js';
import { useBuiltApp, withApp } from './helpers/browser.js';
import type { Scenario } from './helpers/browser.js';
import { TaskPage } from './helpers/task-page.js';

const ACCESS_MS = 30_000;
const REFRESH_MS = 120_000;

const app = useBuiltApp();

/** The server as `npm run demo:web` starts it: with the demo account. */
function scenario(name: string, body: (scenario: Scenario) => Promise<void>): Promise<void> {
  const options = { accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS, staticDir: app.staticDir, users: [DEMO_ACCOUNT] };
  return withApp(app.browser, name, options, async (context) => {
    await body(context);
    expect(context.pageErrors).toEqual([]);
  });
}

const poll = { timeout: 10_000 };

describe('the web demo on a first visit', () => {
  it('shows the demo account with its password, and logs in with it in one click', () =>
    scenario('demo account', async ({ api, page }) => {
      const app = new TaskPage(page);
      await app.open(api.url);
      const demo = await page.locator('#demo-account').innerText();
      expect(demo).toContain(DEMO_ACCOUNT.email);
      expect(demo).toContain(DEMO_ACCOUNT.password);
      expect(await page.locator('#login-view').innerText()).toMatch(/press Sign up/);
      const seen = seenFrom(api);

      await app.useDemoAccount();

      expect(await page.locator('#who').textContent()).toBe(DEMO_ACCOUNT.email);
      expect(seen().requests).toEqual({ 'POST /api/v1/users/login/': 1, 'GET /api/v1/tasks/': 1 });
      expect(seen().unauthorized).toBe(0);
    }));

  it('answers a log-in with an email that has no account that there is none, and that Sign up makes it', () =>
    scenario('unknown email', async ({ api, page }) => {
      const app = new TaskPage(page);
      await app.open(api.url);
      const seen = seenFrom(api);

      await page.fill('#login-form input[name=email]', 'new@example.com');
      await page.fill('#login-form input[name=password]', 'a password');
      await page.click('#login-form button[value=login]');

      expect(await app.loginError()).toMatch(/^No account with this email and password\. New here\? Sign up makes one/);
      expect(seen()).toMatchObject({ refreshCalls: 0, unauthorized: 1, requests: { 'POST /api/v1/users/login/': 1 } });

      await app.signUp('new@example.com', 'a password');
      expect(seen().requests['POST /api/v1/users/create/']).toBe(1);
    }));

  it('says, once logged in, what to try and that the red 401s in DevTools are the point', () =>
    scenario('what to try', async ({ api, page }) => {
      const app = new TaskPage(page);
      await app.open(api.url);
      await app.useDemoAccount();

      const tries = page.locator('#try li');
      expect(await tries.evaluateAll((items) => items.map((item) => (item instanceof HTMLElement ? item.dataset.try : '')))).toEqual([
        'wait',
        'burst',
        'lesson',
        'tab',
        'logout',
      ]);
      expect(await tries.nth(0).innerText()).toMatch(/countdown/);
      expect(await tries.nth(1).innerText()).toMatch(/burst of 10/);
      expect(await tries.nth(2).innerText()).toMatch(/hand-written _retry.*one refresh per 401/s);
      expect(await tries.nth(3).getByRole('link', { name: 'Open a second tab' }).getAttribute('target')).toBe('_blank');
      expect(await tries.nth(4).innerText()).toMatch(/^Log out/);
      const note = page.locator('#network-note');
      expect(await note.isVisible()).toBe(true);
      expect(await note.innerText()).toMatch(/red 401s in DevTools are expected/);
    }));

  it('explains every kind of line the event log shows for a burst at expiry and a log-out', () =>
    scenario('event legend', async ({ api, page }) => {
      const app = new TaskPage(page);
      await app.open(api.url);
      await app.useDemoAccount();
      api.advanceClock(ACCESS_MS);
      const seen = seenFrom(api);

      expect(await app.burst()).toBe('10 requests got 401, 1 refresh, 10 succeeded');
      await app.logOut();
      await app.loginForm();
      await expect.poll(async () => (await app.log()).some((entry) => entry.kind === 'session-ended'), poll).toBe(true);

      const told = new Set((await app.log()).map((entry) => entry.kind).filter((kind) => kind !== 'info'));
      expect([...told].sort()).toEqual(['burst', 'refresh-started', 'refresh-succeeded', 'session-ended']);
      const explained = await page.locator('#legend dt').evaluateAll((terms) =>
        terms.map((term) => (term instanceof HTMLElement ? term.dataset.kind : '')),
      );
      expect(explained).toEqual(expect.arrayContaining([...told]));
      expect(await page.locator('#legend').isVisible()).toBe(true);
      expect(seen()).toMatchObject({ refreshCalls: 1, unauthorized: 10, requests: { 'GET /api/v1/tasks/': 20 } });
    }));
});
