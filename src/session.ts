/**
 * The session: one refresh at a time and what follows from its outcome, for every transport.
 * Nothing here needs axios; each transport says how it shows the session's outcomes (see
 * {@link Transport}).
 */
import { isSessionExpiredError } from './codes.js';
import type { SessionExpiredErrorLike } from './codes.js';
import { RefreshFailure, backoff, describeRequest, isRejection, naming } from './refresh-outcome.js';
import { ownCalls } from './own-calls.js';
import type { AccessToken } from './bearer.js';
import type { Expiry } from './expiry.js';
import type { Challenges } from './challenges.js';
import { sessionOrigins } from './origins.js';
import type { SessionEndedEvent, Tell } from './events.js';
import { checkSessionOptions, rethrowMistake } from './checks.js';
import { REFRESH_TIMEOUT } from './session-options.js';
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
   * 401 refreshes. A log-in sent through an intercepted instance with `skipAuthRefresh` that
   * succeeds, or a bearer session's `accessToken` giving a new token, does this by itself.
   * Does nothing to a session that has not ended.
   */
  begin(): void;
  /** @internal Set by `observe`: what the session tells its observers of. */
  tell: Tell | undefined;
  /** @internal Settled refreshes so far; a request records it when it is sent. */
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
   * `apply` installs them, and requests sent before are retried without refreshing.
   */
  adopt(apply?: () => void): void;
  /** @internal The session ended elsewhere (another tab, or the app logging out). */
  expire(cause: unknown, by: 'app' | 'other-tab'): void;
  /** @internal Another tab's refresh failed transiently: no refresh here before `until` either. */
  pause(until: number, cause: unknown): void;
  /** @internal True while the code running was called by this session's `refresh`: its requests are its own. */
  owns(): boolean;
  /** @internal Abandons the refresh in flight, for an interceptor's own session when it is ejected. */
  dispose(): void;
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
  context(trigger: RefreshTrigger, signal: AbortSignal): Context;
  /** The failure for a refresh that resolved with a failed answer; `undefined` when it succeeded. */
  answer(value: unknown): unknown;
  /** The error `onSessionExpired` and observers are given; `trigger` is absent for an end no request started. */
  expired(cause: unknown, trigger?: RefreshTrigger): Expired;
  /** What a refresh failure is to a caller outside any request. */
  failed(failure: unknown): unknown;
}

/** @internal Told about each refresh, so an instance can see what it changed in its defaults. */
export interface SessionListener {
  started(): void;
  succeeded(epoch: number): void;
  /** The bare client a refresh started from this instance gets. */
  client(): unknown;
}

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

const noop = (): void => {};

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
  /** A transient failure here: no refresh before `until`. */
  cooled?: ((until: number, cause: unknown) => void) | undefined;
  /** A log-in here started the session again. */
  began?: (() => void) | undefined;
}

/** The refresh call in flight, from its start until it settles, however late. */
interface Flight {
  readonly controller: AbortController;
  /** The log-in it belongs to: one from before the latest log-in changes nothing when it settles. */
  life: number;
  readonly ahead: boolean;
  readonly began: number;
  /** Settles when the call does, without a value. */
  settled: Promise<void>;
  waited: number;
  /** What the requests waiting now are given; a new wave starts for those who come after a timeout. */
  wave: Wave | undefined;
}

interface Wave {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(failure: RefreshFailure): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * @internal {@link createRefreshSession}, with the hooks a tab session needs.
 *
 * The session is always in one of the states of {@link SessionState}, and only the functions
 * marked "move" below change them:
 *
 * - `live`: a 401 (or an expiry within the margin) starts a refresh: `refreshing`.
 * - `refreshing`: the call is out. Requests wait for it, each wave for at most `refreshTimeout`;
 *   a timeout releases the waiters and aborts the signal, but no other refresh starts until the
 *   call settles. It settles into `live` (new credentials), `ended` (rejected) or `cooling-down`
 *   (transient).
 * - `cooling-down`: no refresh reaches the server until `Retry-After` or the backoff has passed;
 *   a 401 fails at once with `RefreshFailedError`. Then `live` again, without a timer.
 * - `ended`: a 401 fails at once with `SessionExpiredError`, nothing refreshes and nothing is
 *   reported again, until a log-in ({@link RefreshSession.begin}, a `skipAuthRefresh` request
 *   that succeeds, or a new bearer token) makes it `live`.
 * - Any state moves to `ended` on `end()` in any tab; a refresh the end overtook is ignored when
 *   it settles, and so is one from before a log-in.
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
  // Held weakly: an instance that shares a long-lived session and is dropped without `eject`
  // must still be collected, and must not cost every later refresh a look at its headers.
  const listeners = new Set<{ deref(): SessionListener | undefined }>();
  // Drops the entry of a collected listener at once, not at the next refresh: a server that
  // makes an instance per request would otherwise pile them up between refreshes.
  const forget =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<{ deref(): SessionListener | undefined }>((ref) => listeners.delete(ref))
      : undefined;
  const notify = (event: 'started' | 'succeeded'): void => {
    for (const ref of listeners) {
      const listener = ref.deref();
      if (listener) listener[event](epoch);
      else listeners.delete(ref);
    }
  };
  const own = ownCalls();

