/**
 * Sessions made on the axios side: `refresh` gets an axios `client` and an `AxiosError`, and the
 * session's end is told with an `AxiosError`. The session itself is in session.ts, which needs
 * no axios.
 */
import axios, { AxiosHeaders, isAxiosError } from 'axios';
import { ok2xx } from './instance-state.js';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { SessionExpiredError, answerOf, requestError, statusError } from './errors.js';
import { failedStatus, isFetchResponse } from './refresh-outcome.js';
import { createSession } from './session.js';
import type { RefreshSession, RefreshTrigger, Transport } from './session.js';
import type { RefreshContext, SessionOptions } from './options.js';

/** The request as the axios side's errors carry it: a `fetch` call's is its method and URL alone. */
const configOf = (trigger: RefreshTrigger | undefined): InternalAxiosRequestConfig | undefined =>
  trigger?.config as InternalAxiosRequestConfig | undefined;

/** The failed answer a refresh started from `trigger`, as an `AxiosError` even when `fetch` got it. */
function errorOf(trigger: RefreshTrigger): AxiosError | undefined {
  const { error } = trigger;
  if (!error || isAxiosError(error)) return error;
  return statusError(answerOf((error as { response: Response }).response, configOf(trigger) as InternalAxiosRequestConfig));
}

/**
 * The error for a refresh that resolved with a failed answer: an axios response whose status is
 * not 2xx, or a fetch `Response` that is not `ok`, judged like the error axios would have thrown.
 */
export function failedAnswer(value: unknown): AxiosError | undefined {
  if (failedStatus(value) === undefined) return undefined;
  if (!isFetchResponse(value)) return statusError(value as AxiosResponse);
  const config = { url: value.url, method: 'post', headers: new AxiosHeaders() } as InternalAxiosRequestConfig;
  return statusError(answerOf(value, config));
}

/** @internal How the axios side shows a session's outcomes. */
export const axiosTransport: Transport<RefreshContext, SessionExpiredError> = {
  context: (trigger, signal, superseded) => ({
    // A refresh that `fetch` started in an app with no axios instance on the session.
    client: (trigger.client() as AxiosInstance | undefined) ?? axios.create({ validateStatus: ok2xx }),
    error: errorOf(trigger),
    signal,
    superseded,
  }),
  answer: failedAnswer,
  expired: (cause, trigger) => new SessionExpiredError(cause, configOf(trigger), trigger && errorOf(trigger)?.response),
  failed: (failure) => requestError(failure),
};

/**
 * Makes a session that several instances can share, so that they make one refresh call and
 * one `onSessionExpired` call between them. `createRefreshFetch` can share it too; an app that
 * uses only `fetch` makes its session with `createRefreshSession` from
 * `axios-refresh-interceptor/fetch` instead, which needs no axios.
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
  return createSession(options, axiosTransport);
}
