import { describe, expect, it } from 'vitest';
import { seenFrom } from '../integration/helpers/stats.js';
import { useBuiltApp, withTabs } from './helpers/browser.js';
import type { TabsScenario } from './helpers/browser.js';
import { TaskPage } from './helpers/task-page.js';
import type { TimelineLane } from './helpers/task-page.js';

const ACCESS_MS = 30_000;
const REFRESH_MS = 120_000;
const TASKS_ROUTE = 'GET /api/v1/tasks/';
const REFRESH_ROUTE = 'POST /api/v1/users/refresh/';

const app = useBuiltApp();

function scenario(name: string, tabs: number, body: (scenario: TabsScenario) => Promise<void>): Promise<void> {
  return withTabs(app.browser, name, { accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS, staticDir: app.staticDir }, tabs, async (context) => {
    await body(context);
    expect(context.pageErrors).toEqual([]);
  });
}

const ada = { email: 'ada@example.com', password: 'correct horse' };
const poll = { timeout: 10_000 };

/** Signs up in the first tab; the other tabs open logged in. */
async function loggedInTabs({ api, pages }: TabsScenario): Promise<TaskPage[]> {
  const [first, ...others] = pages.map((page) => new TaskPage(page));
  await first!.open(`${api.url}/`);
  await first!.signUp(ada.email, ada.password);
  for (const tab of others) await tab.openLoggedIn(`${api.url}/`);
  return [first!, ...others];
}

function kinds(lane: TimelineLane): string {
  return lane.pieces.map((piece) => piece.kind).join(' ');
}

function piece(lane: TimelineLane, kind: string): { from: number; to: number | undefined } {
  const found = lane.pieces.find((each) => each.kind === kind);
  if (!found) throw new Error(`no ${kind} in the lane: ${kinds(lane)}`);
  return found;
}

describe('the timeline of a burst', () => {
  it('draws a burst at access expiry as ten lanes that each got a 401, waited and were sent again after the one refresh', () =>
    scenario('timeline at expiry', 1, async (context) => {
      const [tab] = await loggedInTabs(context);
      context.api.advanceClock(ACCESS_MS);
      const seen = seenFrom(context.api);

      expect(await tab!.burst()).toBe('10 requests got 401, 1 refresh, 10 succeeded');

      const [refresh, ...requests] = await tab!.timeline();
      expect(refresh).toMatchObject({ lane: 'refresh', by: 'this-tab' });
      expect(kinds(refresh!)).toBe('refresh');
      expect(requests.map(kinds)).toEqual(requests.map(() => 'sent 401 waiting sent-again done'));
      // One look shows it: every request is sent again only once the one refresh has begun.
      const refreshed = piece(refresh!, 'refresh');
      for (const request of requests) expect(piece(request, 'sent-again').from).toBeGreaterThanOrEqual(refreshed.from);
      expect(seen()).toEqual({
        refreshCalls: 1,
        refreshesRejected: 0,
        refreshReuse: 0,
        unauthorized: 10,
        requests: { [REFRESH_ROUTE]: 1, [TASKS_ROUTE]: 20 },
      });
    }));

  it('draws the same burst through the hand-written _retry interceptor beside it: one refresh lane per 401, and the refreshes that presented a rotated token fail', () =>
    scenario('hand-written timeline', 1, async (context) => {
      const [tab] = await loggedInTabs(context);
      context.api.advanceClock(ACCESS_MS);
      const seen = seenFrom(context.api);
      // Chromium sends at most 6 requests to one host at a time: 6 refreshes held at the server
      // all present the same refresh token, so one of them succeeds and at least 5 fail.
      const refreshes = context.api.gate(REFRESH_ROUTE);
      const outcome = tab!.lessonBurst();
      await refreshes.reached(6);
      refreshes.open();

      const line = await outcome;
      const lanes = await tab!.timeline('#timeline-lesson');
      const refreshLanes = lanes.filter((lane) => lane.lane === 'refresh');
      const requests = lanes.filter((lane) => lane.lane === 'request');
      const failed = refreshLanes.filter((lane) => kinds(lane) === 'refresh-failed').length;
      const calls = refreshLanes.length;
      expect(failed).toBeGreaterThanOrEqual(5);
      expect(refreshLanes.map(kinds).filter((kind) => kind !== 'refresh-failed')).toEqual(Array<string>(calls - failed).fill('refresh'));
      // Each request that met a 401 made a refresh of its own, and failed with it or was sent again.
      expect(requests.filter((lane) => kinds(lane).startsWith('sent 401'))).toHaveLength(calls);
      expect(requests.filter((lane) => kinds(lane) === 'sent 401 waiting failed')).toHaveLength(failed);
      expect(line).toContain(`${calls} refreshes (${failed} failed), ${10 - failed} of 10 succeeded`);
      expect(seen()).toEqual({
        refreshCalls: calls,
        refreshesRejected: failed,
        refreshReuse: failed,
        unauthorized: calls + failed,
        requests: { [REFRESH_ROUTE]: calls, [TASKS_ROUTE]: 10 + calls - failed },
      });
      // The library's own timeline is left as it was.
      expect(await tab!.timeline()).toEqual([]);
    }));

  it('draws a burst while the access token is valid as ten lanes sent and done, and an empty refresh lane', () =>
    scenario('timeline before expiry', 1, async (context) => {
      const [tab] = await loggedInTabs(context);
      const seen = seenFrom(context.api);

      expect(await tab!.burst()).toBe('10 requests, no refresh, 10 succeeded');

      const [refresh, ...requests] = await tab!.timeline();
      expect(refresh).toEqual({ lane: 'refresh', by: 'none', pieces: [] });
      expect(requests.map(kinds)).toEqual(Array.from({ length: 10 }, () => 'sent done'));
      expect(seen()).toEqual({ refreshCalls: 0, refreshesRejected: 0, refreshReuse: 0, unauthorized: 0, requests: { [TASKS_ROUTE]: 10 } });
    }));

  it('says "refreshed by another tab" in the tab whose burst waited for the other tab\'s refresh, and draws that refresh', () =>
    scenario('refreshed by another tab', 2, async (context) => {
      const [refreshing, waiting] = (await loggedInTabs(context)) as [TaskPage, TaskPage];
      context.api.advanceClock(ACCESS_MS);
      const seen = seenFrom(context.api);
      const refreshGate = context.api.gate(REFRESH_ROUTE);

      await refreshing.startBurst();
      await refreshGate.reached(1);
      await waiting.startBurst();
      // Both bursts met the expired token before the one refresh call is let through.
      await expect.poll(() => seen().unauthorized, poll).toBe(20);
      await expect.poll(async () => (await waiting.log()).some((entry) => entry.kind === 'refresh-started'), poll).toBe(true);
      refreshGate.open();

      expect(await refreshing.burstResult()).toBe('10 requests got 401, 1 refresh, 10 succeeded');
      expect(await waiting.burstResult()).toBe('10 requests got 401, refreshed by another tab, 10 succeeded');
      const [refresh, ...requests] = await waiting.timeline();
      expect(refresh).toMatchObject({ lane: 'refresh', by: 'another-tab' });
      expect(kinds(refresh!)).toMatch(/^other-tab-refresh( adopted)?$/);
      expect(requests.map(kinds)).toEqual(requests.map(() => 'sent 401 waiting sent-again done'));
      expect(seen()).toEqual({
        refreshCalls: 1,
        refreshesRejected: 0,
        refreshReuse: 0,
        unauthorized: 20,
        requests: { [REFRESH_ROUTE]: 1, [TASKS_ROUTE]: 40 },
      });
    }));
});
