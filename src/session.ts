/**
 * The session: one refresh at a time and what follows from its outcome, for every transport.
 * Nothing here needs axios; each transport says how it shows the session's outcomes (see
 * {@link Transport}).
 */
import { isSessionExpiredError } from './codes.js';
import type { SessionExpiredErrorLike } from './codes.js';
import { RefreshFailure, backoff, describeRequest, naming } from './refresh-outcome.js';
import { callRefresh, lateFailure, latest, newFlight, newWave, noop, release } from './flight.js';
import type { Flight } from './flight.js';
import { lastListener, listen, notify } from './listeners.js';
import type { Listeners, SessionListener } from './listeners.js';
import { ownCalls } from './own-calls.js';
import type { AccessToken } from './bearer.js';
import type { Expiry } from './expiry.js';
import type { Challenges } from './challenges.js';
import { sessionOrigins } from './origins.js';
import type { SessionEndedEvent, Tell } from './events.js';
import { checkSessionOptions, rethrowMistake } from './checks.js';
import { REFRESH_TIMEOUT } from './session-options.js';
import { monotonic } from './clock.js';
import type { CommonSessionOptions } from './session-options.js';

/**
 * One login session: the single refresh in flight, and a count of settled refreshes
 * that requests are stamped with when they are sent. Several axios instances that talk to
 * the same auth server can share one (see {@link createRefreshSession}). Every interceptor
 * has one, as {@link RefreshInterceptor.session}.
 */
export interface RefreshSession {
  /**
   * Where the session is in its life: `live`, `refreshing` (a refresh call is out, even one that
   * outlived `refreshTimeout`), `cooling-down` (a refresh failed transiently; none reaches the
   * server before the backoff or `Retry-After` has passed) or `ended` (the server rejected a
   * refresh, or the app ended it; until a log-in, a 401 rejects at once).
   */
  readonly state: SessionState;
  /** True while a refresh call is out. */
  readonly refreshing: boolean;
  /**
   * Tells the session that a new log-in happened that the library could not see (an SSO
   * redirect, a log-in made by another library): an ended session is live again, and the next
   * 401 refreshes; a refresh call out now presented the credentials from before it, and its
   * rejection ends nothing. A log-in sent through an intercepted instance with `skipAuthRefresh`
   * that succeeds, or a bearer session's `accessToken` giving a new token, does this by itself.
   */
  begin(): void;
  /**
   * Ends the session, for example after your log-out request: requests waiting for a refresh
   * reject with `SessionExpiredError`, a refresh call out is aborted and its outcome ignored,
   * `onSessionExpired` runs once (the `session-ended` event says `by: 'app'`), and a request sent
   * before now is never sent again with the credentials of the log-in that comes next, which may
   * be another user's. A log-in makes it live again.
   */
  end(): void;
  /** @internal Set by `observe`: what the session tells its observers of. */
  tell: Tell | undefined;
  /**
   * @internal When the session last moved (a settled refresh, an end, a log-in), on the count of
   * {@link moves} that every session shares; a request records that count when it is sent.
   */
  readonly epoch: number;
  /** @internal The access token the session attaches to requests, when it has `accessToken`. */
  readonly bearer: AccessToken | undefined;
  /** @internal When the access token expires, when the session has `expiresAt`. */
  readonly expiry: Expiry | undefined;
  /** @internal Reads the server's challenges, when the session has `challenges`. */
  readonly challenges: Challenges | undefined;
  /** @internal What a caller outside any request is given for a failed refresh: the transport's error. */
  error(failure: unknown): unknown;
  /** @internal Origins besides an instance's own whose 401s are the session's (`credentialOrigins`). */
  readonly origins: ReadonlySet<string>;
  /** @internal A request sent at `sentEpoch` failed with expired credentials: resolves when it may be retried. */
  recover(sentEpoch: number, trigger: RefreshTrigger): Promise<void>;
  /** @internal True when a request about to go out should wait for a refresh first. */
  due(): boolean;
  /**
   * @internal Before sending: settles with the refresh in flight, or with one started now when
   * the token is about to expire, or at once.
   */
  renew(trigger: RefreshTrigger): Promise<void>;
  /** @internal */
  subscribe(listener: SessionListener): () => void;
  /** @internal The refresh client of the instance attached last that is still alive, for other transports. */
  client(): unknown;
  /**
   * @internal Credentials were renewed without a refresh here (another tab refreshed):
   * `apply` installs them, and requests sent before are retried without refreshing. Only
   * credentials a refresh just gave (`refreshed`) tell the server's time and how long such a token
   * lives; ones handed over from memory or a log-in may be old, and are read like a log-in here.
   */
  adopt(apply?: () => void, refreshed?: boolean): void;
  /**
   * @internal A request sent again with the credentials of the latest refresh (at `sentEpoch`)
   * was refused again: that refresh did not take (its cookie was dropped, its token not stored
   * or refused), and the next one waits out a backoff, as after a transient failure. True when
   * those credentials were handed over by another tab, from memory where they may have expired:
   * the request is refreshed once more, by a refresh of this session's own.
   */
  refused(sentEpoch: number): boolean;
  /** @internal The session ended elsewhere (another tab, or the app logging out). */
  expire(cause: unknown, by: 'app' | 'other-tab'): void;
  /** @internal Another tab's refresh failed transiently: no refresh here before `until` either. */
  pause(until: number, cause: unknown): void;
  /** @internal True while the code running was called by this session's `refresh`: its requests are its own. */
  owns(): boolean;
  /**
   * @internal Abandons the refresh in flight, for an interceptor's own session when it is
   * ejected: its signal aborts, the requests waiting now reject, and its outcome changes nothing.
   */
  dispose(): void;
  /**
   * @internal What the session leaves on an instance it leaves: its refresh call out now, which
   * may still present the same rotating refresh token, and its cooldown, which the auth server
   * asked for. Nothing when it has neither.
   */
  lingering(): Lingering | undefined;
  /**
   * @internal Attached to an instance that an ejected session left `call` on: no refresh starts
   * here until that call settled, however late, as after a late call of its own, nor before that
   * cooldown is over.
   */
  behind(call: Lingering): void;
}

