import { describe, expect, it } from 'vitest';
import { seenFrom } from '../integration/helpers/stats.js';
import { useBuiltApp, withApp } from './helpers/browser.js';
import type { Scenario } from './helpers/browser.js';
import { TaskPage } from './helpers/task-page.js';

const ACCESS_MS = 1_500;
const REFRESH_MS = 60_000;

const app = useBuiltApp();

function scenario(name: string, body: (scenario: Scenario) => Promise<void>): Promise<void> {
  return withApp(app.browser, name, { accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS, staticDir: app.staticDir }, async (context) => {
    await body(context);
    expect(context.pageErrors).toEqual([]);
  });
}

const ada = { email: 'ada@example.com', password: 'correct horse' };
const poll = { timeout: 10_000 };

/** The kinds of the event log's entries, in order. */
async function kinds(app: TaskPage): Promise<string[]> {
  return (await app.log()).map((entry) => entry.kind);
}

/** An existing account, logged in through the form. */
async function loggedIn({ api, page }: Scenario): Promise<TaskPage> {
  const created = await fetch(`${api.apiUrl}users/create/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ada),
  });
  expect(created.status).toBe(201);
  const app = new TaskPage(page);
  await app.open(api.url);
  await app.logIn(ada.email, ada.password);
  return app;
}

describe('the task list web app', () => {
  it('creates a task after the access token expired, through one refresh', () =>
    scenario('creates a task after access expiry', async (context) => {
      const app = await loggedIn(context);
      await app.accessExpired();
      const seen = seenFrom(context.api);

      await app.addTask('Water the plants');
      await app.task('Water the plants');

      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 0 });
      expect(seen().requests['POST /api/v1/tasks/']).toBe(2);
      expect(await app.event('refresh-started')).toBe('refresh started: POST tasks/ got 401');
      expect(await app.event('refresh-succeeded')).toMatch(/^refresh succeeded in \d+ ms; 1 request waited for it$/);

      await app.deleteTask('Water the plants');
      await app.task('Water the plants', 'detached');
      expect(seen().requests['DELETE /api/v1/tasks/:id/']).toBe(1);
    }));

  it('refreshes once for a burst of 10 requests at access expiry, and says so in one line', () =>
    scenario('burst at access expiry', async (context) => {
      const app = await loggedIn(context);
      await app.accessExpired();
      const seen = seenFrom(context.api);

      expect(await app.burst()).toBe('10 requests got 401, 1 refresh, 10 succeeded');

      expect(await app.event('burst')).toBe('burst: 10 requests got 401, 1 refresh, 10 succeeded');
      // The requests whose 401 came back while the refresh ran waited for it; the others were sent again at once.
      expect(await app.event('refresh-succeeded')).toMatch(/^refresh succeeded in \d+ ms; (1 request|([2-9]|10) requests) waited for it$/);
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshReuse: 0, unauthorized: 10 });
      expect(seen().requests['GET /api/v1/tasks/']).toBe(20);
    }));

  it('says that a burst while the access token is valid needed no refresh', () =>
    scenario('burst before access expiry', async (context) => {
      const app = await loggedIn(context);
      const seen = seenFrom(context.api);

      expect(await app.burst()).toBe('10 requests, no refresh, 10 succeeded');
      expect(seen()).toMatchObject({ refreshCalls: 0, unauthorized: 0 });
    }));

  it('returns to the login form when the refresh token expires', () =>
    scenario('refresh expiry', async (context) => {
      const app = await loggedIn(context);
      context.api.advanceClock(REFRESH_MS);
      const seen = seenFrom(context.api);

      await app.addTask('Too late');
      await app.loginForm();

      expect(await app.event('refresh-failed')).toBe('refresh rejected (401 token_expired)');
      expect(await app.event('session-ended')).toBe('session expired (401 token_expired): log in again');
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1 });
      expect(seen().requests['POST /api/v1/tasks/']).toBe(1);
    }));

  it('shows a first-time visitor the login form, and nothing in the event log about a session they never had', () =>
    scenario('first visit', async (context) => {
      const app = new TaskPage(context.page);
      const seen = seenFrom(context.api);

      await app.open(context.api.url);

      await expect.poll(() => app.log(), poll).toEqual([{ kind: 'info', text: 'not logged in' }]);
      expect(await context.page.locator('#tasks-view').isHidden()).toBe(true);
      expect(await context.page.locator('#login-error').textContent()).toBe('');
      // "Who am I" went through the library, as a returning user's would: its refresh was rejected.
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1 });
    }));

  it('logs a returning user back in after a reload, through one refresh, and logs it', () =>
    scenario('reload after access expiry', async (context) => {
      const app = await loggedIn(context);
      await app.accessExpired();
      const seen = seenFrom(context.api);

      await context.page.reload();
      await app.tasks();

      await expect.poll(() => kinds(app), poll).toEqual(['refresh-started', 'refresh-succeeded', 'info']);
      expect(await app.event('refresh-started')).toBe('refresh started: GET users/ got 401');
      expect(await app.event('info')).toBe(`logged in as ${ada.email} (from the cookies)`);
      expect((await app.countdown()).state).toBe('valid');
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 0 });
    }));

  it('signs up, logs out (told as a log-out, not as an expiry), and after a reload asks to log in again', () =>
    scenario('sign up and log out', async (context) => {
      const app = new TaskPage(context.page);
      await app.open(context.api.url);
      await app.signUp(ada.email, ada.password);
      await app.addTask('Buy milk');
      await app.task('Buy milk');
      await app.logOut();
      await app.loginForm();

      const log = await app.log();
      expect(log.filter((entry) => entry.kind === 'session-ended')).toEqual([{ kind: 'session-ended', by: 'app', text: 'logged out' }]);
      expect(log.map((entry) => entry.text).filter((text) => /expired|refresh/.test(text))).toEqual([]);

      await context.page.reload();
      await app.loginForm();
      await expect.poll(() => app.log(), poll).toEqual([{ kind: 'info', text: 'not logged in' }]);

      await app.logIn(ada.email, ada.password);
      await app.task('Buy milk');
    }));
});
