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
