import axios, { isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosInstance, AxiosRequestConfig } from 'axios';
import { createRefreshInterceptor, createRefreshSession, isSessionExpiredError } from '../../../src/index.js';
import type { RefreshContext, RefreshInterceptor, RefreshSession } from '../../../src/index.js';
import { KnownExpiries } from './expiry.js';
import { afterMicrotasks } from './flush.js';
import { ModelServer } from './model-server.js';
import type { Log } from './model-server.js';
import { OUTCOME_KINDS, classifyError, classifyResponse, describe, is401 } from './outcomes.js';
import type { OutcomeKind } from './outcomes.js';
import { newRecord } from './record.js';
import type { RequestRecord } from './record.js';
import type { SchedulePlan, Which } from './schedule.js';

/*
 * The invariants of the model, and where each is checked (W: this file, S: model-server.ts,
 * E: expiry.ts, O: outcomes.ts, D: the drivers in memory.ts and loopback.ts):
 *
 * - every request settles exactly once (W settle, finish; D bounds each run)
 * - at most one refresh in flight per session: counted where `refresh` runs (W refresh) and,
 *   in memory, where the server receives it (S arriveRefresh)
 * - no refresh while the access token is still good (not revoked and, with expiresAt, not yet
 *   within the margin of the end of its lifetime), and no more successful refreshes than
 *   revocations and tokens that reached that margin (S arriveRefresh, W finish): failed
 *   refreshes may be retried by the next 401
 * - a refresh is only started by a request sent after the latest refresh that succeeded or
 *   was rejected (W refresh); a retry only goes out after a refresh that succeeded after the
 *   request was sent (W sending)
 * - a refresh without a 401 is one ahead of expiry: only with expiresAt, and only once the app
 *   knows its token to be within the margin (W startedAhead)
 * - with expiresAt, no attempt goes out with a token the app knew to be within the margin when
 *   the library looked at it (at the start, or when the 401 that led to the retry came back),
 *   except a token stored after that (from the refresh it waited for), a skipAuthRefresh request
 *   and a request of an ejected instance (W checkMargin, E misuse); in memory the moment is the
 *   send itself, on real time the moment before the library looked, as the clock moves on
 * - no request reaches the server more than twice, nor twice unless its first answer was 401 (S arrive)
 * - a skipAuthRefresh request goes out at once whatever the session is doing (W goesOutAtOnce),
 *   is never retried (W sending, S arrive) and reaches the server exactly once (W reachedOnce),
 *   never starts a refresh, by its 401 (W refresh) or, in memory, by going out (W goesOutAtOnce),
 *   and its caller gets the answer as it was: the very response or 401 error of its only
 *   attempt, never a refresh error (O classifySkipped, classifyResponse)
 * - a rotated refresh token is never presented again (S answerRefresh)
 * - onSessionExpired is called once per rejected refresh, with a SessionExpiredError (W)
 * - callers get only the documented outcomes, each consistent with what happened, and a caller
 *   that resolves gets the very response of its last attempt (O classify*)
 * - held requests do not go out before their refresh settles, nor at all when it fails; a
 *   request is held by the refresh in flight when it starts or, with expiresAt, by the one it
 *   starts when its token is within the margin (W sending, holder); nothing else holds a
 *   request: the check is lazy, made as the request reaches the adapter (W goesOutAtOnce; on
 *   real time, a request that a refresh or the margin overtook before it got there is left
 *   out: whether it was held is not known)
 * - an abort rejects a pending request at once; an eject settles what waits at once (a 401
 *   waiting on a refresh rejects with that 401, an attempt held in the request chain, a retry
 *   too, is sent), and abandons the refresh of the instance's own session (W abort, eject)
 * - no unhandled rejection; no timer but the refresh timeout while refreshing, none after,
 *   with expiresAt too (D, W checkTimers)
 */

/** How a refresh call ended, as the app's `refresh` saw it. */
type RefreshEnd = 'succeeded' | 'rejected' | 'failed';

interface Tokens {
  access: string;
  refresh: string;
}

/** What the server answers a refresh with: `expiresIn` (ms) when tokens have a lifetime. */
interface Issued extends Tokens {
  expiresIn?: number;
}

const ROUTE = /^\/r\/(\d+)$/;

export function requestId(url: string | undefined): number | undefined {
  const match = ROUTE.exec(url ?? '');
  return match ? Number(match[1]) : undefined;
}

