import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { RefreshFailedError, SessionExpiredError, isSessionExpiredError, statusError } from './errors.js';
import { checkOrigins, createBearer, inMilliseconds, jwtExpiry } from './bearer.js';
import type { Bearer } from './bearer.js';
import { observers } from './events.js';
import type { RequestSummary, SessionEndedEvent, SessionObserver } from './events.js';
import { defaults, validateSessionOptions } from './options.js';
import type { SessionOptions } from './options.js';

/**
 * One login session: the single refresh in flight, and a count of settled refreshes
 * that requests are stamped with when they are sent. Several axios instances that talk to
 * the same auth server can share one (see {@link createRefreshSession}). Every interceptor
 * has one, as {@link RefreshInterceptor.session}.
 */
export interface RefreshSession {
  /** True while a refresh is running. */
  readonly refreshing: boolean;
  /**
   * Tells `observer` what happens to the session from now on: a refresh started, succeeded or
   * failed, the session ended, another tab's credentials were taken. Events are made only while
   * someone observes; what the observer returns, throws or rejects with changes nothing.
   * @returns A function that stops it.
   *
   * @example
   * ```ts
   * const stop = interceptor.session.observe((event) => logger.info(`auth: ${event.type}`, event));
   * ```
   */
  observe(observer: SessionObserver): () => void;
  /** @internal Settled refreshes so far; a request records it when it is sent. */
  readonly epoch: number;
  /** @internal The access token the session attaches to requests, when it has `accessToken`. */
  readonly bearer: Bearer | undefined;
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
  client(): AxiosInstance | undefined;
  /**
   * @internal Credentials were renewed without a refresh here (another tab refreshed):
   * `apply` installs them, and requests sent before are retried without refreshing.
   */
  adopt(apply?: () => void): void;
  /** @internal The session ended elsewhere (another tab, or the app logging out). */
  expire(cause: unknown, by: 'app' | 'other-tab'): void;
  /** @internal Abandons the refresh in flight, for an interceptor's own session when it is ejected. */
  dispose(): void;
}

/** @internal What a refresh is started from. */
export interface RefreshTrigger {
  error?: AxiosError | undefined;
  config: InternalAxiosRequestConfig;
  client: () => AxiosInstance;
}

/** @internal Told about each refresh, so an instance can see what it changed in its defaults. */
export interface SessionListener {
  started(): void;
  succeeded(epoch: number): void;
  /** The bare client a refresh started from this instance gets. */
  client(): AxiosInstance;
}

/** @internal Why a refresh did not give new credentials. */
export class RefreshFailure extends Error {
  /** Set for a refresh started ahead of expiry rather than by a failed request. */
  ahead = false;

  constructor(
    readonly expired: boolean,
    override readonly cause: unknown,
  ) {
    // Never shown: the interceptor turns it into the error each waiting request rejects with.
    super();
  }
}

const noop = (): void => {};

/**
 * True for a refresh ahead of expiry that failed transiently: no reason to hold a request back,
 * since the credentials it meant to replace still work.
 */
export function isSoftFailure(failure: unknown): boolean {
  return failure instanceof RefreshFailure && failure.ahead && !failure.expired;
}

/**
 * What a request that waited on a refresh rejects with: {@link SessionExpiredError} or
 * {@link RefreshFailedError} for a failed refresh, anything else as it is.
 */
export function requestError(failure: unknown, config: InternalAxiosRequestConfig, response?: AxiosResponse): unknown {
  if (!(failure instanceof RefreshFailure)) return failure;
  // A request held before it was sent carries the refresh's answer instead of one of its own,
  // so that retry plugins see an HTTP answer and not what looks like a network error.
  const answer = response ?? (failure.cause as { response?: AxiosResponse } | null | undefined)?.response;
  return failure.expired
    ? new SessionExpiredError(failure.cause, config, answer)
    : new RefreshFailedError(failure.cause, config, answer);
}

/** Answers to a refresh that are worth trying again later: timeout and rate limit. */
const TRANSIENT = new Set([408, 429]);

/** True when the refresh failed because the server refused the credentials: the session is over. */
export function isRejection(cause: unknown): boolean {
  if (isSessionExpiredError(cause)) return true;
  const status = (cause as { response?: { status?: unknown } } | null | undefined)?.response?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && !TRANSIENT.has(status);
}

