import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AuthApiStats, Gate } from '../../demo/server/index.js';
import { seenFrom } from '../integration/helpers/stats.js';
import { useBuiltApp, withTabs } from './helpers/browser.js';
import type { TabsScenario } from './helpers/browser.js';
import { TaskPage } from './helpers/task-page.js';

// The server's clock is moved past these lifetimes, so the test never waits for them.
const ACCESS_MS = 30_000;
const REFRESH_MS = 120_000;
/** The web app's `createTabSession` name: its Web Lock is called so. */
const LOCK = 'task-app';
const REFRESH_ROUTE = 'POST /api/v1/users/refresh/';

const app = useBuiltApp();

function scenario(name: string, body: (scenario: TabsScenario) => Promise<void>): Promise<void> {
  return withTabs(app.browser, name, { accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS, staticDir: app.staticDir }, 3, async (context) => {
    await body(context);
    expect(context.pageErrors).toEqual([]);
  });
}

const ada = { email: 'ada@example.com', password: 'correct horse' };

/** An existing account, logged in through the form in the first tab; the other tabs open logged in. */
async function loggedInTabs({ api, pages }: TabsScenario, query = ''): Promise<TaskPage[]> {
  const created = await fetch(`${api.apiUrl}users/create/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ada),
  });
  expect(created.status).toBe(201);
  const [first, ...others] = pages.map((page) => new TaskPage(page));
  await first!.open(`${api.url}/${query}`);
  await first!.logIn(ada.email, ada.password);
  for (const tab of others) await tab.openLoggedIn(`${api.url}/${query}`);
  return [first!, ...others];
}

/** Requests for the app's refresh lock that wait in any tab of the browser. */
function waitingForLock(page: Page): Promise<number> {
  return page.evaluate(
    async (name) => (await navigator.locks.query()).pending?.filter((lock) => lock.name === name).length ?? 0,
    LOCK,
  );
}

/** Starts counting now: the returned function tells how many entries of `kind` each tab's event log gained since. */
async function eventsFrom(tabs: readonly TaskPage[]): Promise<(kind: string) => Promise<number[]>> {
  const before = await Promise.all(tabs.map((tab) => tab.eventCounts()));
  return async (kind) => {
    const now = await Promise.all(tabs.map((tab) => tab.eventCounts()));
    return now.map((counts, i) => (counts[kind] ?? 0) - (before[i]?.[kind] ?? 0));
  };
}

const poll = { timeout: 10_000 };

/**
 * Waits, while `gate` holds the refresh at the server, until the bursts of `tabs` tabs all met a
 * 401 and every tab but the refreshing one waits for the lock.
 */
async function waitingForOneRefresh(context: TabsScenario, seen: () => AuthApiStats, gate: Gate, tabs = 3): Promise<void> {
  await gate.reached(1);
  await expect.poll(() => seen().unauthorized, poll).toBe(10 * tabs);
  await expect.poll(() => waitingForLock(context.pages[0]!), poll).toBe(tabs - 1);
}

describe('the task list web app in three tabs of one browser', () => {
  it.each([
    { sharing: 'with the expiry shared between tabs', query: '' },
    { sharing: 'with cookies alone', query: '?share-expiry=off' },
  ])('makes one refresh call when three tabs meet the access expiry together, $sharing', ({ sharing, query }) =>
    scenario(`three tabs at access expiry ${sharing}`, async (context) => {
      const tabs = await loggedInTabs(context, query);
      context.api.advanceClock(ACCESS_MS);
      const seen = seenFrom(context.api);
      const events = await eventsFrom(tabs);
      const refreshGate = context.api.gate(REFRESH_ROUTE);

      for (const tab of tabs) await tab.startBurst();
      await waitingForOneRefresh(context, seen, refreshGate);
      refreshGate.open();

      // One tab refreshed; the two that waited for it say whose refresh saved their requests.
      expect([...(await Promise.all(tabs.map((tab) => tab.burstResult())))].sort()).toEqual([
        '10 requests got 401, 1 refresh, 10 succeeded',
        '10 requests got 401, refreshed by another tab, 10 succeeded',
        '10 requests got 401, refreshed by another tab, 10 succeeded',
      ]);
      expect(seen()).toEqual({
        refreshCalls: 1,
        refreshesRejected: 0,
        refreshReuse: 0,
        unauthorized: 30,
        requests: { [REFRESH_ROUTE]: 1, 'GET /api/v1/tasks/': 60 },
      });
      expect(await events('refresh-started')).toEqual([1, 1, 1]);
      await expect.poll(async () => [...(await events('tokens-adopted'))].sort(), poll).toEqual([0, 1, 1]);
    }),
  );

  it('returns every tab to the login form when the refresh token expires in one', () =>
    scenario('refresh expiry in one tab', async (context) => {
      const tabs = await loggedInTabs(context);
      context.api.advanceClock(REFRESH_MS);
      const seen = seenFrom(context.api);
      const events = await eventsFrom(tabs);

      await tabs[1]!.addTask('Too late');
      await Promise.all(tabs.map((tab) => tab.loginForm()));

      expect(seen()).toMatchObject({ refreshCalls: 1, refreshesRejected: 1, refreshReuse: 0 });
      expect(seen().requests['POST /api/v1/tasks/']).toBe(1);
      expect(await events('session-ended')).toEqual([1, 1, 1]);
      expect(await tabs[1]!.event('session-ended')).toBe('session expired (401 token_expired): log in again');
      expect(await tabs[0]!.event('session-ended')).toBe('session ended in another tab: log in again');
    }));

  // Tabs wait for the lock while the refresh they wait on is rejected: none may report the end
  // twice, and none may send the dead refresh token again when the lock comes before the message.
  it('returns every tab to the login form when three tabs meet an expired session together, with one refresh call', () =>
    scenario('three tabs at refresh expiry', async (context) => {
      const tabs = await loggedInTabs(context);
      context.api.advanceClock(REFRESH_MS);
      const seen = seenFrom(context.api);
      const events = await eventsFrom(tabs);
      const refreshGate = context.api.gate(REFRESH_ROUTE);

      for (const tab of tabs) await tab.startBurst();
      await waitingForOneRefresh(context, seen, refreshGate);
      refreshGate.open();

      await Promise.all(tabs.map((tab) => tab.loginForm()));
      // A tab that waited learns of the end from the lock's markers or from the message that may
      // come first: either way it made no refresh call, and says where the session ended.
      const [refreshed, ...waited] = await Promise.all(tabs.map((tab) => tab.burstResult()));
      expect(refreshed).toBe('10 requests got 401, 1 refresh failed, 0 of 10 succeeded');
      expect(waited).toEqual(waited.map(() => '10 requests got 401, session ended in another tab, 0 of 10 succeeded'));
      expect(seen()).toEqual({
        refreshCalls: 1,
        refreshesRejected: 1,
        refreshReuse: 0,
        unauthorized: 31,
        requests: { [REFRESH_ROUTE]: 1, 'GET /api/v1/tasks/': 30 },
      });
      expect(await events('session-ended')).toEqual([1, 1, 1]);
    }));

  // The refresh in flight is rejected after the logout, and another tab waits for the lock: the
  // logout is the one end every tab reports.
  it('ends the session once in every tab when the user logs out in one while another refreshes', () =>
    scenario('log out during a refresh', async (context) => {
      const tabs = await loggedInTabs(context);
      const [first, second, third] = tabs as [TaskPage, TaskPage, TaskPage];
      context.api.advanceClock(ACCESS_MS);
      const seen = seenFrom(context.api);
      const events = await eventsFrom(tabs);
      const refreshGate = context.api.gate(REFRESH_ROUTE);

      await first.startBurst();
      await second.startBurst();
      await waitingForOneRefresh(context, seen, refreshGate, 2);
      await third.logOut();
      await Promise.all(tabs.map((tab) => tab.loginForm()));
      refreshGate.open();

      // The log-out overtook both tabs' refresh: its outcome counts for nothing, and no held request is sent.
      expect([await first.burstResult(), await second.burstResult()]).toEqual(
        Array.from(tabs.slice(0, 2), () => '10 requests got 401, session ended in another tab, 0 of 10 succeeded'),
      );
      // The log-out aborted the refresh waiting at the server's door. Whether the server still
      // goes through with a call its client left depends on how far the body had come; either way
      // no refresh token was presented twice.
      expect(seen()).toMatchObject({ refreshReuse: 0, requests: { 'GET /api/v1/tasks/': 20, 'POST /api/v1/users/refresh/': 1 } });
      expect(seen().refreshCalls).toBeLessThanOrEqual(1);
      expect(await events('session-ended')).toEqual([1, 1, 1]);
      expect(await third.event('session-ended')).toBe('logged out');
    }));

  it('returns every tab to the login form when the user logs out in one', () =>
    scenario('log out in one tab', async (context) => {
      const tabs = await loggedInTabs(context);
      const seen = seenFrom(context.api);
      const events = await eventsFrom(tabs);

      await tabs[2]!.logOut();
      await Promise.all(tabs.map((tab) => tab.loginForm()));

      expect(seen()).toEqual({
        refreshCalls: 0,
        refreshesRejected: 0,
        refreshReuse: 0,
        unauthorized: 0,
        requests: { 'POST /api/v1/users/logout/': 1 },
      });
      expect(await events('session-ended')).toEqual([1, 1, 1]);
      // Told as what it was in the tab that logged out; the others only know that it ended there.
      expect(await tabs[2]!.log()).toEqual(expect.arrayContaining([{ kind: 'session-ended', by: 'app', text: 'logged out' }]));
      expect((await tabs[2]!.log()).filter((entry) => /expired/.test(entry.text))).toEqual([]);
      expect(await tabs[0]!.event('session-ended')).toBe('session ended in another tab: log in again');
    }));

  it('shows in tabs opened after the log-in how long the access token has left, as in the first tab', () =>
    scenario('lifetime in tabs opened later', async (context) => {
      const tabs = await loggedInTabs(context);

      const [first, ...later] = await Promise.all(tabs.map((tab) => tab.countdown()));
      expect(first).toMatchObject({ state: 'valid' });
      for (const countdown of later) {
        expect(countdown.state).toBe('valid');
        // Read one tab after the other, a few milliseconds apart.
        expect(Math.abs((countdown.secondsLeft ?? 0) - (first!.secondsLeft ?? 0))).toBeLessThanOrEqual(1);
      }
    }));
});