export interface WorldOptions {
  /** The transport under every instance; recorded per attempt. */
  transport: AxiosAdapter;
  baseURL?: string;
  /** In-memory runs are exact: every answer the server gives reaches the client. */
  exact: boolean;
  /** `Date.now()` at the start of the schedule. */
  origin: number;
}

/**
 * The app of the model: one or two instances with an app interceptor that sets the bearer
 * token from a store, the refresh interceptor on each, and a `refresh` that posts the stored
 * refresh token and stores the rotated pair. Records what each caller got and checks it
 * against the README, as it happens and once everything is over (`finish`).
 */
export class World {
  readonly session: RefreshSession;
  private readonly sessions: RefreshSession[] = [];
  readonly store: Tokens = { ...ModelServer.initialTokens };
  /** Refresh tokens the client stored, to tell a lost rotation from a reused token. */
  readonly stored = new Set<string>(['refresh-0']);
  private readonly instances = new Map<Which, AxiosInstance>();
  private readonly interceptors = new Map<Which, RefreshInterceptor>();
  private readonly ejected = new Set<Which>();
  private readonly records: RequestRecord[];
  private readonly refreshEnds = new Map<number, RefreshEnd>();
  private readonly exact: boolean;
  /** What the app tells `expiresAt`, in schedules that refresh before expiry. */
  private readonly expiry: KnownExpiries | undefined;
  /** Refresh calls started without a 401, ahead of expiry. */
  aheadRefreshes = 0;
  /** Which refresh calls those were. */
  private readonly aheadCalls = new Set<number>();
  /** When the latest refresh ahead of expiry that failed transiently ended, in event order. */
  private lastSoftFailure = -1;
  /** Counts starts, stored tokens and refresh endings: JavaScript runs them one at a time, so it orders them. */
  private order = 0;
  /** When the latest refresh that succeeded or was rejected ended, and the latest that succeeded. */
  private lastDecisive = -1;
  private lastSuccess = -1;
  private refreshCalls = 0;
  private refreshesRunning = 0;
  private sessionExpiredCalls = 0;

  constructor(
    private readonly schedule: SchedulePlan,
    private readonly server: ModelServer,
    private readonly log: Log,
    options: WorldOptions,
  ) {
    this.records = schedule.requests.map((plan, id) => newRecord(id, plan));
    this.exact = options.exact;
    const { ahead } = schedule;
    const expiry = ahead ? new KnownExpiries(ahead.margin, options.origin) : undefined;
    expiry?.learn(this.store.access, options.origin + (ahead?.firstExpiry ?? 0), -1);
    this.expiry = expiry;
    const sessionOptions = {
      refresh: (context: RefreshContext) => this.refresh(context),
      onSessionExpired: (error: unknown) => {
        this.sessionExpiredCalls += 1;
        this.log.event('app: onSessionExpired');
        if (!isSessionExpiredError(error)) this.log.violation(`onSessionExpired was given ${describe(error)}`);
        // Errors thrown by the handler must be ignored; alternate a throw and a rejection.
        if (this.sessionExpiredCalls % 2 === 0) throw new Error('onSessionExpired failed');
        return Promise.reject(new Error('onSessionExpired rejected'));
      },
      refreshTimeout: schedule.refreshTimeout,
      ...(expiry && ahead
        ? { expiresAt: () => expiry.expiresAt(this.store.access), refreshMargin: ahead.margin }
        : {}),
    };
    const shared = schedule.shared ? createRefreshSession(sessionOptions) : undefined;
    for (const name of schedule.shared ? (['a', 'b'] as const) : (['a'] as const)) {
      const api = axios.create({
        adapter: this.recording(options.transport),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      });
      const { stack } = schedule;
      const token = (): void => {
        api.interceptors.request.use((config) => {
          config.headers.set('Authorization', `Bearer ${this.store.access}`);
          return config;
        });
      };
      // Each outcome a caller gets must pass the app's response interceptor exactly once.
      const response = (): void => {
        api.interceptors.response.use(
          (answer) => {
            this.seenByApp(answer.config.url);
            return answer;
          },
          (error: unknown) => {
            this.seenByApp((error as { config?: { url?: string } } | null)?.config?.url);
            throw error;
          },
        );
      };
      if (stack.token === 'before') token();
      if (stack.response === 'before') response();
      const attachWith = shared ? { session: shared } : sessionOptions;
      const first = createRefreshInterceptor(api, attachWith);
      if (stack.token === 'after') token();
      if (stack.response === 'after') response();
      const interceptor = this.attachAgain(api, first, attachWith, stack.again);
      // Never runs: its `runWhen` is asked as an attempt enters the chain, and again when the
      // library prepares it afresh after a refresh, which tells a retry held ahead of expiry from
      // a 401 still waiting on a refresh. A retry is marked as one.
      api.interceptors.request.use((config) => config, null, {
        runWhen: (config) => {
          const record = this.records[requestId(config.url) ?? -1];
          const attempt = (config as { axiosRefreshRetried?: boolean }).axiosRefreshRetried ? 2 : 1;
          if (record) record.requested = Math.max(record.requested, attempt);
          return false;
        },
      });
      this.instances.set(name, api);
      this.interceptors.set(name, interceptor);
    }
    this.session = this.interceptors.get('a')!.session;
  }