  // The whole state of the session. `epoch` moves on with every settled refresh, end and
  // log-in, and requests are stamped with it when they are sent.
  let epoch = 0;
  let lastSuccess = 0;
  let life = 0;
  let flight: Flight | undefined;
  let ended: { failure: RefreshFailure; token: string | undefined } | undefined;
  let cooling: { until: number; failure: RefreshFailure } | undefined;
  // Transient failures in a row, for the backoff.
  let failures = 0;

  /** The cooldown in force: read from the clock when asked, so that no timer runs for it. */
  const coolingNow = (): typeof cooling => (cooling && Date.now() < cooling.until ? cooling : undefined);

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

  /** Move: new credentials; `answer` is what `refresh` resolved with, when it ran here. */
  function succeeded(answer?: unknown): void {
    epoch += 1;
    lastSuccess = epoch;
    failures = 0;
    cooling = undefined;
    ahead?.refreshed(answer);
    notify('succeeded');
  }

  /** Move: a transient failure; no refresh until the backoff or `Retry-After` has passed. */
  function cool(failure: RefreshFailure): void {
    epoch += 1;
    failures += 1;
    const now = Date.now();
    failure.retryAt = now + backoff(failure.cause, failures, now);
    cooling = { until: failure.retryAt, failure };
    hooks.cooled?.(failure.retryAt, failure.cause);
  }

  /** Move: the session is over, whatever it was doing; reported once, after its waiters. */
  function end(failure: RefreshFailure, by: EndedBy | undefined, trigger?: RefreshTrigger, wave = flight?.wave): void {
    if (ended) return;
    epoch += 1;
    ended = { failure, token: tokenNow() };
    cooling = undefined;
    if (flight) flight.wave = undefined;
    release(wave, failure);
    if (wave) {
      wave.promise.catch(() => {
        report(failure, by, trigger);
      });
    }
    else report(failure, by, trigger);
  }

