/**
 * `fetch` with refreshed credentials, from the `axios-refresh-interceptor/fetch` entry point: on
 * a session of its own made by `createRefreshSession` from here, which needs no axios, or on the
 * same session as axios instances. Apps that do not use it do not bundle it.
 *
 * @module axios-refresh-interceptor/fetch
 */
import { isOwnOrigin, mayReceive, originOf, pageHref } from './origins.js';
import type { AccessToken } from './bearer.js';
import { answerError, notReplayable, requestError } from './fetch-errors.js';
import { answersAtOnce, checkFetchArguments, rethrowMistake } from './checks.js';
import { isOneShot } from './one-shot.js';
import { isSoftFailure } from './session.js';
import type { RefreshSession, RefreshTrigger } from './session.js';

export { createRefreshSession } from './fetch-session.js';
export type { FailedAnswerError, FetchRefreshContext, FetchSessionOptions } from './fetch-session.js';
export { RefreshFailedError, SessionExpiredError } from './fetch-errors.js';
export type { FetchRequestSummary } from './fetch-errors.js';
export {
  ERR_BODY_NOT_REPLAYABLE,
  ERR_REFRESH_FAILED,
  ERR_SESSION_EXPIRED,
  isRefreshFailedError,
  isSessionExpiredError,
} from './codes.js';
export type { RefreshFailedErrorLike, SessionExpiredErrorLike } from './codes.js';
export { bearer } from './bearer.js';
export type { AccessToken } from './bearer.js';
export { expiry, jwtExpiry } from './expiry.js';
export type { Expiry } from './expiry.js';
export { observe } from './events.js';
export { getAccessToken } from './get-access-token.js';
export { challengeOf, wwwAuthenticate } from './challenges.js';
export type { AuthChallenge, Challenges, RefusalCode } from './challenges.js';
export { parseChallenges } from './www-authenticate.js';
export type { Challenge } from './www-authenticate.js';
export type { AccessTokenRequest } from './get-access-token.js';
export { refreshOnWake } from './refresh-on-wake.js';
export type { Wake, WakeOptions } from './refresh-on-wake.js';
export type {
  RefreshFailedEvent,
  RefreshStartedEvent,
  RefreshSucceededEvent,
  RequestSummary,
  SessionBeganEvent,
  SessionEndedEvent,
  SessionEvent,
  SessionObserver,
  TokensAdoptedEvent,
  ChallengedEvent,
} from './events.js';
export type { RefreshSession, SessionState } from './session.js';
export type { CommonSessionOptions } from './session-options.js';

/** A function with the signature of `fetch`: `fetch` itself, or one that adds to what it sends. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Options of {@link createRefreshFetch}. */
export interface RefreshFetchOptions {
  /**
   * The session to refresh through: from {@link createRefreshSession} here (no axios needed),
   * or, to share one refresh with axios instances, from `createRefreshSession` of
   * `axios-refresh-interceptor`, an interceptor's `session`, or `createTabSession`.
   */
  session: RefreshSession;
  /**
   * Whether a response means the credentials have expired. Such a response is not returned: the
   * request waits for the refresh and is sent once more.
   * @default (response) => response.status === 401
   */
  shouldRefresh?: ((response: Response) => boolean) | undefined;
}

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

const noop = (): void => {};

/**
 * What each function made here wraps, and on which session. Wrapping one again on its own
 * session (setup code run again by hot reload, `window.fetch` replaced twice) wraps what it
 * wrapped instead: one layer, so that a call is still sent at most twice and refreshed once.
 */
const made = new WeakMap<FetchLike, { session: RefreshSession; fetchLike: FetchLike }>();

/** One call of the wrapped `fetch`, as far as the session needs to know it. */
interface Call {
  readonly url: string;
  /** The call as the session's events and the errors show it. */
  readonly config: { readonly method: string; readonly url: string };
  readonly signal: AbortSignal | null | undefined;
  /** Gives what to send for each attempt: a `Request` is sent as a copy, kept before it is read. */
  input(): RequestInfo | URL;
  readonly init: RequestInit | undefined;
  /** The body can be read only once: it is sent, but never sent again. */
  readonly oneShot: boolean;
  /**
   * It went out with an `Authorization` of its own: its 401 is not the session's. Sent again, it
   * would carry the same header, as nothing on this side sets it again for the retry.
   */
  chosen?: boolean;
}

function isRequest(input: unknown): input is Request {
  const candidate = input as Partial<Request> | null;
  return typeof candidate === 'object' && typeof candidate?.url === 'string' && typeof candidate.clone === 'function';
}