  private async refresh({ client, signal, error }: RefreshContext): Promise<void> {
    this.refreshCalls += 1;
    const call = this.refreshCalls;
    const trigger = this.records[requestId(error?.config?.url) ?? -1];
    this.log.event(`app: refresh #${call} starts, ${error ? `for r${trigger?.id ?? '?'}` : 'ahead of expiry'}`);
    if (this.refreshesRunning > 0) {
      this.log.violation(`refresh #${call} started while ${this.refreshesRunning} other refresh(es) of the session ran`);
    }
    if (!error) {
      this.startedAhead(call);
    } else if (!trigger) {
      this.log.violation(`refresh #${call} started without a 401 of a request of the schedule`);
    } else if (trigger.plan.skip) {
      this.log.violation(`refresh #${call} started for the 401 of r${trigger.id}, which has skipAuthRefresh`);
    } else if (trigger.sentAt < this.lastDecisive) {
      this.log.violation(
        `refresh #${call} started for r${trigger.id}, sent before the latest refresh that succeeded or was rejected: ` +
          'its 401 should be retried or rejected without another refresh',
      );
    }
    this.refreshesRunning += 1;
    let running = true;
    // A refresh counts as running until it settles or the session abandons it.
    const stop = (end: RefreshEnd): void => {
      if (!running) return;
      running = false;
      this.refreshesRunning -= 1;
      this.refreshEnds.set(call, end);
      if (end === 'failed' && this.aheadCalls.has(call)) this.lastSoftFailure = this.order++;
      if (end !== 'failed') this.lastDecisive = this.order++;
      if (end === 'succeeded') this.lastSuccess = this.lastDecisive;
    };
    const abandoned = (): void => {
      stop('failed');
    };
    signal.addEventListener('abort', abandoned);
    try {
      const { data } = await client.post<Issued>('/refresh', { refresh: this.store.refresh }, { signal });
      this.store.access = data.access;
      this.store.refresh = data.refresh;
      this.stored.add(data.refresh);
      if (this.expiry && data.expiresIn !== undefined) {
        const now = Date.now();
        this.expiry.learn(data.access, now + data.expiresIn, this.order++, now);
      }
      this.log.event(`app: refresh #${call} stored ${this.expiry?.describe(data.access) ?? data.access}`);
      stop('succeeded');
    } catch (failure) {
      const status = isAxiosError(failure) ? failure.response?.status : undefined;
      stop(status !== undefined && status >= 400 && status < 500 ? 'rejected' : 'failed');
      throw failure;
    } finally {
      signal.removeEventListener('abort', abandoned);
    }
  }

  /** Without a 401: only with `expiresAt`, and only once the token is within the margin. */
  private startedAhead(call: number): void {
    this.aheadRefreshes += 1;
    this.aheadCalls.add(call);
    const { expiry } = this;
    if (!expiry) {
      this.log.violation(`refresh #${call} started without a 401, and the app gave no expiresAt`);
    } else if (!expiry.due(this.store.access, Date.now())) {
      this.log.violation(`refresh #${call} started ahead of expiry although ${expiry.describe(this.store.access)} is not within the ${expiry.margin} ms margin`);
    }
  }