  /** Move: a new log-in; requests sent before it are retried once without refreshing. */
  function begin(): void {
    if (!ended) return;
    ended = undefined;
    life += 1;
    failures = 0;
    epoch += 1;
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

  function release(wave: Wave | undefined, failure?: RefreshFailure): void {
    if (!wave) return;
    clearTimeout(wave.timer);
    if (failure) wave.reject(failure);
    else wave.resolve();
  }

  /** Runs `refresh`, turning whatever it does into its answer or a {@link RefreshFailure}. */
  function call(trigger: RefreshTrigger, signal: AbortSignal): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      // Inside a promise, so that a synchronous throw is a failed refresh too.
      resolve(own.run(() => refresh(transport.context(trigger, signal))));
    }).then(
      (value) => {
        const failed = transport.answer(value);
        if (failed) throw new RefreshFailure(isRejection(failed), failed);
        return value;
      },
      (cause: unknown) => {
        throw new RefreshFailure(isRejection(cause), cause);
      },
    );
  }

  /** Move: live to refreshing. */
  function start(trigger: RefreshTrigger): Promise<void> {
    notify('started');
    session.tell?.('refresh-started', undefined, trigger);
    const controller = new AbortController();
    const current: Flight = {
      controller,
      life,
      ahead: trigger.error === undefined,
      began: Date.now(),
      settled: Promise.resolve(),
      waited: 0,
      wave: undefined,
    };
    // In flight before `refresh` runs, so that a request it sends is seen as its own.
    flight = current;
    const outcome = call(trigger, controller.signal);
    current.settled = outcome.then(noop, noop);
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
      failure.ahead = current.ahead;
      failure.startedBy = trigger.by ?? describeRequest(trigger.config);
    }
    if (ended || current.life !== life) {
      release(wave, failure ?? ended?.failure);
      return;
    }
    if (!failure) {
      succeeded(answer);
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
  function lateFailure(current: Flight): RefreshFailure {
    // The likely cause in a browser, where a request `refresh` sends after an `await` through an
    // intercepted instance cannot be told from any other and waits for the refresh itself. A
    // long hint, so only in development builds, as the checks are.
    let hint = '';
    try {
      if (process.env.NODE_ENV !== 'production') hint = ' (a request it sends through an intercepted instance waits for it: send it with `client`)';
    } catch {
      // No `process` (plain ESM in a browser): no hint.
    }
    const error = new Error(`The refresh did not settle within ${timeout} ms${hint}`);
    error.name = 'TimeoutError';
    const failure = new RefreshFailure(false, error);
    failure.ahead = current.ahead;
    return failure;
  }

  function timedOut(current: Flight): void {
    const failure = lateFailure(current);
    const error = failure.cause;
    current.controller.abort(error);
    const wave = current.wave;
    current.wave = undefined;
    release(wave, failure);
    session.tell?.('refresh-failed', current, failure);
  }

  function join(current: Flight): Promise<void> {
    current.waited += 1;
    if (!current.wave) {
      let resolve = noop;
      let reject: (failure: RefreshFailure) => void = noop;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Every waiter handles the failure; this keeps a wave nobody waits for any more quiet.
      promise.catch(noop);
      current.wave = {
        promise,
        resolve,
        reject,
        timer: setTimeout(() => {
          timedOut(current);
        }, timeout),
      };
    }
    return current.wave.promise;
  }

  /** The refresh in flight, or, for one from before a log-in, a look again once it settled. */
  function waitOut(current: Flight, then: () => Promise<void>): Promise<void> {
    if (current.life === life) return join(current);
    // No refresh starts before that one's call settles; a request gives up after refreshTimeout.
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(lateFailure(current));
      }, timeout);
      void current.settled.then(() => {
        clearTimeout(timer);
        then().then(resolve, reject);
      });
    });
  }

  const expiring = (): boolean => ahead !== undefined && ahead.due();

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
    begin,
    owns: () => own.active(),
    recover(sentEpoch, trigger) {
      revive();
      if (ended) return Promise.reject(ended.failure);
      if (flight) return waitOut(flight, () => session.recover(sentEpoch, trigger));
      if (lastSuccess > sentEpoch) return Promise.resolve();
      const cool = coolingNow();
      if (cool) return Promise.reject(cool.failure);
      return start(trigger);
    },
    due() {
      revive();
      if (ended) return false;
      return flight !== undefined || (!coolingNow() && expiring());
    },
    renew(trigger) {
      if (ended) return Promise.resolve();
      if (flight) return waitOut(flight, () => session.renew(trigger));
      return state() === 'live' && expiring() ? start(trigger) : Promise.resolve();
    },
    subscribe(listener) {
      const ref = typeof WeakRef === 'function' ? new WeakRef(listener) : { deref: () => listener };
      listeners.add(ref);
      forget?.register(listener, ref, ref);
      return () => {
        listeners.delete(ref);
        forget?.unregister(ref);
      };
    },
    client() {
      let last: SessionListener | undefined;
      for (const ref of listeners) last = ref.deref() ?? last;
      return last?.client();
    },
    adopt(apply) {
      notify('started');
      apply?.();
      succeeded();
      session.tell?.('tokens-adopted');
    },
    expire(cause, by) {
      end(new RefreshFailure(true, cause), by);
    },
    pause(until, cause) {
      if (ended || until <= Date.now() || (cooling && cooling.until >= until)) return;
      const failure = new RefreshFailure(false, cause);
      failure.retryAt = until;
      cooling = { until, failure };
    },
    dispose() {
      listeners.clear();
      const current = flight;
      if (!current) return;
      // An ejected interceptor's own session is never used again: nothing waits for its call.
      flight = undefined;
      current.life = -1;
      const wave = current.wave;
      current.wave = undefined;
      current.controller.abort();
      release(wave, new RefreshFailure(false, new Error('The refresh interceptor was ejected')));
    },
  };
  return session;
}