/** @internal What an ejected session left on an instance (see {@link RefreshSession.lingering}). */
export interface Lingering {
  /** Settles when its call does, with `true` when that call succeeded; at once when none was out. */
  readonly settled: Promise<unknown>;
  /** Its cooldown, if one was in force. */
  readonly cooling: { readonly until: number; readonly cause: unknown } | undefined;
}

/** The states of a session's life; see {@link RefreshSession.state}. */
export type SessionState = 'live' | 'refreshing' | 'cooling-down' | 'ended';

/** @internal What a refresh is started from, as the transport that started it has it. */
export interface RefreshTrigger {
  /** The failed answer that started it; `undefined` ahead of expiry. */
  error?: { readonly response?: { readonly status?: number } | undefined } | undefined;
  /** The request that started it, as far as events show it. */
  config: { readonly method?: string | undefined; readonly baseURL?: string | undefined; readonly url?: string | undefined };
  /** What started it when no request did, as errors name it. */
  by?: string | undefined;
  /**
   * True when no failed answer started it but the credentials are known not to work (a token the
   * app reports refused, or none): it is no refresh ahead of expiry, and its failure holds
   * requests back as one a 401 started does.
   */
  stale?: (() => boolean) | undefined;
  /** The refresh client the transport has at hand, if any. */
  client: () => unknown;
}

/**
 * @internal How the entry point that made a session (axios, fetch) shows its outcomes: what
 * `refresh` is given, what it resolves with that counts as failed, and the error
 * `onSessionExpired` is given, whichever transport's request started the refresh.
 */
export interface Transport<Context, Expired extends SessionExpiredErrorLike> {
  /** What `refresh` is given for a refresh started by `trigger`. */
  context(trigger: RefreshTrigger, signal: AbortSignal, superseded: AbortSignal): Context;
  /** The failure for a refresh that resolved with a failed answer; `undefined` when it succeeded. */
  answer(value: unknown): unknown;
  /** The error `onSessionExpired` and observers are given; `trigger` is absent for an end no request started. */
  expired(cause: unknown, trigger?: RefreshTrigger): Expired;
  /** What a refresh failure is to a caller outside any request. */
  failed(failure: unknown): unknown;
}

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** A cooldown: `until` on the wall clock, begun at `since` on it and at `mono` on the monotonic one. */
interface Cooling {
  readonly until: number;
  readonly failure: RefreshFailure;
  readonly since: number;
  readonly mono: number;
}

// Every session's moves, counted together: a request stamped with the count as it goes out can ask
// each session, whenever it was attached, whether it moved since.
let count = 0;