  /** Wraps the transport to record each attempt the client sends and what it ended with. */
  private recording(transport: AxiosAdapter): AxiosAdapter {
    return (config) => {
      const record = this.records[requestId(config.url) ?? -1];
      if (!record) return transport(config);
      const authorization = config.headers.get('Authorization');
      this.sending(record, typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : undefined);
      const attempt = record.sends - 1;
      return transport(config).then(
        (response) => {
          record.responses[attempt] = response;
          return response;
        },
        (error: unknown) => {
          record.rejections[attempt] = error;
          // The library decides about a retry only once this failure has reached it.
          record.looked[attempt + 1] = { time: Date.now(), order: this.order };
          throw error;
        },
      );
    };
  }

  private sending(record: RequestRecord, token: string | undefined): void {
    record.sends += 1;
    if (record.plan.skip && record.sends > 1) {
      this.log.violation(`r${record.id} has skipAuthRefresh but was sent again`);
    }
    if (record.sends === 2 && this.lastSuccess < record.sentAt) {
      this.log.violation(`r${record.id} was retried with no refresh succeeding after it was sent: it carries the credentials that failed`);
    }
    this.checkMargin(record, token);
    if (record.sends > 1 || this.ejected.has(record.plan.on)) return;
    if (record.maybeHeld) {
      // Held or not, it counts as sent now: had it not been held, nothing happened in between.
      record.sentAt = this.order++;
      return;
    }
    const { heldBy } = record;
    if (heldBy === undefined) {
      // The library looks as the request reaches the adapter, and one that a refresh overtook on
      // its way there goes out under that refresh's credentials: it counts as sent now.
      record.sentAt = this.order++;
      return;
    }
    const end = this.refreshEnds.get(heldBy);
    if (end === undefined && this.refreshing) {
      this.log.violation(`r${record.id} was started during refresh #${heldBy} and went out before it settled`);
    } else if (this.failedSoftly(heldBy)) {
      // README: a refresh ahead of expiry that fails transiently lets the request go out as it is.
    } else if (end !== undefined && end !== 'succeeded') {
      this.log.violation(`r${record.id} was held by refresh #${heldBy}, which ${end}, and went out anyway`);
    } else {
      // README: held requests count as sent under the new credentials, so from now on.
      record.sentAt = this.order++;
    }
  }

  /** Whether refresh `call` was one ahead of expiry that failed transiently. */
  private failedSoftly(call: number | undefined): boolean {
    return call !== undefined && this.aheadCalls.has(call) && this.refreshEnds.get(call) === 'failed';
  }

  /**
   * With `expiresAt`: no attempt goes out with a token the app knew to be due when the library
   * looked, unless the refresh it waited for was one ahead of expiry that failed transiently.
   */
  private checkMargin(record: RequestRecord, token: string | undefined): void {
    const { expiry } = this;
    if (!expiry || token === undefined || record.plan.skip || this.ejected.has(record.plan.on)) return;
    if (record.sends === 1 && this.failedSoftly(record.heldBy)) return;
    const looked = record.looked[record.sends - 1];
    if (!looked) {
      this.log.violation(`test harness: no moment recorded before attempt ${record.sends} of r${record.id}`);
      return;
    }
    // It may have waited for that refresh, and then goes out with what it has.
    if (this.lastSoftFailure >= looked.order) return;
    const misuse = expiry.misuse(token, looked, this.exact ? Date.now() : looked.time);
    if (misuse) this.log.violation(`r${record.id} (attempt ${record.sends}) ${misuse}`);
  }

  /** Whether any session of the app is refreshing (two, when setup attached new options again). */
  get refreshing(): boolean {
    return this.sessions.some((session) => session.refreshing);
  }

  start(id: number): void {
    const record = this.records[id]!;
    const { plan } = record;
    const api = this.instances.get(plan.on)!;
    const config: AxiosRequestConfig = plan.skip ? { skipAuthRefresh: true } : {};
    if (record.plan.abortAfter !== undefined) {
      if (record.plan.abortVia === 'signal') {
        record.controller = new AbortController();
        config.signal = record.controller.signal;
      } else {
        record.source = axios.CancelToken.source();
        config.cancelToken = record.source.token;
      }
    }
    record.started = true;
    record.sentAt = this.order++;
    const now = Date.now();
    record.looked[0] = { time: now, order: record.sentAt };
    const { refreshing } = this.session;
    record.heldBy = this.holder(record, now);
    const held = record.heldBy === undefined ? '' : refreshing ? ` during refresh #${record.heldBy}` : ', due for a refresh ahead of expiry';
    this.log.event(`app: r${id} starts on ${plan.on}${plan.skip ? ' with skipAuthRefresh' : ''}${held}`);
    api.get(`/r/${id}`, config).then(
      (response) => {
        this.settle(record, classifyResponse(record, response, this.log));
      },
      (error: unknown) => {
        this.settle(record, classifyError(record, error, this.ejected.has(plan.on), this.log));
      },
    );
    // The library read the clock after `now`: on real time it may have passed the margin since.
    record.maybeHeld = record.heldBy === undefined && this.mayHoldAhead(record, Date.now());
    if (record.heldBy === undefined && !record.maybeHeld) this.goesOutAtOnce(record);
  }