interface ResponseLike {
  status?: unknown;
  config?: unknown;
  headers?: unknown;
}

/**
 * A refresh that resolved with an axios response whose status is not 2xx (its client resolves
 * what a permissive `validateStatus` lets through) failed: the error axios would have thrown.
 */
function failedAnswer(value: unknown): AxiosError | undefined {
  const response = value as ResponseLike | null | undefined;
  const status = response?.status;
  if (typeof status !== 'number' || status === 0 || (status >= 200 && status < 300)) return undefined;
  if (typeof response?.headers !== 'object' || typeof response.config !== 'object') return undefined;
  return statusError(value as AxiosResponse);
}

/** The request that started a refresh, without its query string, headers or body. */
function summary({ config, error }: RefreshTrigger): RequestSummary {
  return { method: config.method, baseURL: config.baseURL, url: config.url?.split('?')[0], status: error?.response?.status };
}

/**
 * Makes a session that several instances can share, so that they make one refresh call and
 * one `onSessionExpired` call between them.
 *
 * @param options How the session refreshes and what it does when it cannot.
 * @returns A session to pass to {@link createRefreshInterceptor} as `{ session }`.
 * @throws TypeError when an option is not what is expected, naming the option.
 *
 * @example
 * ```ts
 * const session = createRefreshSession({ refresh: ({ client }) => client.post('auth/refresh/') });
 * createRefreshInterceptor(api, { session });
 * createRefreshInterceptor(uploads, { session });
 * ```
 */
export function createRefreshSession(options: SessionOptions): RefreshSession {
  return createSession(options);
}

type EndedBy = SessionEndedEvent['by'];

/** Who ended a session whose refresh was rejected with `cause`. */
const endedByDefault = (cause: unknown): EndedBy => (isSessionExpiredError(cause) ? 'app' : 'server');

/**
 * @internal {@link createRefreshSession}, where `endedBy` may tell that a rejected refresh was
 * ended elsewhere, or (with `undefined`) that its end was reported already.
 */