/** @internal How many moves every session has made so far. */
export const moves = (): number => count;

/**
 * @internal What a tab's `refresh` resolves with when the open tabs handed it their credentials
 * from memory instead: it refreshed nothing, so they tell nothing of the server's time or of how
 * long a refresh's token lives.
 */
export const HANDED = {};

/**
 * True for a refresh ahead of expiry that failed transiently: no reason to hold a request back,
 * since the credentials it meant to replace still work.
 */
export function isSoftFailure(failure: unknown): boolean {
  return failure instanceof RefreshFailure && failure.ahead && !failure.expired;
}

type EndedBy = SessionEndedEvent['by'];

/** Who ended a session whose refresh was rejected with `cause`. */
const endedByDefault = (cause: unknown): EndedBy => (isSessionExpiredError(cause) ? 'app' : 'server');

/**
 * @internal What a session built on this one (tabs) is told of, and may decide: who ended a
 * session whose refresh was rejected with `cause` (`undefined`: its end was reported already),
 * and the moves that other tabs should hear of.
 */
export interface SessionHooks {
  endedBy?: ((cause: unknown) => EndedBy | undefined) | undefined;
  /**
   * A transient failure here: no refresh before `until`, or before what this returns when that
   * is later (the cooldown other tabs are in, the backoff of their failures in a row).
   */
  cooled?: ((until: number, cause: unknown) => number) | undefined;
  /** A log-in here started the session again. */
  began?: (() => void) | undefined;
}

/**
 * @internal {@link createRefreshSession}, with the hooks a tab session needs.
 *
 * The session is always in one of the states of {@link SessionState}, and only the functions
 * marked "move" below change them:
 *
 * - `live`: a 401 (or an expiry within the margin) starts a refresh: `refreshing`. The retry
 *   made for the latest refresh refused again with what it gave: `cooling-down`, since that
 *   refresh did not take (`refused`).
 * - `refreshing`: the call is out. Requests wait for it, each wave for at most `refreshTimeout`;
 *   a timeout releases the waiters and aborts the signal, but no other refresh starts until the
 *   call settles. It settles into `live` (new credentials), `ended` (rejected) or `cooling-down`
 *   (transient).
 * - `cooling-down`: no refresh reaches the server until `Retry-After` or the backoff has passed;
 *   a 401 fails at once with `RefreshFailedError`. Then `live` again, without a timer.
 * - `ended`: a 401 fails at once with `SessionExpiredError`, nothing refreshes and nothing is
 *   reported again, until a log-in ({@link RefreshSession.begin}, a `skipAuthRefresh` request
 *   that succeeds, or a new bearer token) makes it `live`; a 401 of a request sent before the
 *   end still fails so then, since that request was the dead session's.
 * - Any state moves to `ended` on `end()` in any tab; a refresh the end overtook has its signal
 *   aborted and is ignored when it settles, and so is one from before a log-in.
 */
