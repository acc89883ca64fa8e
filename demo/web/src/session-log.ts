import { observe } from '../../../src/index.js';
import type { RefreshSession, SessionEvent } from '../../../src/index.js';
import { describeFailure } from './api.js';
import { logEvent } from './event-log.js';

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function started(event: Extract<SessionEvent, { type: 'refresh-started' }>): string {
  if (event.reason === 'expiring') return 'refresh started ahead of expiry';
  const { method, url, status } = event.request;
  return `refresh started: ${method?.toUpperCase() ?? ''} ${url ?? ''} got ${status ?? 'no answer'}`;
}

function ended(event: Extract<SessionEvent, { type: 'session-ended' }>): string {
  switch (event.by) {
    case 'app':
      return 'logged out';
    case 'other-tab':
      return 'session ended in another tab: log in again';
    case 'server':
      return `session expired (${describeFailure(event.error)}): log in again`;
  }
}

/**
 * Tells the event log what happens to the session, as the library reports it. The end of a
 * session is told only when the page had a user: a visitor who never logged in had none to lose.
 * @returns A function that stops it.
 */
export function logSession(session: RefreshSession, hasUser: () => boolean): () => void {
  return observe(session, (event) => {
    switch (event.type) {
      case 'refresh-started':
        logEvent(event.type, started(event));
        break;
      case 'refresh-succeeded':
        logEvent(event.type, `refresh succeeded in ${event.duration} ms; ${plural(event.waited, 'request')} waited for it`);
        break;
      case 'refresh-failed':
        logEvent(
          event.type,
          event.ended
            ? `refresh rejected (${describeFailure(event.error)})`
            : `refresh failed (${describeFailure(event.error)}); the session goes on`,
          { ended: String(event.ended) },
        );
        break;
      case 'session-ended':
        if (hasUser()) logEvent(event.type, ended(event), { by: event.by });
        break;
      case 'tokens-adopted':
        logEvent(event.type, 'another tab refreshed: this tab goes on with its tokens');
        break;
    }
  });
}

/** What the session did while a burst ran. */
export interface BurstCounts {
  /** Refreshes that settled. */
  refreshes: number;
  /** Of them, those that failed. */
  failed: number;
}

/** Starts counting the session's refreshes; the returned function stops and tells the counts. */
export function countRefreshes(session: RefreshSession): () => BurstCounts {
  const counts: BurstCounts = { refreshes: 0, failed: 0 };
  const stop = observe(session, (event) => {
    if (event.type !== 'refresh-succeeded' && event.type !== 'refresh-failed') return;
    counts.refreshes += 1;
    if (event.type === 'refresh-failed') counts.failed += 1;
  });
  return () => {
    stop();
    return counts;
  };
}

/**
 * One line for a burst, `10 requests got 401, 1 refresh, 10 succeeded`, from the 401s the page
 * counted, the session's events and the requests' outcomes.
 */
export function describeBurst(counts: BurstCounts, unauthorized: number, succeeded: number, total: number): string {
  const requests =
    unauthorized === 0
      ? plural(total, 'request')
      : unauthorized === total
        ? `${plural(total, 'request')} got 401`
        : `${plural(total, 'request')}, ${unauthorized} got 401`;
  const refreshes =
    counts.refreshes === 0
      ? 'no refresh'
      : counts.failed === 0
        ? plural(counts.refreshes, 'refresh', 'refreshes')
        : counts.failed === counts.refreshes
          ? `${plural(counts.refreshes, 'refresh', 'refreshes')} failed`
          : `${plural(counts.refreshes, 'refresh', 'refreshes')} (${counts.failed} failed)`;
  const outcome = succeeded === total ? `${succeeded} succeeded` : `${succeeded} of ${total} succeeded`;
  return `${requests}, ${refreshes}, ${outcome}`;
}
