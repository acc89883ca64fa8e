/**
 * Step 2 of a request's path: held. A request waits, before it goes out, for the refreshes in
 * flight or due ahead of expiry, counting the wait against its own `timeout`.
 */
import type { InternalAxiosRequestConfig } from 'axios';
import type { InstanceState } from './instance-state.js';
import type { Sending } from './record.js';
import { latest } from './flight.js';
import { RefreshFailure } from './refresh-outcome.js';
import { requestError } from './errors.js';
import { isSoftFailure } from './session.js';
import type { Lingering } from './session.js';
import { EJECTED, timeoutError, waitFor } from './wait.js';
import { ours } from './judge.js';

// Per instance, not per wiring: the wiring goes when its last interceptor is ejected, and the
// next one attached (a hot reload) must still wait for the call the ejected one left out. Per
// purpose too: a CSRF token's refresh has nothing to wait for in an access token's.
const lingering = new WeakMap<object, Map<string, Lingering>>();

/**
 * Remembers what a session that leaves `instance` left there for `purpose` (the session's
 * `lingering()`): its call out, which may present the same rotating refresh token, and its
 * cooldown. Every session attached there later for that purpose starts its refreshes after both
 * (see `RefreshSession.behind`), and after the calls left before, which a session that did not
 * refresh here did not wait for.
 */
export function linger(instance: object, purpose: string, left: Lingering | undefined): void {
  if (!left) return;
  const all = lingering.get(instance) ?? new Map<string, Lingering>();
  all.set(purpose, { settled: latest(all.get(purpose)?.settled, left.settled), cooling: left.cooling });
  lingering.set(instance, all);
}

/** What the sessions ejected from `instance` left there for `purpose`; see `linger`. */
export const lingeringOn = (instance: object, purpose: string): Lingering | undefined => lingering.get(instance)?.get(purpose);

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
 * Waits out a refresh that an earlier attachment started before a newer one took over: two
 * refreshes on one instance never overlap, since they may present the same rotating refresh
 * token. Their failure is their own, not the request's.
 */
export async function quiet(state: InstanceState, sending: Sending | undefined, config: InternalAxiosRequestConfig): Promise<void> {
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
    const { session } = current;
    // A request to another origin, or with credentials of its own, does not carry the session's:
    // it goes out as it is. Otherwise it waits until no refresh is due: a refresh that a log-in
    // overtook leaves that log-in's token, which may have expired meanwhile.
    while (session.due() && ours(state, current, config, undefined) && !session.bearer?.own(config, state.instance)) {
      try {
        // Ejected meanwhile, it goes out as it is, with the token of the session that held it.
        if ((await waitFor(session.renew(state.trigger(config)), config, current.interrupts, deadline(sending, config))) === EJECTED) {
          session.bearer?.authorize(config, state.instance, state.ownOrigin(), session.origins);
          break;
        }
      } catch (failure) {
        if (!isSoftFailure(failure)) throw requestError(failure, config);
        break;
      }
    }
  }
}
