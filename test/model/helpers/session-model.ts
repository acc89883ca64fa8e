import type { SessionEvent, SessionState } from '../../../src/index.js';
import { afterMicrotasks } from './flush.js';
import type { Log } from './model-server.js';

/** How a refresh call ended, as the app's `refresh` saw it. */
export type RefreshEnd = 'succeeded' | 'rejected' | 'failed';

/** What the model knows of one refresh call, from the moment `refresh` runs until it settles. */
export interface CallRecord {
  readonly call: number;
  /** Started without a 401, ahead of expiry. */
  readonly ahead: boolean;
  readonly signal: AbortSignal;
  /** Each time a wave of its waiters gave up (`refreshTimeout`): the order, and the error they got. */
  readonly timeouts: Array<{ readonly order: number; readonly error: unknown }>;
  end: RefreshEnd | undefined;
  /** What it failed with, as `refresh` threw it. */
  cause: unknown;
  /** When it settled, in the order of events. */
  endOrder: number;
  /**
   * A log-in that the session counts (a `skipAuthRefresh` POST sent after an end or while a
   * refresh was out) succeeded while this call was out: the call presented the credentials from
   * before it, and its rejection ends nothing.
   */
  loggedIn: boolean;
  /** It was rejected after such a log-in: its waiters go on with the log-in's credentials. */
  overtaken: boolean;
  /**
   * The log-in's token was due when it was rejected so: its waiters wait on for the next call
   * (`undefined` when real time leaves that open).
   */
  dueAfter: boolean | undefined;
}

/**
 * What the library must do with a 401 of a request sent with stale credentials, by the state of
 * the session when it comes back: reject at once after the end (`expired`) or during a cooldown
 * (`cooling`), wait for the call out (`join`), retry at once when a refresh succeeded since the
 * request was sent (`retry`), or start a refresh.
 */
export type Verdict = 'expired' | 'cooling' | 'join' | 'retry' | 'start';

/** Where a request waits on a refresh call: from which moment, in the order of events. */
export interface Joined {
  readonly call: number;
  readonly order: number;
}

/**
 * What a wait on a refresh call ended with for the requests that joined it at a given moment:
 * `overtaken` for a rejection that a log-in overtook, which releases them as a success does.
 */
export type WaveOutcome = { readonly end: RefreshEnd | 'timeout' | 'overtaken'; readonly error: unknown };

export interface SessionModelContext {
  readonly log: Log;
  /** Takes the next number in the order of events (World.order). */
  tick(): number;
  /** Client and clock are one (in memory): times are exact. */
  readonly exact: boolean;
  readonly refreshTimeout: number;
  /** What `Math.random` returns during the run, for the backoff's jitter. */
  readonly random: number;
  /** Where schedule time starts on the `Date.now()` clock, to print times as the trace does. */
  readonly origin: number;
}

const MAX_RETRY_AFTER = 60_000;

/** The cooldown the README promises after the n-th transient failure in a row (ms), before rounding. */
export function expectedCooldown(cause: unknown, failures: number, now: number, random: number): number {
  const headers = (cause as { response?: { headers?: { get?: (name: string) => unknown } } } | null | undefined)?.response?.headers;
  const value = headers?.get?.('retry-after');
  const ceiling = Math.min(5000, 250 * 2 ** (failures - 1));
  const backoff = ceiling / 2 + (ceiling / 2) * random;
  // Retry-After may ask for more than the backoff, never for less.
  if (typeof value === 'string' && value !== '') {
    const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
    return Math.max(Math.min(Math.max(ms, 0), MAX_RETRY_AFTER), backoff);
  }
  return backoff;
}

/**
 * The model's own picture of the session's state machine (live, refreshing, cooling-down,
 * ended), built from what `refresh` and the server did, never from the library's state: the
 * world asks it what the library must do, and checks the library's events and state against it.
 */
