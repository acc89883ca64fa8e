/**
 * Step 5 of a request's path: sent again. An answer that step 4 judged an auth failure waits for
 * the session's refresh, and the request is sent again once for that purpose: below the response
 * interceptors when the library's adapter saw the answer, through the whole instance when an app
 * interceptor made the auth error.
 */
import { isAxiosError } from 'axios';
import type { AxiosError, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { requestError, statusError } from './errors.js';
import { deadline, limit, quiet } from './hold.js';
import type { Attachment, InstanceState } from './instance-state.js';
import { isOwnError, judge, readable, retried } from './judge.js';
import type { Marked } from './judge.js';
import { recordOf } from './record.js';
import type { Sending } from './record.js';
import { replayError } from './replay.js';
import { dispatch, prepareAgain, refit } from './send.js';
import { EJECTED, waitFor } from './wait.js';
import { moves } from './session.js';

/**
 * Lets go of an answer's body that nobody will read: a stream left open (`responseType: 'stream'`)
 * keeps its connection, which the refresh may need from the same pool.
 */
function discard(body: unknown): void {
  const stream = body as { destroy?: unknown; cancel?: unknown } | null | undefined;
  if (typeof stream?.destroy === 'function') (stream.destroy as () => void)();
  else if (typeof stream?.cancel === 'function') (stream.cancel as () => Promise<unknown>)().catch(() => undefined);
}

/** Waits for the refresh that a request sent under stale credentials needs; false when ejected meanwhile. */
async function refreshFor(
  state: InstanceState,
  sending: Sending | undefined,
  config: InternalAxiosRequestConfig,
  attachment: Attachment,
  error: AxiosError,
): Promise<boolean> {
  discard(error.response?.data);
  await quiet(state, sending, config);
  const work = attachment.session.recover(sending?.sent ?? attachment.session.epoch, state.trigger(config, error));
  try {
    return (await waitFor(work, config, attachment.interrupts, deadline(sending, config))) !== EJECTED;
  } catch (failure) {
    throw requestError(failure, config, error.response);
  }
}

/** Refreshes, then sends the request again below the response interceptors. */
async function recover<T>(
  state: InstanceState,
  sending: Sending,
  config: InternalAxiosRequestConfig,
  attachment: Attachment,
  error: AxiosError,
  pass: () => T,
): Promise<AxiosResponse | T> {
  if (!(await refreshFor(state, sending, config, attachment, error))) return pass();
  const spent = replayError(sending.data, config, error);
  if (spent) throw spent;
  const retry = await prepareAgain(state, sending, retried(config, attachment));
  sending.prepared = moves();
  // Marked as a retry, it goes out like any request (held if a refresh is due meanwhile), and
  // its outcome is the caller's as it is.
  return dispatch(state, sending, retry);
}

/** What the library's adapter resolved with. */
export function resolved(state: InstanceState, response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> {
  const config = response.config as Marked | undefined;
  const sending = recordOf(config);
  if (!config || !sending || config.skipAuthRefresh === true) return response;
  const current = judge(state, config, response, (a) => a.refreshOnResponse(a.readsBody ? readable(response, config) : response), sending);
  return current ? recover(state, sending, config, current, statusError(response), () => response) : response;
}

/** What the library's adapter rejected with. */
export function rejected(state: InstanceState, error: unknown): Promise<AxiosResponse> {
  const pass = (): never => {
    throw error;
  };
  // An error without its request (a hostile adapter's) is not the library's to judge here.
  if (!isAxiosError(error) || !error.response || !error.config) return pass();
  const config = error.config as Marked;
  const sending = recordOf(config);
  if (!sending || config.skipAuthRefresh === true) return pass();
  const current = judge(state, config, error.response, (a) => a.shouldRefresh(error), sending);
  return current ? recover(state, sending, config, current, error, pass) : pass();
}

/** Refreshes, then sends the request again through the whole instance. */
async function reenter<T>(state: InstanceState, config: Marked, attachment: Attachment, error: AxiosError, pass: () => T): Promise<AxiosResponse | T> {
  const sending = recordOf(config);
  if (!(await refreshFor(state, sending, config, attachment, error))) return pass();
  const data: unknown = sending ? sending.data : config.data;
  const spent = replayError(data, config, error);
  if (spent) throw spent;
  refit(state, sending, config);
  const retry = { ...retried(config, attachment), data, adapter: sending ? sending.adapter : config.adapter } as Marked;
  // Its interceptors run again: from where the caller sent it, not where they sent it.
  if (sending) Object.assign(retry, { url: sending.url, baseURL: sending.baseURL, params: sending.params });
  // Goes through the instance as a new request: its timeout is what is left of the first's.
  if (sending) limit(sending, retry);
  return state.instance.request(retry);
}

/**
 * The library's response interceptor, last of them: an auth error that the app's own
 * interceptors made from a response (a GraphQL body saying UNAUTHENTICATED) is refreshed, and the
 * request is sent again through the whole instance, whose interceptors then see its outcome
 * once. For a request alone with the library it judges the rejected ones, as the adapter would
 * have.
 */
export async function outer(state: InstanceState, error: unknown): Promise<AxiosResponse> {
  const { config, response } = (error ?? {}) as { config?: Marked; response?: unknown };
  if (!config || !response || isOwnError(error) || config.skipAuthRefresh === true) throw error;
  const current = judge(state, config, response, (a) => a.shouldRefresh(error as AxiosError), recordOf(config));
  if (!current) throw error;
  return reenter(state, config, current, error as AxiosError, () => {
    throw error;
  });
}
