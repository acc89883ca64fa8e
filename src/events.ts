import type { SessionExpiredErrorLike } from './codes.js';
import type { RefreshSession } from './session.js';
import type { AuthChallenge } from './challenges.js';
import { checkObserveArguments, rethrowMistake } from './checks.js';

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

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
  /**
   * Milliseconds from its start. For a refresh that did not take (reported after its
   * `refresh-succeeded`), to the refusal of its credentials.
   */
  duration: number;
  /** Requests that waited for it, the one that started it included. */
  waited: number;
  /** True when the failure ended the session (a `session-ended` event follows); false when transient. */
  ended: boolean;
  /** Why: the refresh's error or answer, or the timeout. */
  error: unknown;
  /**
   * For a transient failure: when a new refresh may reach the server, in ms since the epoch
   * (`Retry-After`, or the backoff). `undefined` when the session ended, when the refresh
   * timed out and its call is still out (its own outcome is reported when it settles), or when
   * the server rejected a call whose credentials a log-in replaced while it was out (`ended` is
   * false: the log-in's credentials are the session's).
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
  error: SessionExpiredErrorLike;
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
 * A 401 or 403 asked for something a refresh cannot give (step-up authentication, a scope): it
 * was not refreshed. Only with the `challenges` option (`wwwAuthenticate()`).
 */
export interface ChallengedEvent {
  /** Tells the events apart. */
  type: 'challenged';
  /** What the server asked for, parsed from its `WWW-Authenticate`. */
  challenge: AuthChallenge;
  /** The request it answered; `status` is the answer's. */
  request: RequestSummary;
}

/**
 * What {@link observe} reports, told apart by `type`.
 *
 * @example
 * ```ts
 * observe(interceptor.session, (event) => {
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
  | TokensAdoptedEvent
  | ChallengedEvent;

/** A listener given to {@link observe}. What it returns, throws or rejects with is ignored. */
export type SessionObserver = (event: SessionEvent) => unknown;

/**
 * @internal What the session tells its observers of, as raw as it has it, so that an app that
 * observes nothing pays for no event object: the move, the refresh call it concerns, and what
 * else that move has (the request that started a refresh, the failure, who ended the session
 * and the error `onSessionExpired` is given).
 */
export type Tell = (
  type: SessionEvent['type'],
  flight?: { readonly began: number; readonly waited: number },
  detail?: unknown,
  error?: SessionExpiredErrorLike,
) => void;

/** @internal The refresh's request as a log may show it: without query string, headers or body. */
interface Started {
  readonly error?: { response?: { status?: number } } | undefined;
  readonly config: { method?: string | undefined; baseURL?: string | undefined; url?: string | undefined };
}

interface Failure {
  readonly expired: boolean;
  readonly cause: unknown;
  readonly retryAt: number | undefined;
}

/** The part of a session that observers plug into. */
interface Observable {
  /** @internal */
  tell: Tell | undefined;
}

const observed = new WeakMap<object, Set<SessionObserver>>();

function event(type: SessionEvent['type'], flight: { began: number; waited: number } | undefined, detail: unknown, error: SessionExpiredErrorLike | undefined): SessionEvent {
  const duration = flight ? Date.now() - flight.began : 0;
  const waited = flight ? flight.waited : 0;
  switch (type) {
    case 'refresh-started': {
      const { config, error: failed } = detail as Started;
      return {
        type,
        reason: failed ? 'unauthorized' : 'expiring',
        request: { method: config.method, baseURL: config.baseURL, url: config.url?.split('?')[0], status: failed?.response?.status },
      };
    }
    case 'refresh-succeeded':
      return { type, duration, waited };
    case 'refresh-failed': {
      const failure = detail as Failure;
      return { type, duration, waited, ended: failure.expired, error: failure.cause, retryAt: failure.retryAt };
    }
    case 'session-ended':
      return { type, by: detail as SessionEndedEvent['by'], error: error as SessionExpiredErrorLike };
    case 'challenged': {
      const { challenge, config } = detail as { challenge: AuthChallenge; config: Started['config'] };
      return { type, challenge, request: { method: config.method, baseURL: config.baseURL, url: config.url?.split('?')[0], status: challenge.status } };
    }
    default:
      return { type };
  }
}

/**
 * Tells `observer` what happens to `session` from now on: a refresh started, succeeded or failed,
 * the session ended or began again, another tab's credentials were taken. Events are made only
 * while someone observes; what the observer returns, throws or rejects with changes nothing. The
 * same function observing twice is told once, as with `addEventListener`. An app that does not
 * import it does not bundle it.
 *
 * @param session An interceptor's `session`, or one from `createRefreshSession` or `createTabSession`.
 * @returns A function that stops it.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createRefreshInterceptor, observe } from 'axios-refresh-interceptor';
 *
 * const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
 * const interceptor = createRefreshInterceptor(api, { refresh: ({ client }) => client.post('users/refresh/') });
 * const stop = observe(interceptor.session, (event) => {
 *   if (event.type === 'refresh-succeeded') console.info(`refreshed in ${event.duration} ms`);
 *   if (event.type === 'session-ended') console.warn(`session ended by ${event.by}`);
 * });
 * ```
 */
export function observe(session: RefreshSession, observer: SessionObserver): () => void {
  try {
    if (process.env.NODE_ENV !== 'production') checkObserveArguments(session, observer);
  } catch (error) {
    rethrowMistake(error);
  }
  const target = session as unknown as Observable;
  let all = observed.get(session);
  if (!all) {
    const observers = new Set<SessionObserver>();
    all = observers;
    observed.set(session, observers);
    target.tell = (type, flight, detail, error) => {
      if (observers.size === 0) return;
      const made = event(type, flight, detail, error);
      for (const each of [...observers]) {
        try {
          const result = each(made);
          // An async observer may reject; that must not become an unhandled rejection.
          if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
            (result as PromiseLike<unknown>).then(undefined, () => undefined);
          }
        } catch {
          // An observer that throws changes nothing for the session or its requests.
        }
      }
    };
  }
  const observers = all;
  observers.add(observer);
  return () => {
    observers.delete(observer);
  };
}