export class SessionModel {
  /** The refresh call out: started, not settled, however late. */
  running: CallRecord | undefined;
  /** A refresh was rejected: until a log-in, no refresh, and every 401 rejects at once. */
  ended: { readonly cause: unknown } | undefined;
  /** The latest transient failure: no refresh before `retryAt`. */
  cooling: { retryAt: number; readonly cause: unknown } | undefined;
  /** The instance's own session was disposed (eject): what its call does later changes nothing. */
  disposed = false;
  /** Waiters of the call out with a `refreshTimeout` timer running: since when. */
  private wave: { readonly openedAt: number } | undefined;
  private failures = 0;
  /** Refreshes in a row that did not take, and the latest success counted in that streak. */
  private refusals = 0;
  private refusedAt = -1;
  /** A refresh that did not take, which the library has not reported yet: when its cooldown must end. */
  private refusal: { readonly expected: number; readonly at: number } | undefined;
  readonly calls = new Map<number, CallRecord>();
  /** Refreshes the session was ended by, and what their waiters and later 401s must carry. */
  ends = 0;
  readonly endCauses = new Set<unknown>();
  /** Transient failures and the `retryAt` of the cooldown each started. */
  readonly transientCauses = new Map<unknown, number>();
  /** What the waiters of each wave that timed out were given as the cause. */
  readonly timeoutErrors = new Set<unknown>();
  /** Log-ins after an end that the app made: each must make the session live, once. */
  private logins = 0;
  /**
   * A log-in POST is out that the session counts, sent after an end or while a refresh was out:
   * it may report session-began before the app sees the answer.
   */
  private loginOut: 'after-end' | 'racing' | undefined;
  /** In the order of events: the latest log-in that moved nothing in the session (the library may refresh for a 401 from before it). */
  lastUnseenLogin = -1;
  /** In the order of events: the latest refresh that succeeded (or log-in), that was decisive (or log-in). */
  lastSuccess = -1;
  lastDecisive = -1;
  /** In the order of events: the latest end. */
  lastEnd = -1;
  /** When a wait on a refresh ahead of expiry last ended without new credentials. */
  lastSoftFailure = -1;
  /** A settle the library has not reported yet, and what it must report. */
  private unreported: { readonly call: CallRecord; readonly expected: number | undefined; readonly at: number } | undefined;
  private endedReported = 0;
  private beganReported = 0;
  /** Moves the schedules made, counted to show that they make them. */
  readonly moves = {
    cooldownRejections: 0,
    endedRejections: 0,
    lateSuccesses: 0,
    afterCooldown: 0,
    logins: 0,
    waveTimeouts: 0,
    /** Log-in POSTs sent while the session was live, cooling down, or a refresh was out (late or not). */
    loginsWhileLive: 0,
    loginsWhileCooling: 0,
    loginsWhileRefreshing: 0,
    loginsWhileLate: 0,
    /** Log-ins that the session counted answered while a call was out, and what that call did then. */
    loginsAnsweredFirst: 0,
    /** Log-ins sent while live or cooling down, answered while a call started since was out: its rejection ends nothing. */
    loginsSentBeforeCall: 0,
    overtakenRejections: 0,
    overtakenRevoked: 0,
    successesAfterLogin: 0,
    /** A log-in sent while a refresh was out, answered after that refresh was rejected: the session ended, and the log-in revives it. */
    loginsAfterRejection: 0,
    /** Retries refused again with the credentials of the latest refresh: it did not take. */
    refusals: 0,
  };

  constructor(private readonly context: SessionModelContext) {}

  private get log(): Log {
    return this.context.log;
  }

  /** The cooldown in force at `now`, if any. */
  coolingAt(now: number): { retryAt: number; cause: unknown } | undefined {
    return this.cooling && now < this.cooling.retryAt ? this.cooling : undefined;
  }

  /** The library refreshes nothing, ahead of expiry or for a 401: the session ended, or cools down. */
  quiet(now: number): boolean {
    return !this.disposed && (this.ended !== undefined || this.coolingAt(now) !== undefined);
  }

  /** What `session.state` must read now. */
  expectedState(now: number): SessionState {
    if (this.ended) return 'ended';
    if (this.running) return 'refreshing';
    return this.coolingAt(now) ? 'cooling-down' : 'live';
  }

  /** Timers the library may have: the `refreshTimeout` of the wave waiting, and only that. */
  get timers(): number {
    return this.running && this.wave && !this.disposed ? 1 : 0;
  }

  /** A refresh call starts: none out, the session not ended, no cooldown in force. */
  started(call: CallRecord, now: number): void {
    this.calls.set(call.call, call);
    if (this.running) {
      this.log.violation(`refresh #${call.call} started while refresh #${this.running.call} was still out (its waiters may have given up, the call had not settled)`);
    }
    if (this.ended) this.log.violation(`refresh #${call.call} started after the session ended, with no log-in since`);
    const cooling = this.coolingAt(now);
    if (cooling) {
      this.log.violation(`refresh #${call.call} started during the cooldown after a transient failure, ${cooling.retryAt - now} ms before its retryAt`);
    }
    if (this.cooling && !cooling) this.moves.afterCooldown += 1;
    this.running = call;
    this.wave = { openedAt: now };
  }

