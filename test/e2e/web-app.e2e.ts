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
      expect(await app.event('refresh-succeeded')).toContain('refresh succeeded');

      await app.deleteTask('Water the plants');
      await app.task('Water the plants', 'detached');
      expect(seen().requests['DELETE /api/v1/tasks/:id/']).toBe(1);
    }));

  it('refreshes once for a burst of 10 requests at access expiry', () =>
    scenario('burst at access expiry', async (context) => {
      const app = await loggedIn(context);
      await app.accessExpired();
      const seen = seenFrom(context.api);

      expect(await app.burst()).toBe('10 of 10 succeeded');

      expect(seen()).toMatchObject({ refreshCalls: 1, refreshReuse: 0 });
      expect(seen().requests['GET /api/v1/tasks/']).toBeGreaterThanOrEqual(10);
    }));

  it('returns to the login form when the refresh token expires', () =>
    scenario('refresh expiry', async (context) => {
      const app = await loggedIn(context);
      context.api.advanceClock(REFRESH_MS);
      const seen = seenFrom(context.api);

      await app.addTask('Too late');
      await app.loginForm();

      expect(await app.event('session-expired')).toContain('token_expired');
      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1 });
      expect(seen().requests['POST /api/v1/tasks/']).toBe(1);
    }));

  it('signs up, logs out, and after a reload asks to log in again', () =>
    scenario('sign up and log out', async (context) => {
      const app = new TaskPage(context.page);
      await app.open(context.api.url);
      await app.signUp(ada.email, ada.password);
      await app.addTask('Buy milk');
      await app.task('Buy milk');
      await context.page.click('#logout');
      await app.loginForm();

      await context.page.reload();
      await app.loginForm();
      expect(await app.event('session-expired')).toContain('token_missing');

      await app.logIn(ada.email, ada.password);
      await app.task('Buy milk');
    }));
});