export function createSession(options: SessionOptions, endedBy: (cause: unknown) => EndedBy | undefined = endedByDefault): RefreshSession {
  validateSessionOptions(options);
  const { refresh, onSessionExpired } = options;
  const timeout = options.refreshTimeout ?? defaults.refreshTimeout;
  const { expiresAt } = options;
  const margin = options.refreshMargin ?? defaults.refreshMargin;
  checkOrigins(options.tokenOrigins);
  const bearer = options.accessToken && createBearer(options.accessToken, options.tokenOrigins);
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
  let epoch = 0;
  let lastSuccess = 0;
  let expired: { epoch: number; failure: RefreshFailure } | undefined;
  let inflight: { promise: Promise<void>; abandon: (failure: RefreshFailure) => void; waited: number } | undefined;
  const events = observers();

  function renewed(): void {
    epoch += 1;
    lastSuccess = epoch;
    expired = undefined;
    ignored = undefined;
    // Refreshing again would give the same: trust 401s until the expiry changes.
    if (expiring()) ignored = expiry();
    notify('succeeded');
  }

  function report(failure: RefreshFailure, by: EndedBy | undefined, trigger?: RefreshTrigger): void {
    if (!by) return;
    const error = new SessionExpiredError(failure.cause, trigger?.config, trigger?.error?.response);
    events.emit(() => ({ type: 'session-ended', by, error }));
    if (!onSessionExpired) return;
    try {
      // An async handler may reject; that must not become an unhandled rejection.
      const result: unknown = onSessionExpired(error);
      Promise.resolve(result).catch(noop);
    } catch {
      // The app's handler failing must not keep the waiting requests from settling.
    }
  }

  function start(trigger: RefreshTrigger): Promise<void> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let abandon: (failure: RefreshFailure) => void = noop;
    const began = Date.now();
    notify('started');
    events.emit(() => ({ type: 'refresh-started', reason: trigger.error ? 'unauthorized' : 'expiring', request: summary(trigger) }));

    const outcome = new Promise<void>((resolve, reject) => {
      abandon = (failure) => {
        controller.abort(failure.cause);
        reject(failure);
      };
      timer = setTimeout(() => {
        const error = new Error(`The refresh did not settle within ${timeout} ms`);
        error.name = 'TimeoutError';
        abandon(new RefreshFailure(false, error));
      }, timeout);
      // Runs `refresh` inside a promise so that a synchronous throw is a failed refresh too.
      new Promise<unknown>((run) => {
        run(refresh({ client: trigger.client(), error: trigger.error, signal: controller.signal }));
      }).then(
        (value) => {
          const failed = failedAnswer(value);
          if (failed) reject(new RefreshFailure(isRejection(failed), failed));
          else resolve();
        },
        (cause: unknown) => {
          reject(new RefreshFailure(isRejection(cause), cause));
        },
      );
    });

    const settle = (): void => {
      clearTimeout(timer);
      inflight = undefined;
    };
    const promise = outcome.then(
      () => {
        settle();
        renewed();
        events.emit(() => ({ type: 'refresh-succeeded', duration: Date.now() - began, waited: flight.waited }));
      },
      (failure: unknown) => {
        settle();
        if (!(failure instanceof RefreshFailure)) throw failure;
        failure.ahead = trigger.error === undefined;
        epoch += 1;
        events.emit(() => ({
          type: 'refresh-failed',
          duration: Date.now() - began,
          waited: flight.waited,
          ended: failure.expired,
          error: failure.cause,
        }));
        if (failure.expired) {
          expired = { epoch, failure };
          // Reported once every request waiting on this refresh has its outcome (their reactions
          // were added before this one), so whatever the handler does cannot change them.
          promise.catch(() => {
            report(failure, endedBy(failure.cause), trigger);
          });
        }
        throw failure;
      },
    );
    // Every waiter handles the failure; this keeps a refresh nobody waits for any more quiet.
    promise.catch(noop);
    const flight = { promise, abandon, waited: 1 };
    inflight = flight;
    return promise;
  }

  function join(flight: { promise: Promise<void>; waited: number }): Promise<void> {
    flight.waited += 1;
    return flight.promise;
  }

  // The expiry decoded from the last token seen, so that a token is decoded once.
  let decoded: { token: string | undefined; at: number | undefined } = { token: undefined, at: undefined };
  // An expiry that a successful refresh left within the margin.
  let ignored: number | undefined;

  function expiry(): number | undefined {
    if (expiresAt) {
      const at = expiresAt();
      return typeof at === 'number' ? inMilliseconds(at, Date.now()) : undefined;
    }
    if (!bearer) return undefined;
    let token: string | undefined;
    try {
      token = bearer.token();
    } catch {
      // A token that cannot be read has no known expiry; the request that sends it fails with why.
      return undefined;
    }
    if (token !== decoded.token) decoded = { token, at: jwtExpiry(token) };
    return decoded.at;
  }

  function expiring(): boolean {
    const at = expiry();
    return at !== undefined && at !== ignored && Date.now() >= at - margin;
  }

  return {
    get refreshing() {
      return inflight !== undefined;
    },
    get epoch() {
      return epoch;
    },
    bearer,
    observe: (observer) => events.add(observer),
    recover(sentEpoch, trigger) {
      if (inflight) return join(inflight);
      if (expired && sentEpoch < expired.epoch) return Promise.reject(expired.failure);
      if (lastSuccess > sentEpoch) return Promise.resolve();
      return start(trigger);
    },
    due() {
      return inflight !== undefined || expiring();
    },
    renew(trigger) {
      if (inflight) return join(inflight);
      return expiring() ? start(trigger) : Promise.resolve();
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
      renewed();
      events.emit(() => ({ type: 'tokens-adopted' }));
    },
    expire(cause, by) {
      const failure = new RefreshFailure(true, cause);
      epoch += 1;
      expired = { epoch, failure };
      report(failure, by);
    },
    dispose() {
      listeners.clear();
      inflight?.abandon(new RefreshFailure(false, new Error('The refresh interceptor was ejected')));
    },
  };
}

export function isRefreshSession(value: unknown): value is RefreshSession {
  return typeof (value as Partial<RefreshSession> | null | undefined)?.recover === 'function';
}
