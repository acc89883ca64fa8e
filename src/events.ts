import type { SessionExpiredError } from './errors.js';

/** The request whose answer started a refresh, as far as a log may show it. */
export interface RequestSummary {
  /** `get`, `post`, ... as axios has it. */
  method: string | undefined;
  /** As the request had it. */
  baseURL: string | undefined;
  /** Without the query string, where secrets sometimes travel. */
  url: string | undefined;
  /** The status of the answer that started the refresh, when there was one. */
  status: number | undefined;
}

/** A refresh began. */
export interface RefreshStartedEvent {
  /** Tells the events apart. */
  type: 'refresh-started';
  /** `unauthorized`: a request failed with expired credentials; `expiring`: ahead of expiry. */
  reason: 'unauthorized' | 'expiring';
  /** The request that started it. */
  request: RequestSummary;
}

/** A refresh obtained new credentials. */
export interface RefreshSucceededEvent {
  /** Tells the events apart. */
  type: 'refresh-succeeded';
  /** Milliseconds from its start. */
  duration: number;
  /** Requests that waited for it, the one that started it included. */
  waited: number;
}

/** A refresh did not obtain new credentials. */
export interface RefreshFailedEvent {
  /** Tells the events apart. */
  type: 'refresh-failed';
  /** Milliseconds from its start. */
  duration: number;
  /** Requests that waited for it, the one that started it included. */
  waited: number;
  /** True when the failure ended the session (a `session-ended` event follows); false when transient. */
  ended: boolean;
  /** Why: the refresh's error or answer, or the timeout. */
  error: unknown;
  /**
   * For a transient failure: when a new refresh may reach the server, in ms since the epoch
   * (`Retry-After`, or the backoff). `undefined` when the session ended, or when the refresh
   * timed out and its call is still out (its own outcome is reported when it settles).
   */
  retryAt: number | undefined;
}

/** The session is over: the user must log in again. */
export interface SessionEndedEvent {
  /** Tells the events apart. */
  type: 'session-ended';
  /**
   * `server`: the server rejected a refresh; `app`: the app ended it (`session.end()`, or a
   * `SessionExpiredError` thrown from `refresh`); `other-tab`: it ended in another tab.
   */
  by: 'server' | 'app' | 'other-tab';
  /** What `onSessionExpired` is given. */
  error: SessionExpiredError;
}

/** An ended session is live again: a log-in (`session.begin()`, a `skipAuthRefresh` request that succeeded, a new bearer token, or another tab). */
export interface SessionBeganEvent {
  /** Tells the events apart. */
  type: 'session-began';
}

/** Another tab refreshed, and this tab took its credentials instead of refreshing itself. */
export interface TokensAdoptedEvent {
  /** Tells the events apart. */
  type: 'tokens-adopted';
}

/**
 * What {@link RefreshSession.observe} reports, told apart by `type`.
 *
 * @example
 * ```ts
 * interceptor.session.observe((event) => {
 *   if (event.type === 'refresh-succeeded') metrics.timing('auth.refresh', event.duration);
 *   if (event.type === 'session-ended') logger.warn(`session ended by ${event.by}`);
 * });
 * ```
 */
export type SessionEvent =
  | RefreshStartedEvent
  | RefreshSucceededEvent
  | RefreshFailedEvent
  | SessionEndedEvent
  | SessionBeganEvent
  | TokensAdoptedEvent;

/** A listener given to {@link RefreshSession.observe}. What it returns, throws or rejects with is ignored. */
export type SessionObserver = (event: SessionEvent) => unknown;

/** The observers of one session; an event is built only when someone listens. */
export function observers(): {
  add(observer: SessionObserver): () => void;
  emit(make: () => SessionEvent): void;
} {
  const all = new Set<SessionObserver>();
  return {
    add(observer) {
      // As `addEventListener`: the same function observing twice is told once.
      all.add(observer);
      return () => {
        all.delete(observer);
      };
    },
    emit(make) {
      if (all.size === 0) return;
      const event = make();
      for (const observer of [...all]) {
        try {
          const result = observer(event);
          // An async observer may reject; that must not become an unhandled rejection.
          if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
            (result as PromiseLike<unknown>).then(undefined, () => undefined);
          }
        } catch {
          // An observer that throws changes nothing for the session or its requests.
        }
      }
    },
  };
}