  /** A request starts waiting on the call out: a new wave, with its own timer, when none waits. */
  join(now: number): Joined | undefined {
    const { running } = this;
    if (!running || this.disposed) return undefined;
    this.wave ??= { openedAt: now };
    return { call: running.call, order: this.context.tick() };
  }

  /** What the library must do now with a 401 of a request sent at `sentAt`; `undefined` when real time leaves it open. */
  verdict(sentAt: number, now: number): Verdict | undefined {
    if (this.disposed) return undefined;
    // A request sent before the latest end was the dead session's: a log-in since changes nothing.
    if (this.ended || sentAt < this.lastEnd) return 'expired';
    if (this.running) return 'join';
    if (sentAt < this.lastSuccess) return 'retry';
    const cooling = this.coolingAt(now);
    // On real time the library reads the clock a moment after the model did.
    if (!this.context.exact && this.cooling && Math.abs(this.cooling.retryAt - now) <= 2) return undefined;
    return cooling ? 'cooling' : 'start';
  }

  /** The call settled: the session moves to live, ended or cooling-down, unless it was disposed. */
  settled(call: CallRecord, end: RefreshEnd, cause: unknown, now: number): void {
    if (this.running === call) {
      this.running = undefined;
      this.wave = undefined;
    }
    call.end = end;
    call.cause = cause;
    call.endOrder = this.context.tick();
    // Disposed, the session ignores what its call does.
    if (this.disposed) return;
    let expected: number | undefined;
    if (end === 'succeeded') {
      // A success that no refusal followed ends the streak of refreshes that did not take.
      if (this.refusedAt !== this.lastSuccess) this.refusals = 0;
      this.lastSuccess = this.lastDecisive = call.endOrder;
      this.failures = 0;
      this.cooling = undefined;
      if (call.timeouts.length > 0) this.moves.lateSuccesses += 1;
      if (call.loggedIn) this.moves.successesAfterLogin += 1;
    } else if (call.loggedIn) {
      // The log-in's credentials are the session's: a rejection ends nothing and a transient
      // failure starts no cooldown; the requests sent before are sent again with them, and the
      // backoff starts over, as after any log-in. The call is reported as failed, ending nothing.
      call.overtaken = true;
      this.lastSuccess = this.lastDecisive = call.endOrder;
      this.failures = 0;
      this.cooling = undefined;
      this.moves.overtakenRejections += 1;
    } else if (end === 'rejected') {
      this.ended = { cause };
      this.lastEnd = call.endOrder;
      this.ends += 1;
      this.endCauses.add(cause);
      this.cooling = undefined;
      this.lastDecisive = call.endOrder;
    } else {
      this.failures += 1;
      expected = now + expectedCooldown(cause, this.failures, now, this.context.random);
      this.cooling = { retryAt: expected, cause };
      this.transientCauses.set(cause, expected);
      if (call.ahead) this.lastSoftFailure = call.endOrder;
    }
    const unreported = { call, expected, at: now };
    this.unreported = unreported;
    afterMicrotasks(() => {
      if (this.unreported === unreported) this.log.violation(`the session reported no event for the end of refresh #${call.call} (${end})`);
    });
  }

  /**
   * A retry sent at `sentAt` (in the order of events) got a 401 again. Sent with the credentials
   * of the latest success, with the session live, that success did not take (counted once): a
   * cooldown follows, with the backoff of the next in the streak of such refreshes.
   */
  refused(sentAt: number, now: number): void {
    if (this.disposed || this.ended || this.running || sentAt < this.lastSuccess || this.refusedAt === this.lastSuccess || this.coolingAt(now)) return;
    this.refusedAt = this.lastSuccess;
    this.failures = ++this.refusals;
    const expected = now + expectedCooldown(undefined, this.failures, now, this.context.random);
    this.cooling = { retryAt: expected, cause: undefined };
    this.moves.refusals += 1;
    const refusal = { expected, at: now };
    this.refusal = refusal;
    afterMicrotasks(() => {
      if (this.refusal === refusal) this.log.violation(`the session reported no refresh-failed event for a retry refused again at ${now - this.context.origin} ms`);
    });
  }

