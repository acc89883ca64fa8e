/**
 * Step 3 of a request's path: sent. The library's adapter sends a request with the session's
 * token, at once or after the wait of step 2, and hands its answer to step 4.
 */
import { getAdapter } from 'axios';
import type { AxiosHeaders, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { limit, renewed } from './hold.js';
import { ok2xx } from './instance-state.js';
import type { InstanceState } from './instance-state.js';
import { resolves401 } from './judge.js';
import { prepare } from './prepare.js';
import { isOneShot } from './one-shot.js';
import { recordOf, restamp, sendingOf } from './record.js';
import type { Sending } from './record.js';
import { moves } from './session.js';

/** Puts back on the request the adapter it had, and returns it. */
function restore(state: InstanceState, sending: Sending, config: InternalAxiosRequestConfig): InternalAxiosRequestConfig['adapter'] {
  const original = sending.adapter ?? state.instance.defaults.adapter;
  if (original !== undefined) config.adapter = original;
  return original;
}

/** Sends the request once, with the session's token, through the adapter it would have had. */
function attempt(state: InstanceState, sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
  const { instance, hooks } = state;
  sending.sent = moves();
  sending.own = state.inForce.filter(({ session }) => session.bearer?.authorize(config, instance, state.ownOrigin(), session.origins));
  // A request prepared again has a new config, and the capturing adapter.
  restamp(config, sending);
  const original = sending.adapter !== undefined && config.adapter === sending.adapter ? sending.adapter : restore(state, sending, config);
  const adapter = typeof original === 'function' ? original : getAdapter(original, config);
  // A resolved response needs a look only if it could be an auth failure: with axios's own
  // `validateStatus` and no body check, a 401 never resolves. A rejected one goes straight to
  // the library's response interceptor when no other stands in between.
  if (state.readsBody || resolves401(config)) return adapter(config).then(hooks.resolved, hooks.rejected);
  return sending.alone ? adapter(config) : adapter(config).then(undefined, hooks.rejected);
}

/**
 * Takes off a request what does not hold for its next send: default headers that a refresh
 * changed, and the length of a body that is built again (axios keeps one it finds).
 */
export function refit(state: InstanceState, sending: Sending | undefined, config: InternalAxiosRequestConfig): void {
  if (sending) for (const [{ apply }] of state.tracked.values()) apply(config, sending.prepared);
  (config.headers as Partial<AxiosHeaders> | undefined)?.delete?.('Content-Length');
}

/**
 * Prepares a request again after a refresh, so that the app's request interceptors read the
 * new credentials, with what is left of its timeout. A body holding a stream is prepared from
 * the body built the first time, which nothing has read yet: built again around the same stream
 * (a multipart body from `postForm`), both would read it.
 */
export async function prepareAgain(state: InstanceState, sending: Sending, config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> {
  refit(state, sending, config);
  const ready = await prepare(state.instance, state.hooks.start, config, isOneShot(sending.data) ? { ...sending, data: config.data } : sending);
  limit(sending, ready);
  return ready;
}

/** A request that must wait for a refresh before it goes out. */
async function held(state: InstanceState, sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
  await renewed(state, sending, config);
  if (state.moved(sending.prepared)) return attempt(state, sending, await prepareAgain(state, sending, config));
  limit(sending, config);
  return attempt(state, sending, config);
}

/** Sends a request, after a wait when a refresh is due or ran since it was prepared. */
export const dispatch = (state: InstanceState, sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
  state.due() || state.moved(sending.prepared) ? held(state, sending, config) : attempt(state, sending, config);

/** The library's adapter. */
export function send(state: InstanceState, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
  const sending = recordOf(config) ?? sendingOf(config, false, state.instance.defaults.adapter, 0);
  // Whatever happens next, the config that the app and other plugins see afterwards
  // (`error.config`, which axios-retry sends again) names the adapter it had, not this one.
  restore(state, sending, config);
  if (config.skipAuthRefresh !== true) return dispatch(state, sending, config);
  // A request left alone is never held; it only gets the token, and may be a new log-in.
  const answer = attempt(state, sending, config);
  if (!state.mayLogIn(config)) return answer;
  // Of the sessions in force as the log-in went out (an eject meanwhile changes nothing), those it
  // counted for then, and those with a refresh out as it comes back: that call presented the
  // credentials from before it. Not one that ended meanwhile: a log-out looks the same.
  const { inForce } = state;
  const out = state.loggingIn();
  return answer.then((response) => {
    if (ok2xx(response.status)) for (const a of inForce) if (out.includes(a) || a.session.state === 'refreshing') a.session.begin();
    return response;
  });
}