  /** The refresh a request started now waits for: the one in flight, or one it starts as its token is due. */
  private holder(record: RequestRecord, now: number): number | undefined {
    if (record.plan.skip) return undefined;
    if (this.refreshing) return this.refreshCalls;
    return this.mayHoldAhead(record, now) ? this.refreshCalls + 1 : undefined;
  }

  private mayHoldAhead(record: RequestRecord, now: number): boolean {
    if (record.plan.skip || this.ejected.has(record.plan.on)) return false;
    return this.expiry?.due(this.store.access, now) ?? false;
  }

  /**
   * Nothing holds a request started with no refresh running and a token not due (the check is
   * lazy), nor one with skipAuthRefresh, whatever the session is doing; the latter starts no refresh.
   */
  private goesOutAtOnce(record: RequestRecord): void {
    const calls = this.refreshCalls;
    afterMicrotasks(() => {
      // The library looks as the request reaches the adapter, after the app's interceptors: on
      // real time a refresh may have started, or the clock crossed the margin, by then.
      const lateLook = !this.exact && !record.plan.skip && (this.refreshCalls > calls || this.mayHoldAhead(record, Date.now()));
      if (record.sends === 0 && !lateLook) {
        this.log.violation(
          `r${record.id} ${record.plan.skip ? 'has skipAuthRefresh' : 'was started with no refresh running and a token not due'} but was held`,
        );
      }
      // On real time, other answers may come in before this check and start a refresh.
      if (record.plan.skip && this.exact && this.refreshCalls > calls) {
        this.log.violation(`r${record.id} has skipAuthRefresh but started refresh #${this.refreshCalls}`);
      }
    });
  }

  /** Aborting settles a request at once with CanceledError, wherever it is. */
  abort(id: number): void {
    const record = this.records[id]!;
    // The drivers fire events in schedule order; anything else is a fault of the test.
    if (!record.started) throw new Error(`test harness: r${id} aborted before it was started`);
    record.abortFired = true;
    this.log.event(`app: r${id} aborted`);
    record.controller?.abort();
    record.source?.cancel('aborted by the schedule');
    if (record.settlements > 0) return;
    afterMicrotasks(() => {
      if (record.kind !== 'canceled') {
        this.log.violation(`r${id} was aborted while unsettled but did not reject at once with CanceledError (${record.kind ?? 'still pending'})`);
      }
    });
  }

  /**
   * Ejecting settles at once what waits on a refresh: a request whose 401 waits rejects with
   * that very 401, a held request (a retry held ahead of expiry too) is sent as it is; an
   * instance's own session stops refreshing.
   */
  eject(which: Which): void {
    this.log.event(`app: eject ${which}`);
    const waiting = this.records.filter(
      (r) => r.plan.on === which && r.settlements === 0 && r.requested === 1 && r.sends === 1 && is401(r.rejections[0]),
    );
    // Between two events, an attempt that entered the chain but has not gone out is held.
    const held = this.records.filter((r) => r.plan.on === which && r.settlements === 0 && r.sends < r.requested);
    this.ejected.add(which);
    this.interceptors.get(which)!.eject();
    afterMicrotasks(() => {
      for (const r of waiting) {
        if (r.kind !== 'original-401') {
          this.log.violation(`r${r.id} waited on a refresh when its instance was ejected but did not reject at once with its 401 (${r.kind ?? 'still pending'})`);
        }
      }
      for (const r of held) {
        if (r.sends < r.requested && r.settlements === 0) {
          this.log.violation(`r${r.id} was held when its instance was ejected but was not sent at once`);
        }
      }
      if (!this.schedule.shared && (this.refreshing || this.refreshesRunning > 0)) {
        this.log.violation('ejecting the instance did not abandon the refresh of its own session');
      }
    });
  }