/** The headers a call goes out with, as `fetch` reads them: the init's replace the `Request`'s. */
const headersOf = (call: Call, sent: RequestInfo | URL): Headers => new Headers(call.init?.headers ?? (isRequest(sent) ? sent.headers : undefined));

function describe(input: RequestInfo | URL, init: RequestInit | undefined): Call {
  const request = isRequest(input) ? input : undefined;
  const url = isRequest(input) ? input.url : input.toString();
  const method = (init?.method ?? request?.method ?? 'GET').toLowerCase();
  const body = init?.body;
  let kept = request;
  // A `Request` that may carry a body is copied before it is sent: not only one whose `body` says
  // so, since a polyfill's (React Native's whatwg-fetch) has no `body` and is spent all the same.
  const copies = kept !== undefined && !kept.bodyUsed && body == null && !/^(get|head)$/.test(method);
  return {
    url,
    config: { url, method },
    signal: init?.signal ?? request?.signal,
    init,
    oneShot: body != null && (isOneShot(body) || typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'),
    input() {
      if (!copies || !kept) return input;
      const sent = kept;
      kept = kept.clone();
      return sent;
    },
  };
}

/** What `fetch` rejects with for a signal without a `reason`: Hermes (React Native) has no `DOMException`. */
const abortError = (): Error =>
  typeof DOMException === 'function'
    ? new DOMException('This operation was aborted', 'AbortError')
    : Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });

/** Rejects as `fetch` does when the call is aborted while it waits: with the signal's reason. */
function waitFor<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(signal.reason ?? abortError());
    };
    // Handled even when the call was aborted already: a failure nobody reads would go unhandled.
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Wraps `fetchLike` so that its calls share the refreshes of `session` with every axios instance
 * on it: a response that `shouldRefresh` matches (a 401) waits for the one refresh and is sent
 * once more, a call made while a refresh runs (or ahead of expiry) waits for it before it goes
 * out, and a failed refresh rejects with {@link SessionExpiredError} or {@link RefreshFailedError}:
 * plain `Error`s with the same `code` as the axios side's, which the same guards
 * (`isSessionExpiredError`, `isRefreshFailedError`) recognise. Every other
 * response resolves as it is, as `fetch` would.
 *
 * Each attempt calls `fetchLike`, so a token it adds is read as the attempt goes out; with the
 * session's `accessToken`, `Authorization: Bearer` is added to calls to the page's origin (and to
 * `credentialOrigins`) unless the call sets its own. Only a call to where the session's
 * credentials go (for a bearer session those same origins; for a cookie session relative URLs,
 * the page's origin and `credentialOrigins`, or in Node with none listed every origin) is
 * refreshed: another origin's 401 resolves as it is. A body given as a string, `URLSearchParams`,
 * `FormData`, `Blob`, `ArrayBuffer` or typed array, or in a `Request` not yet read, is sent again;
 * one given as a stream cannot be, and the call rejects with code `ERR_BODY_NOT_REPLAYABLE`.
 * On a session of the axios side, `refresh` gets as `client` the bare client of the axios
 * instance attached to the session last, or a plain `axios.create()` when there is none; on one
 * made by {@link createRefreshSession} from here, it gets none. Given a function it made for the same session,
 * it wraps what that one wraps, with the new options: one layer, however often setup code runs.
 *
 * @param fetchLike `fetch`, or a function with its signature.
 * @param options The session to share, and what counts as expired credentials.
 * @returns A function with the signature of `fetch`.
 * @throws TypeError when `fetchLike` or an option is not what is expected, naming it.
 *
 * @example
 * ```ts
 * import { createRefreshFetch, createRefreshSession } from 'axios-refresh-interceptor/fetch';
 *
 * const session = createRefreshSession({
 *   refresh: ({ signal }) => fetch('/api/v1/users/refresh/', { method: 'POST', signal }),
 *   onSessionExpired: () => router.navigate('/login'),
 * });
 * const authFetch = createRefreshFetch(fetch, { session });
 * const res = await authFetch('/api/v1/tasks/', { method: 'POST', body: JSON.stringify(task) });
 * ```
 */
export function createRefreshFetch(fetchLike: FetchLike, options: RefreshFetchOptions): typeof fetch {
  try {
    if (process.env.NODE_ENV !== 'production') checkFetchArguments(fetchLike, options);
  } catch (error) {
    rethrowMistake(error);
  }
  const { session } = options;
  const inner = made.get(fetchLike);
  if (inner?.session === session) return createRefreshFetch(inner.fetchLike, options);
  // A development build tells of a check that answers with a promise; a production one has no
  // trace of it, and plain ESM in a browser, with no `process`, goes unchecked.
  const check =
    (typeof process === 'object' && process.env.NODE_ENV !== 'production' && options.shouldRefresh ? answersAtOnce('shouldRefresh', options.shouldRefresh) : options.shouldRefresh) ??
    ((response: Response) => response.status === 401);
  // With `challenges`, the server's refusals are never refreshed, whatever the check says.
  const shouldRefresh = session.challenges ? session.challenges.guard(check, session) : check;
  const client = (): unknown => session.client();
  const trigger = (call: Call, error?: RefreshTrigger['error']): RefreshTrigger => ({ config: call.config, error, client });

  /**
   * The init to send with, carrying the session's current token. A call's own `Authorization`
   * is kept, unless it is the session's token, current or sent before: a hook or middleware
   * that set it runs once per call, and the retry would send it stale.
   */
  const authorized = (call: Call, bearer: AccessToken, sent: RequestInfo | URL): RequestInit | undefined => {
    const headers = headersOf(call, sent);
    const present = headers.get('Authorization');
    const token = bearer.token();
    const allowed = token !== undefined && mayReceive(call.url, originOf(pageHref()), session.origins);
    if (present !== null && !bearer.attached(present) && !(allowed && present === bearer.header(token))) {
      call.chosen = true;
      return call.init;
    }
    if (allowed) {
      headers.set('Authorization', bearer.header(token));
    } else if (present === null) {
      return call.init;
    } else {
      // A token the session sent before, now bound for an origin that may not receive it.
      headers.delete('Authorization');
    }
    return { ...call.init, headers };
  };

  /** Whether a 401 from `url` is the session's (a `Response` made by hand, or by a mock, has no `url`). */
  const ours = (url: unknown): boolean =>
    typeof url !== 'string' || url === '' || isOwnOrigin(url, originOf(pageHref()), session.origins, session.bearer !== undefined);

  const send = (call: Call): Promise<Response> => {
    const input = call.input();
    const { bearer } = session;
    return fetchLike(input, bearer ? authorized(call, bearer, input) : call.init);
  };

  /**
   * Waits until no refresh is in flight or due ahead of expiry, before the call goes out: a refresh
   * that a log-in overtook leaves that log-in's token, which may have expired meanwhile.
   */
  const renewed = async (call: Call): Promise<void> => {
    while (session.due()) {
      try {
        await waitFor(session.renew(trigger(call)), call.signal);
      } catch (failure) {
        if (!isSoftFailure(failure)) throw requestError(failure, call.config);
        return;
      }
    }
  };

  const authFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A call that `refresh` makes through this function is the refresh's own: sent as it is.
    if (session.refreshing && session.owns()) return fetchLike(input, init);
    const call = describe(input, init);
    const { bearer } = session;
    const token = bearer?.token();
    // The token as the call is made is the session's: a hook that put it on the call chose nothing,
    // and after a wait for a refresh it is stale.
    if (token !== undefined) bearer?.header(token);
    // A call to another origin does not carry the session's credentials, nor one with an
    // `Authorization` of its own that carries none of the session's tokens: it goes out as it is.
    const present = bearer && headersOf(call, input).get('Authorization');
    if (ours(call.url) && !(bearer && present && !bearer.carries(present))) await renewed(call);
    const sentEpoch = session.epoch;
    const response = await send(call);
    // Another origin's 401 says nothing about the session's credentials: the caller's, untouched.
    // So is one that a redirect led to from one of the session's origins: `url` is where it came from.
    if (!shouldRefresh(response) || call.chosen || ![call.url, response.url].every(ours)) return response;
    // Its body is not wanted; reading it to the end would only hold the connection.
    response.body?.cancel().catch(noop);
    const error = answerError(response);
    try {
      await waitFor(session.recover(sentEpoch, trigger(call, error)), call.signal);
    } catch (failure) {
      throw requestError(failure, call.config, response);
    }
    // As on the axios side: the refresh's own failure first, which says what the app has to do.
    if (call.oneShot) throw notReplayable(response, error);
    await renewed(call);
    const again = session.epoch;
    const retry = await send(call);
    // Refused again with the credentials of the refresh it waited for: that refresh did not take.
    if (shouldRefresh(retry) && [call.url, retry.url].every(ours)) session.refused(again);
    return retry;
  };
  made.set(authFetch, { session, fetchLike });
  return authFetch;
}
