/**
 * Step 2 of a request's path: held. A request waits, before it goes out, for the refreshes in
 * flight or due ahead of expiry, counting the wait against its own `timeout`.
 */
import type { InternalAxiosRequestConfig } from 'axios';
import type { InstanceState } from './instance-state.js';
import type { Sending } from './record.js';
import { RefreshFailure } from './refresh-outcome.js';
import { requestError } from './errors.js';
import { isSoftFailure } from './session.js';
import type { Lingering } from './session.js';
import { timeoutError, waitFor } from './wait.js';

// Per instance, not per wiring: the wiring goes when its last interceptor is ejected, and the
// next one attached (a hot reload) must still wait for the call the ejected one left out.
const lingering = new WeakMap<object, Lingering>();

/**
 * Keeps the instance from refreshing through another session until `call` settles or its time
 * is up: the refresh call of a session that leaves it while out (the session's `lingering()`).
 */
export function linger(instance: object, call: Lingering | undefined): void {
  if (!call) return;
  const before = lingering.get(instance);
  // One whose time is up is dropped, not chained: a call that never settles would be kept forever.
  lingering.set(
    instance,
    before && before.until > Date.now() ? { settled: Promise.all([before.settled, call.settled]), until: Math.max(before.until, call.until) } : call,
  );
}

/** When the request's `timeout` runs out, counted from its start; none without one. */
export const deadline = (sending: Sending | undefined, config: InternalAxiosRequestConfig): number | undefined =>
  sending?.started && config.timeout ? sending.started + config.timeout : undefined;

/** After a wait, what is left of the request's `timeout` is what its send may take. */
export function limit(sending: Sending, config: InternalAxiosRequestConfig): void {
  const end = deadline(sending, config);
  if (end === undefined) return;
  const left = end - Date.now();
  if (left <= 0) throw timeoutError(config);
  config.timeoutErrorMessage ??= `timeout of ${config.timeout}ms exceeded`;
  config.timeout = left;
}

/**
 * Waits out a refresh that an earlier attachment started before a newer one took over, and the
 * call of one ejected while it was out (at most its `refreshTimeout`): two refreshes on one
 * instance never overlap, since they may present the same rotating refresh token. Their failure
 * is their own, not the request's.
 */
export async function quiet(state: InstanceState, sending: Sending | undefined, config: InternalAxiosRequestConfig): Promise<void> {
  const left = lingering.get(state.instance);
  if (left && Date.now() < left.until) {
    const own = deadline(sending, config) ?? Infinity;
    await waitFor(left.settled, config, new Set(), Math.min(own, left.until)).catch((error: unknown) => {
      // Its time up, that call holds the instance back no longer; the request's own timeout or abort stands.
      if (Date.now() < left.until || own <= left.until) throw error;
    });
  }
  for (const earlier of state.attachments) {
    if (state.inForce.includes(earlier) || !earlier.session.refreshing) continue;
    try {
      await waitFor(earlier.session.renew(state.trigger(config)), config, earlier.interrupts, deadline(sending, config));
    } catch (failure) {
      if (!(failure instanceof RefreshFailure)) throw failure;
    }
  }
}

/** Waits for the refreshes in flight, or due ahead of expiry, before a request goes out. */
export async function renewed(state: InstanceState, sending: Sending, config: InternalAxiosRequestConfig): Promise<void> {
  await quiet(state, sending, config);
  for (const current of state.inForce) {
    if (!current.session.due()) continue;
    try {
      await waitFor(current.session.renew(state.trigger(config)), config, current.interrupts, deadline(sending, config));
    } catch (failure) {
      if (!isSoftFailure(failure)) throw requestError(failure, config);
    }
  }
}