export function createSession<Context, Expired extends SessionExpiredErrorLike>(options: CommonSessionOptions<Context, Expired>, transport: Transport<Context, Expired>, hooks: SessionHooks = {}): RefreshSession {
  try {
    if (process.env.NODE_ENV !== 'production') checkSessionOptions(options);
  } catch (error) {
    rethrowMistake(error);
  }
  const { refresh, onSessionExpired } = options;
  const timeout = options.refreshTimeout ?? REFRESH_TIMEOUT;
  const { expiresAt: ahead, accessToken: bearer } = options;
  const origins = sessionOrigins(options);
  const endedBy = hooks.endedBy ?? endedByDefault;
  const listeners: Listeners = new Set();
  const own = ownCalls();

  // The whole state of the session. `epoch` is the count of its latest move (a settled refresh,
  // an end, a log-in), `lastSuccess` that of its latest new credentials.
  let epoch = 0;
  let lastSuccess = 0;
  let life = 0;
  let flight: Flight | undefined;
  let ended: { failure: RefreshFailure; token: string | undefined; at: number } | undefined;
  // The latest end, kept after a log-in: a request sent before it was the dead session's, maybe
  // another user's, and its 401 is never sent again with the next log-in's credentials.
  let last: typeof ended;
  let cooling: Cooling | undefined;
  // Transient failures in a row, for the backoff.
  let failures = 0;
  // Refreshes in a row whose credentials the server refused (see `refused`), and the latest success
  // counted in it: a success that no refusal followed ends the streak.
  let refusals = 0;
  let refusedAt = -1;
  // The latest success whose credentials another tab handed over from memory (see `HANDED`).
  let handedAt = -1;
  // The call that gave the credentials of a success, and that success: observers told of a refusal
  // of those credentials are told of that call.
  let done: [Flight, number] | undefined;
  // The refresh client of the instance attached last, held strongly (listeners are held weakly):
  // a session whose instances were all dropped, kept for `getAccessToken` or `fetch`, still
  // refreshes with their `baseURL`. It holds that instance's defaults, not the instance.
  let kept: (() => unknown) | undefined;
  // Settles when the calls other sessions left out on this one's instances do (see `behind`).
  let after: Promise<unknown> | undefined;

  /**
   * The cooldown in force: read from the clock when asked, so that no timer runs for it. A wall
   * clock turned back past its start would stretch it by as much: its length is then counted on
   * the monotonic clock. One turned back by less is left alone, since a `Date` that stands still
   * or runs slow (mocked in tests) must hold it, as tests expect.
   */
  const coolingNow = (): Cooling | undefined => {
    if (!cooling) return undefined;
    const now = Date.now();
    if (now >= cooling.since) return now < cooling.until ? cooling : undefined;
    const left = cooling.until - cooling.since - (monotonic() - cooling.mono);
    if (left <= 0) return undefined;
    // The errors a refusal gives say when to try again in the clock as it reads now.
    cooling.failure.retryAt = now + Math.ceil(left);
    return cooling;
  };
  const coolUntil = (until: number, failure: RefreshFailure): Cooling => ({ until, failure, since: Date.now(), mono: monotonic() });

  function state(): SessionState {
    if (ended) return 'ended';
    if (flight) return 'refreshing';
    return coolingNow() ? 'cooling-down' : 'live';
  }

  const tokenNow = (): string | undefined => {
    try {
      return bearer ? bearer.token() : undefined;
    } catch {
      return undefined;
    }
  };

  /**
   * Move: new credentials; `answer` is what `refresh` resolved with, when it ran here. Credentials
   * `given` by another tab without a refresh tell nothing of the server's time or of their lifetime.
   */
  function succeeded(answer?: unknown, given?: boolean): void {
    if (refusedAt !== lastSuccess) refusals = 0;
    epoch = ++count;
    lastSuccess = epoch;
    failures = 0;
    cooling = undefined;
    if (!given) ahead?.refreshed(answer);
    notify(listeners, 'succeeded', epoch);
  }

  /** Move: a transient failure; no refresh until the backoff or `Retry-After` has passed. */
  function cool(failure: RefreshFailure): void {
    epoch = ++count;
    failures += 1;
    const now = Date.now();
    const until = now + backoff(failure.cause, failures, now);
    failure.retryAt = Math.max(until, hooks.cooled?.(until, failure.cause) ?? 0);
    cooling = coolUntil(failure.retryAt, failure);
  }

  /** Move: the session is over, whatever it was doing; reported once, after its waiters. */
  function end(failure: RefreshFailure, by: EndedBy | undefined, trigger?: RefreshTrigger, wave = flight?.wave): void {
    epoch = ++count;
    // An end again (the app's log-out after the server's): a request sent before it is the dead
    // session's too, and nothing is reported twice.
    if (ended) {
      ended.at = epoch;
      return;
    }
    failure.by = by;
    last = ended = { failure, token: tokenNow(), at: epoch };
    cooling = undefined;
    if (flight) {
      // Nothing waits for its outcome now, nor its one timer, which would have aborted it.
      flight.wave = undefined;
      flight.controller.abort();
      flight.superseded.abort();
    }
    release(wave, failure);
    if (wave) {
      wave.promise.catch(() => {
        report(failure, by, trigger);
      });
    }
    else report(failure, by, trigger);
  }

  /** Move: a new log-in; requests sent since the end are retried once without refreshing. */
  function begin(): void {
    if (!ended) return;
    ended = undefined;
    life += 1;
    failures = refusals = 0;
    epoch = ++count;
    lastSuccess = epoch;
    hooks.began?.();
    session.tell?.('session-began');
  }

  /** A bearer session is live again once `accessToken` gives a token other than the refused one. */
  function revive(): void {
    if (!ended || !bearer) return;
    const token = tokenNow();
    if (token !== undefined && token !== ended.token) begin();
  }

  function report(failure: RefreshFailure, by: EndedBy | undefined, trigger?: RefreshTrigger): void {
    if (!by) return;
    const error = naming(transport.expired(failure.cause, trigger), failure);
    session.tell?.('session-ended', undefined, by, error);
    if (!onSessionExpired) return;
    try {
      // An async handler may reject; that must not become an unhandled rejection.
      const result: unknown = onSessionExpired(error);
      Promise.resolve(result).catch(noop);
    } catch {
      // The app's handler failing must not keep the waiting requests from settling.
    }
  }

  /** Move: live to refreshing. */
  function start(trigger: RefreshTrigger): Promise<void> {
    notify(listeners, 'started', epoch);
    session.tell?.('refresh-started', undefined, trigger);
    const current = newFlight(life, trigger.error === undefined && !trigger.stale?.(), tokenNow());
    // In flight before `refresh` runs, so that a request it sends is seen as its own.
    flight = current;
    const call = (): unknown => own.run(() => refresh(transport.context(trigger, current.controller.signal, current.superseded.signal)));
    const before = after;
    // A call waiting behind one that succeeded has nothing left to do, as after a late call of its own.
    const outcome = callRefresh(before ? () => before.then((renewed) => (renewed === true ? undefined : call())) : call, (answer) => transport.answer(answer));
    current.settled = outcome.then(() => true, () => false);
    outcome.then(
      (answer) => {
        settle(current, undefined, trigger, answer);
      },
      (failure: unknown) => {
        settle(current, failure as RefreshFailure, trigger);
      },
    );
    return join(current);
  }

  /** Move: the call settled, into live, ended or cooling-down; ignored when an end or a log-in overtook it. */
  function settle(current: Flight, failure: RefreshFailure | undefined, trigger: RefreshTrigger, answer?: unknown): void {
    if (flight === current) flight = undefined;
    const wave = current.wave;
    current.wave = undefined;
    if (failure) {
      failure.ahead = current.ahead && works();
      failure.startedBy = trigger.by ?? describeRequest(trigger.config);
    }
    if (ended || current.life !== life) {
      // The token a call that an end overtook stored is no log-in: a log-in after this gives another.
      if (ended) ended.token = tokenNow();
      release(wave, failure ?? ended?.failure);
      return;
    }
    // A bearer token other than the one the call set out with (and not none) is a log-in's.
    const token = tokenNow();
    const loggedIn = current.superseded.signal.aborted || (token !== undefined && token !== current.token);
    if (failure && loggedIn && !isSessionExpiredError(failure.cause)) {
      // The call failed with credentials that a log-in replaced while it was out (or was aborted
      // for it, through `superseded`): its waiters are sent again with the log-in's, as is any
      // request sent before it, and the backoff starts over, as after any log-in. Observers hear of
      // a failed call that ended nothing. An end the app's own `refresh` chose still ends.
      epoch = ++count;
      lastSuccess = epoch;
      failures = 0;
      session.tell?.('refresh-failed', current, new RefreshFailure(false, failure.cause));
      release(wave);
      return;
    }
    if (!failure) {
      succeeded(answer, answer === HANDED);
      if (answer === HANDED) handedAt = lastSuccess;
      done = [current, lastSuccess];
      session.tell?.('refresh-succeeded', current);
      release(wave);
      return;
    }
    if (!failure.expired) cool(failure);
    session.tell?.('refresh-failed', current, failure);
    if (failure.expired) end(failure, endedBy(failure.cause), trigger, wave);
    else release(wave, failure);
  }

  /** The waiters of this wave give up after `refreshTimeout`; the call itself goes on, and still counts. */
  function timedOut(current: Flight): void {
    const failure = lateFailure(timeout, current);
    failure.ahead &&= works();
    current.late = true;
    const error = failure.cause;
    current.controller.abort(error);
    const wave = current.wave;
    current.wave = undefined;
    release(wave, failure);
    session.tell?.('refresh-failed', current, failure);
  }

  function join(current: Flight): Promise<void> {
    current.waited += 1;
    current.wave ??= newWave(timeout, () => {
      timedOut(current);
    });
    return current.wave.promise;
  }

  /** The refresh in flight, or, for one from before a log-in, a look again once it settled. */
  function waitOut(current: Flight, then: () => Promise<void>): Promise<void> {
    if (current.life === life) return join(current);
    // No refresh starts before that one's call settles; a request gives up after refreshTimeout.
    return new Promise((resolve, reject) => {
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        reject(lateFailure(timeout, current));
      }, timeout);
      void current.settled.then(() => {
        clearTimeout(timer);
        // A request that gave up starts nothing when the call settles later.
        if (!gaveUp) then().then(resolve, reject);
      });
    });
  }

  const expiring = (): boolean => ahead !== undefined && ahead.due();
  // Whether the access token still works, as far as the session knows: a refresh ahead of expiry
  // that fails transiently then holds nothing back, and one that fails past the expiry does.
  const works = (): boolean => ahead?.fresh(0) ?? true;

  const session: RefreshSession = {
    get state() {
      revive();
      return state();
    },
    get refreshing() {
      return flight !== undefined;
    },
    get epoch() {
      return epoch;
    },
    bearer,
    expiry: ahead,
    challenges: options.challenges,
    error: (failure) => transport.failed(failure),
    origins,
    tell: undefined,
    end() {
      end(new RefreshFailure(true, new Error('The session was ended by the app')), 'app');
    },
    begin() {
      // A refresh call out now presented the credentials from before the log-in: its rejection ends
      // nothing, and what it gives is not to be stored over the log-in's.
      flight?.superseded.abort();
      begin();
    },
    owns: () => own.active(),
    recover(sentEpoch, trigger) {
      revive();
      // While ended, `last` is that end.
      if (last && (ended || sentEpoch < last.at)) return Promise.reject(last.failure);
      if (flight) return waitOut(flight, () => session.recover(sentEpoch, trigger));
      if (lastSuccess > sentEpoch) return Promise.resolve();
      const cool = coolingNow();
      if (cool) return Promise.reject(cool.failure);
      return start(trigger);
    },
    due() {
      revive();
      if (ended) return false;
      // A refresh ahead whose waiters gave up holds no more requests while the token works.
      if (flight) return !(flight.late && flight.ahead && works());
      return !coolingNow() && expiring();
    },
    renew(trigger) {
      if (ended) return Promise.resolve();
      if (flight) return waitOut(flight, () => session.renew(trigger));
      return state() === 'live' && expiring() ? start(trigger) : Promise.resolve();
    },
    subscribe(listener) {
      const stop = listen(listeners, listener);
      const { client } = listener;
      kept = client;
      return () => {
        if (kept === client) kept = undefined;
        stop();
      };
    },
    client: () => (lastListener(listeners)?.client ?? kept)?.(),
    adopt(apply, refreshed) {
      notify(listeners, 'started', epoch);
      apply?.();
      succeeded(undefined, !refreshed);
      session.tell?.('tokens-adopted');
    },
    refused(sentEpoch) {
      if (ended || flight || sentEpoch < lastSuccess || refusedAt === lastSuccess || coolingNow()) return false;
      if (handedAt === lastSuccess) return true;
      refusedAt = lastSuccess;
      // The backoff goes on from the streak of such refreshes, not from the transient failures before.
      failures = refusals++;
      const failure = new RefreshFailure(false, new Error('The server refused the refreshed credentials'));
      cool(failure);
      session.tell?.('refresh-failed', done?.[1] === lastSuccess ? done[0] : undefined, failure);
      return false;
    },
    expire(cause, by) {
      end(new RefreshFailure(true, cause), by);
    },
    pause(until, cause) {
      if (ended || until <= Date.now() || (cooling && cooling.until >= until)) return;
      const failure = new RefreshFailure(false, cause);
      failure.retryAt = until;
      cooling = coolUntil(until, failure);
    },
    lingering() {
      const cool = coolingNow();
      return flight || cool ? { settled: flight?.settled ?? Promise.resolve(), cooling: cool && { until: cool.until, cause: cool.failure.cause } } : undefined;
    },
    behind({ settled, cooling }) {
      const mine = (after = latest(after, settled));
      void mine.then(() => {
        if (after === mine) after = undefined;
      });
      if (cooling) session.pause(cooling.until, cooling.cause);
    },
    dispose() {
      const current = flight;
      if (!current) return;
      // Its outcome changes nothing, as a call from before a log-in. It stays the call in flight
      // until it settles, however late: an instance or a `fetch` that shares this session waits
      // for it, and never starts a second call beside it.
      current.life = -1;
      const wave = current.wave;
      current.wave = undefined;
      current.controller.abort();
      release(wave, new RefreshFailure(false, new Error('The refresh interceptor was ejected')));
    },
  };
  return session;
}