  /** Checks what the session reports against what the model saw, and learns the `retryAt` of a cooldown. */
  observe(event: SessionEvent, now: number): void {
    const { log } = this;
    switch (event.type) {
      case 'refresh-started':
        return;
      case 'refresh-succeeded':
        this.reported('succeeded', undefined);
        return;
      case 'refresh-failed': {
        const settled = this.unreported?.call;
        // A failure a log-in overtook, rejected or transient, ends nothing and starts no cooldown.
        const overtaken = settled?.overtaken === true && event.error === settled.cause;
        if (event.ended || overtaken) {
          if (event.retryAt !== undefined) log.violation(`refresh-failed event that ended the session, or that a log-in overtook, carries retryAt ${event.retryAt}`);
          if (overtaken && event.ended) log.violation('refresh-failed event for a rejection that a log-in overtook says that it ended the session');
          this.reported(overtaken ? (settled.end ?? 'rejected') : 'rejected', event.error);
        } else if (this.refusal && !this.unreported) {
          this.refused401(event.error, event.retryAt);
        } else if (event.retryAt === undefined) {
          this.timedOut(event.error, now);
        } else {
          this.cooled(event.error, event.retryAt);
        }
        return;
      }
      case 'session-ended':
        this.endedReported += 1;
        if (event.by !== 'server') log.violation(`session-ended event by ${event.by}; only the server ends sessions in the model`);
        if (this.endedReported > this.ends) log.violation(`session-ended event number ${this.endedReported} for ${this.ends} end(s) of the session`);
        return;
      case 'session-began':
        this.beganReported += 1;
        // A log-in POST out may have ended in this: the app learns of its answer after the library.
        if (this.beganReported > this.logins + (this.loginOut ? 1 : 0)) {
          log.violation(`session-began event number ${this.beganReported} for ${this.logins} log-in(s) after an end`);
        }
        return;
      case 'tokens-adopted':
        log.violation('tokens-adopted event, with no other tab in the model');
        return;
    }
  }

  /** The settle the library reports is the one the model saw last, with the same outcome. */
  private reported(end: RefreshEnd, error: unknown): CallRecord | undefined {
    const { unreported } = this;
    this.unreported = undefined;
    if (!unreported || unreported.call.end !== end) {
      this.log.violation(
        `the session reported a refresh that ${end}, ${unreported ? `but refresh #${unreported.call.call} ${unreported.call.end ?? 'is out'}` : 'with no refresh settled since its last report'}`,
      );
      return undefined;
    }
    if (end !== 'succeeded' && error !== unreported.call.cause) {
      this.log.violation(`the session reported refresh #${unreported.call.call} failing with something other than what refresh threw`);
    }
    return unreported.call;
  }

  private cooled(error: unknown, retryAt: number): void {
    const expected = this.unreported?.expected;
    const settledAt = this.unreported?.at ?? -Infinity;
    const call = this.reported('failed', error);
    if (!call || expected === undefined) return;
    // The library rounds to whole milliseconds; on real time it reads the clock a moment later.
    const late = retryAt - expected;
    if (late < -0.5 || late > (this.context.exact ? 0.5 : 20) || retryAt < settledAt) {
      const { origin } = this.context;
      this.log.violation(
        `the cooldown after refresh #${call.call} (transient failure number ${this.failures} in a row) ends at ${retryAt - origin} ms, expected ${(expected - origin).toFixed(1)} ms`,
      );
    }
    this.cooling = { retryAt, cause: error };
    this.transientCauses.set(error, retryAt);
  }

  /** The library reports a refresh that did not take: its cooldown ends when the model says. */
  private refused401(error: unknown, retryAt: number | undefined): void {
    const { expected } = this.refusal!;
    this.refusal = undefined;
    if (retryAt === undefined || Math.abs(retryAt - expected) > (this.context.exact ? 0.5 : 20)) {
      const { origin } = this.context;
      this.log.violation(`the cooldown after a refresh that did not take ends at ${retryAt === undefined ? 'no time' : retryAt - origin} ms, expected ${(expected - origin).toFixed(1)} ms`);
    }
    this.cooling = { retryAt: retryAt ?? expected, cause: error };
    this.transientCauses.set(error, retryAt ?? expected);
  }

  /** A wave of waiters gave up after `refreshTimeout`; the call goes on. */
  private timedOut(error: unknown, now: number): void {
    const { running, wave } = this;
    if (!(error instanceof Error) || error.name !== 'TimeoutError') {
      this.log.violation(`refresh-failed event without retryAt, not ending the session, for something other than a timeout: ${String(error)}`);
    }
    if (!running || this.disposed) {
      this.log.violation('a refresh timed out with no refresh call of the session out');
      return;
    }
    if (!wave) {
      this.log.violation(`refresh #${running.call} timed out with no request waiting since its last timeout`);
    } else if (this.context.exact && now !== wave.openedAt + this.context.refreshTimeout) {
      const { origin, refreshTimeout } = this.context;
      this.log.violation(`the wait on refresh #${running.call} that began at ${wave.openedAt - origin} ms timed out at ${now - origin} ms, not refreshTimeout (${refreshTimeout} ms) later`);
    }
    this.wave = undefined;
    this.moves.waveTimeouts += 1;
    const order = this.context.tick();
    running.timeouts.push({ order, error });
    this.timeoutErrors.add(error);
    if (running.ahead) this.lastSoftFailure = order;
  }