  expire(): void {
    this.server.expire();
  }

  get unsettled(): number {
    return this.records.filter((r) => r.settlements === 0).length;
  }

  /**
   * Setup code that runs again: the same options give back the same interceptor; new options
   * add one that takes precedence, and ejecting the instance ejects both.
   */
  private attachAgain(
    api: AxiosInstance,
    first: RefreshInterceptor,
    options: Parameters<typeof createRefreshInterceptor>[1],
    again: SchedulePlan['stack']['again'],
  ): RefreshInterceptor {
    this.sessions.push(first.session);
    if (again === 'no') return first;
    if (again === 'same') {
      const same = createRefreshInterceptor(api, options);
      if (same !== first) this.log.violation('attaching the same options again made a second interceptor');
      return first;
    }
    const newer = createRefreshInterceptor(api, { ...options });
    this.sessions.push(newer.session);
    return {
      session: newer.session,
      eject() {
        newer.eject();
        first.eject();
      },
    };
  }

  private seenByApp(url: string | undefined): void {
    const record = this.records[requestId(url) ?? -1];
    if (record) record.seenByApp += 1;
  }

  private settle(record: RequestRecord, kind: OutcomeKind): void {
    // A cancellation carries no config to tell whose it is.
    if (this.schedule.stack.response !== 'none' && kind !== 'canceled' && record.seenByApp !== 1) {
      this.log.violation(`r${record.id}'s outcome went through the app's response interceptor ${record.seenByApp} times`);
    }
    record.settlements += 1;
    record.kind = kind;
    this.log.event(`app: r${record.id} settles: ${kind}`);
    if (record.settlements > 1) this.log.violation(`r${record.id} settled ${record.settlements} times`);
  }

  /** After every step: no timer but the refresh timeout, and that one only while refreshing. */
  checkTimers(timers: number): void {
    const expected = this.refreshing ? 1 : 0;
    if (timers !== expected) {
      this.log.violation(`${timers} timer(s) pending while ${this.refreshing ? 'refreshing' : 'not refreshing'} (expected ${expected})`);
    }
  }

  /** Once nothing is left to happen: everything settled and every count within its bound. */
  finish(): Record<OutcomeKind, number> {
    const kinds = Object.fromEntries(OUTCOME_KINDS.map((kind) => [kind, 0])) as Record<OutcomeKind, number>;
    for (const record of this.records) {
      if (!record.started) this.log.violation(`r${record.id} was never started`);
      if (record.settlements !== 1) this.log.violation(`r${record.id} settled ${record.settlements} times, not once`);
      if (record.kind) kinds[record.kind] += 1;
      if (record.plan.skip) this.reachedOnce(record);
    }
    const { server } = this;
    if (this.refreshing) this.log.violation('the session is still refreshing when nothing is left to happen');
    if (this.refreshesRunning !== 0) this.log.violation(`${this.refreshesRunning} refresh(es) still running at the end`);
    if (server.rotations > server.expiries + server.lifetimeEnds) {
      this.log.violation(
        `${server.rotations} successful refreshes for ${server.expiries} revocations and ${server.lifetimeEnds} token(s) near the end of their lifetime`,
      );
    }
    const expiredBound = this.exact ? this.sessionExpiredCalls !== server.rejected : this.sessionExpiredCalls > server.rejected;
    if (expiredBound) {
      this.log.violation(`onSessionExpired called ${this.sessionExpiredCalls} times for ${server.rejected} rejected refresh(es)`);
    }
    if (this.exact && server.refreshesInFlight !== 0) {
      this.log.violation(`${server.refreshesInFlight} refresh call(s) still open on the server`);
    }
    return kinds;
  }

  private reachedOnce(record: RequestRecord): void {
    const arrivals = this.server.arrivalsOf(record.id);
    // Over real sockets an abort may stop a request before it reaches the server.
    if (arrivals > 1 || (arrivals === 0 && (this.exact || !record.abortFired))) {
      this.log.violation(`r${record.id} has skipAuthRefresh and reached the server ${arrivals} times, not once`);
    }
  }

  /** Whether the server rotated a refresh token that never reached the client (loopback only). */
  lostRotation(): boolean {
    return this.server.issued.some((token) => !this.stored.has(token));
  }
}