  /**
   * Where a wait that began at `joined` ends: a rejection that a log-in overtook, leaving a token
   * that was due, lets its waiters go on to the next call, as no request goes out while a refresh
   * is due. `undefined` when real time leaves open whether that token was due.
   */
  lastWave(joined: Joined): Joined | undefined {
    const call = this.calls.get(joined.call);
    if (!call?.overtaken || call.dueAfter === false) return joined;
    if (call.dueAfter === undefined) return undefined;
    return this.calls.has(joined.call + 1) ? this.lastWave({ call: joined.call + 1, order: call.endOrder }) : joined;
  }

  /** What the wait of requests that joined `first.call` at `first.order` ended with, if it has. */
  waveOutcome(first: Joined): WaveOutcome | undefined {
    const joined = this.lastWave(first);
    const call = joined && this.calls.get(joined.call);
    if (!joined || !call) return undefined;
    const timeout = call.timeouts.find((t) => t.order > joined.order);
    if (timeout) return { end: 'timeout', error: timeout.error };
    if (call.overtaken) return { end: 'overtaken', error: call.cause };
    return call.end === undefined ? undefined : { end: call.end, error: call.cause };
  }

  /** The ejected instance's own session: it refreshes no more, and its call out is abandoned. */
  dispose(): void {
    this.disposed = true;
    this.wave = undefined;
  }

  /** The app logs in after the end: the session must report it began again, once. */
  expectLogin(): void {
    this.logins += 1;
  }

  /**
   * A log-in POST goes out; `counted` when the session counts it (it had ended, or a refresh was
   * out), as the library decides when it goes out.
   */
  loginSent(counted: boolean, now: number): void {
    this.loginOut = counted ? (this.ended ? 'after-end' : 'racing') : undefined;
    if (this.ended) return;
    const { running } = this;
    if (running && !this.disposed) {
      this.moves.loginsWhileRefreshing += 1;
      if (running.timeouts.length > 0) this.moves.loginsWhileLate += 1;
    } else if (this.coolingAt(now) !== undefined) {
      this.moves.loginsWhileCooling += 1;
    } else {
      this.moves.loginsWhileLive += 1;
    }
  }

  /**
   * The log-in POST succeeded, and the library did what it changes before the app got the
   * answer: an ended session the log-in counts for is live again (session-began, once); a call
   * out now is marked, whose rejection then ends nothing, whenever the log-in was sent; else
   * nothing changes but the tokens.
   */
  loginAnswered(counted: boolean): void {
    const racing = this.loginOut === 'racing';
    this.loginOut = undefined;
    if (counted && this.ended) {
      if (racing) this.moves.loginsAfterRejection += 1;
      this.expectLogin();
      this.loggedIn();
    } else {
      if (this.running && !this.disposed) {
        this.running.loggedIn = true;
        if (counted) this.moves.loginsAnsweredFirst += 1;
        else this.moves.loginsSentBeforeCall += 1;
      }
      this.lastUnseenLogin = this.context.tick();
    }
    if (this.beganReported !== this.logins) {
      this.log.violation(`${this.beganReported} session-began event(s) for ${this.logins} log-in(s) after an end, once the log-in's answer reached the app`);
    }
  }

  /** `begin()` before an end: a call out now is marked as from before a log-in, as a log-in answered first marks it. */
  begunDuringCall(): void {
    if (this.running && !this.disposed && this.running.end === undefined) this.running.loggedIn = true;
  }

  /** The log-in is done: live again, requests sent before are retried once, the backoff starts over. */
  loggedIn(): void {
    this.ended = undefined;
    this.cooling = undefined;
    this.failures = this.refusals = 0;
    this.moves.logins += 1;
    this.lastSuccess = this.lastDecisive = this.context.tick();
  }

  /** Once nothing is left to happen: every end and log-in was reported once. */
  finish(): void {
    if (this.endedReported !== this.ends) this.log.violation(`${this.endedReported} session-ended event(s) for ${this.ends} end(s)`);
    if (this.beganReported !== this.logins) this.log.violation(`${this.beganReported} session-began event(s) for ${this.logins} log-in(s)`);
  }
}
