import { AsyncResource } from 'node:async_hooks';
import axios, { isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosInstance, AxiosRequestConfig } from 'axios';
import { createRefreshInterceptor, createRefreshSession, expiry as knownExpiry, isSessionExpiredError, observe } from '../../../src/index.js';
import type { RefreshContext, RefreshInterceptor, RefreshSession } from '../../../src/index.js';
import { KnownExpiries } from './expiry.js';
import { afterMicrotasks } from './flush.js';
import { ModelServer, REVOKED } from './model-server.js';
import type { Log } from './model-server.js';
import { OUTCOME_KINDS, classifyError, classifyResponse, describe, is401 } from './outcomes.js';
import type { OutcomeKind } from './outcomes.js';
import { newRecord } from './record.js';
import type { RequestRecord } from './record.js';
import { refreshPlan } from './schedule.js';
import type { LoginHow, SchedulePlan, Which } from './schedule.js';
import { SessionModel } from './session-model.js';
import type { CallRecord, Joined } from './session-model.js';

/*
 * The invariants of the model, and where each is checked (W: this file, M: session-model.ts,
 * S: model-server.ts, E: expiry.ts, O: outcomes.ts, D: the drivers in memory.ts and loopback.ts).
 * The model keeps its own picture of the session's state machine (M), built from what `refresh`
 * and the server did, and asks it what the library must do:
 *
 * - every request settles exactly once (W settle, finish; D bounds each run)
 * - never two refresh calls out at once, a late one (its waiters gave up at refreshTimeout, the
 *   call goes on) included: counted from the call to `refresh` until it settles (W refresh,
 *   M started) and where the server receives it until it answers (S arriveRefresh)
 * - session.state is the model's after every step: ended after a rejected refresh, refreshing
 *   while a call is out, cooling-down until the cooldown's retryAt, else live (W checkStep)
 * - ended stays ended: after a rejected refresh no refresh starts, ahead of expiry or for a 401,
 *   until a log-in (M started); a 401 then rejects at once with a SessionExpiredError caused by
 *   that rejection, whenever its request was sent (W judge401, checkCause); onSessionExpired and
 *   session-ended come once per end, never again for later 401s (W finish, M observe)
 * - a log-in (a skipAuthRefresh POST that succeeds, or session.begin()) makes an ended session
 *   live, reported once (session-began); a 401 of a request sent before it and after the end is
 *   retried once without a refresh, one of a request sent before the end rejects with
 *   SessionExpiredError (M verdict); begin() on a session that has not ended changes no state, and marks a
 *   call out as from before a log-in, whose rejection then ends nothing (W login, M)
 * - a log-in POST counts when it went out after an end or while a refresh call was out, late or
 *   not (W login): answered after that call was rejected, it makes the ended session live as
 *   above; answered while a call is out, that call's rejection (the server's 401, or the log-in
 *   revoked the refresh token it presented) ends nothing: no onSessionExpired, no session-ended,
 *   state live, its waiters and held requests are sent again with the log-in's credentials and
 *   get no refresh error, and a 401 of a request sent before is retried without a refresh
 *   (M settled, W sending, checkCause); the call is reported as a refresh-failed event that
 *   ended nothing, and the backoff starts over (M settled, observe); a waiter for whom the
 *   log-in's token is due then waits on for the next refresh, as any request does (M lastWave);
 *   its success is an ordinary one. A log-in sent while live or
 *   cooling down and answered while a call started since is out marks that call as a log-in
 *   answered first does; any other changes nothing but the tokens: a cooldown goes on, and a 401
 *   of a request sent before it may start a refresh although the log-in's token is good
 *   (S arriveRefresh, excused) (M loginSent, loginAnswered)
 * - after a transient failure (429, 5xx, a dropped connection, a call aborted after a timeout)
 *   no refresh starts before the cooldown's retryAt: now + the backoff
 *   min(5000, 250 * 2^(n-1)) * (1 + Math.random()) / 2 for the n-th failure in a row, or
 *   Retry-After (capped at a minute) when that is longer, as the refresh-failed event tells it (M started, cooled); a 401 meanwhile rejects at
 *   once with a RefreshFailedError caused by that failure, whose retryAt is that one and in the
 *   future, unless a refresh succeeded since its request was sent (W judge401, checkCause)
 * - a retry that gets a 401 again, sent with the credentials of the latest refresh that
 *   succeeded (or log-in) while the session was live with no call out: that refresh did not
 *   take (counted once), and a cooldown follows, with the backoff of the next in the streak of
 *   such refreshes (a success that no refusal followed ends it), as the refresh-failed event
 *   tells it (M refused, refused401); a 401 meanwhile rejects at once with a RefreshFailedError
 *   caused by it (W checkCause)
 * - a 401 with a call out joins it, in a wave with its own refreshTimeout timer: the wave times
 *   out exactly refreshTimeout after it began (M timedOut) and its waiters get a
 *   RefreshFailedError caused by that very timeout, with no retryAt; when the call settles, the
 *   waiters of the wave then waiting get its outcome: a late success is adopted (they are
 *   retried, none gets a failure), a rejection ends the session, a transient failure starts the
 *   cooldown (W checkCause, M settled); a 401 with the session live, no call out and no success
 *   since its request was sent starts a refresh at once (W judge401)
 * - no refresh while the access token is still good (not revoked and, with expiresAt, not yet
 *   within the margin of the end of its lifetime; the one issued with the refresh token the call
 *   presents, as a log-in may have issued another since the call started), but for the 401 of a
 *   request sent before a log-in the session did not count, and no more successful refreshes
 *   than revocations, tokens that reached that margin and such refreshes (S arriveRefresh,
 *   W refresh, finish)
 * - a refresh is only started by a request sent after the latest refresh that succeeded or was
 *   rejected, or log-in (W refresh); a retry only goes out after a refresh that succeeded (or a
 *   log-in) after the request was sent (W sending)
 * - a refresh without a 401 is one ahead of expiry: only with expiresAt, only once the app knows
 *   its token to be within the margin (W startedAhead), and never during a cooldown (M started)
 * - with expiresAt, no attempt goes out with a token the app knew to be within the margin when
 *   the library looked at it (at the start, or when the 401 that led to the retry came back),
 *   except a token stored after that (from the refresh it waited for), a skipAuthRefresh
 *   request, a request of an ejected instance, one the library looked at while the session had
 *   ended or cooled down, and one that waited on a refresh ahead of expiry that failed or timed
 *   out (W checkMargin, E misuse); in memory the moment is the send itself, on real time the
 *   moment before the library looked, as the clock moves on
 * - no request reaches the server more than twice, nor twice unless its first answer was 401 (S arrive)
 * - a skipAuthRefresh request goes out at once whatever the session is doing (W goesOutAtOnce),
 *   is never retried (W sending, S arrive) and reaches the server exactly once (W reachedOnce),
 *   never starts a refresh, by its 401 (W refresh) or, in memory, by going out (W goesOutAtOnce),
 *   and its caller gets the answer as it was: the very response or 401 error of its only
 *   attempt, never a refresh error (O classifySkipped, classifyResponse)
 * - a rotated refresh token is never presented again (S answerRefresh); one a log-in revoked
 *   may be, by a call that was out when the log-in was answered
 * - onSessionExpired is called with a SessionExpiredError (W)
 * - callers get only the documented outcomes, each consistent with what happened, and a caller
 *   that resolves gets the very response of its last attempt (O classify*)
 * - held requests do not go out before their wait ends, nor at all when it ends without new
 *   credentials (unless the refresh was one ahead of expiry); a request is held by the call out
 *   when it starts (not by a call ahead of expiry past refreshTimeout while the token it would
 *   replace has not expired) or, with expiresAt, by the one it starts when its token is within the margin,
 *   and never while the session has ended or cools down (W sending, holder); nothing else holds
 *   a request: the check is lazy, made as the request reaches the adapter (W goesOutAtOnce; on
 *   real time, a request that a refresh or the margin overtook before it got there is left
 *   out: whether it was held is not known)
 * - an abort rejects a pending request at once; an eject settles what waits at once (a 401
 *   waiting on a refresh rejects with that 401, an attempt held in the request chain, a retry
 *   too, is sent), and aborts the signal of the refresh of the instance's own session, whose
 *   outcome, when it settles later, changes nothing (W abort, eject, M settled)
 * - no unhandled rejection; no timer but the refreshTimeout of the wave waiting on the call out:
 *   none once it timed out or the call settled, with expiresAt too, and none for a cooldown
 *   (D, W checkStep)
 */

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
  private readonly exact: boolean;
  /** Where schedule time starts on the `Date.now()` clock. */
  private readonly origin: number;
  /** The model's own picture of the session the app refreshes through. */
  private readonly model: SessionModel;
  /** What the app tells `expiresAt`, in schedules that refresh before expiry. */
  private readonly expiry: KnownExpiries | undefined;
  /** Refresh calls started without a 401, ahead of expiry. */
  aheadRefreshes = 0;
  /** Counts starts, stored tokens and refresh endings: JavaScript runs them one at a time, so it orders them. */
  private order = 0;
  private refreshCalls = 0;
  /** Calls to `refresh` that have not settled, counted apart from the model. */
  private refreshesRunning = 0;
  private sessionExpiredCalls = 0;
  /** Log-ins sent as a POST and not answered yet, and users sent to the log-in page and not back yet. */
  private loginsPending = 0;
  private loginTimers = 0;
  /**
   * The app's own async context: a log-in the user makes while a refresh is out is no request of
   * that refresh, which Node would tell from the context its timer was set in.
   */
  private readonly app = new AsyncResource('app');

  constructor(
    private readonly schedule: SchedulePlan,
    private readonly server: ModelServer,
    private readonly log: Log,
    options: WorldOptions,
  ) {
    this.records = schedule.requests.map((plan, id) => newRecord(id, plan));
    this.exact = options.exact;
    this.origin = options.origin;
    this.model = new SessionModel({
      log,
      tick: () => this.order++,
      exact: options.exact,
      refreshTimeout: schedule.refreshTimeout,
      random: schedule.random,
      origin: options.origin,
    });
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
        this.sendToLogin();
        // Errors thrown by the handler must be ignored; alternate a throw and a rejection.
        if (this.sessionExpiredCalls % 2 === 0) throw new Error('onSessionExpired failed');
        return Promise.reject(new Error('onSessionExpired rejected'));
      },
      refreshTimeout: schedule.refreshTimeout,
      ...(expiry && ahead
        ? { expiresAt: knownExpiry(() => expiry.expiresAt(this.store.access), ahead.margin) }
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
          if (record && attempt === 2 && record.requested < 2) this.retrying(record);
          if (record) record.requested = Math.max(record.requested, attempt);
          return false;
        },
      });
      this.instances.set(name, api);
      this.interceptors.set(name, interceptor);
    }
    this.session = this.interceptors.get('a')!.session;
    observe(this.session, (event) => {
      this.model.observe(event, Date.now());
    });
    // Setup that attached new options left the first session behind: it never refreshes again.
    for (const other of this.sessions) {
      if (other === this.session) continue;
      observe(other, (event) => {
        this.log.violation(`the session left behind by new options reported ${event.type}`);
      });
    }
  }

  /** How often the schedule made each move of the session's state machine. */
  get moves(): Record<string, number> {
    return { ...this.model.moves };
  }

  private async refresh({ client, signal, error }: RefreshContext): Promise<void> {
    this.refreshCalls += 1;
    const call = this.refreshCalls;
    const now = Date.now();
    const trigger = this.records[requestId(error?.config?.url) ?? -1];
    // A late refresh: the call outlives refreshTimeout, and settles when the server answers.
    const plan = refreshPlan(this.schedule, call - 1);
    const late = plan.ignoresSignal && plan.outcome !== 'hang';
    this.log.event(`app: refresh #${call} starts, ${error ? `for r${trigger?.id ?? '?'}` : 'ahead of expiry'}${late ? ', ignoring its signal' : ''}`);
    if (this.refreshesRunning > 0) {
      this.log.violation(`refresh #${call} started while ${this.refreshesRunning} other call(s) to refresh had not settled`);
    }
    if (!error) {
      this.startedAhead(call);
    } else if (!trigger) {
      this.log.violation(`refresh #${call} started without a 401 of a request of the schedule`);
    } else if (trigger.plan.skip) {
      this.log.violation(`refresh #${call} started for the 401 of r${trigger.id}, which has skipAuthRefresh`);
    } else {
      trigger.triggered = call;
      if (trigger.sentAt < this.model.lastDecisive) {
        this.log.violation(
          `refresh #${call} started for r${trigger.id}, sent before the latest refresh that succeeded or was rejected (or log-in): ` +
            'its 401 should be retried or rejected without another refresh',
        );
      }
      if (trigger.verdict !== undefined && trigger.verdict !== 'start') {
        this.log.violation(`refresh #${call} started for the 401 of r${trigger.id}, which came when the library had to ${trigger.verdict === 'join' ? 'join the call out' : trigger.verdict}`);
      }
    }
    const record: CallRecord = { call, ahead: !error, signal, timeouts: [], end: undefined, cause: undefined, endOrder: -1, loggedIn: false, overtaken: false, dueAfter: false };
    this.model.started(record, now);
    this.refreshesRunning += 1;
    this.raceLogins(call);
    // The 401 of a request sent before a log-in that moved nothing in the session: the library
    // cannot know that the log-in's token is good, and refreshes.
    if (trigger && !trigger.plan.skip && trigger.sentAt < this.model.lastUnseenLogin) {
      this.log.event(`app: refresh #${call} is for r${trigger.id}, sent before a log-in the session did not count`);
      this.server.excuseNext = true;
    }
    try {
      const { data } = await client.post<Issued>('/refresh', { refresh: this.store.refresh }, late ? {} : { signal });
      this.store.access = data.access;
      this.store.refresh = data.refresh;
      this.stored.add(data.refresh);
      if (this.expiry && data.expiresIn !== undefined) {
        const at = Date.now();
        this.expiry.learn(data.access, at + data.expiresIn, this.order++, at);
      }
      this.log.event(`app: refresh #${call} stored ${this.expiry?.describe(data.access) ?? data.access}`);
      this.refreshesRunning -= 1;
      this.model.settled(record, 'succeeded', undefined, Date.now());
    } catch (failure) {
      const status = isAxiosError(failure) ? failure.response?.status : undefined;
      const rejected = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
      this.log.event(`app: refresh #${call} failed: ${describe(failure)}`);
      this.refreshesRunning -= 1;
      const now = Date.now();
      this.model.settled(record, rejected ? 'rejected' : 'failed', failure, now);
      if (record.overtaken) record.dueAfter = this.dueAfterLogin(now);
      const revoked = isAxiosError(failure) && (failure.response?.data as { detail?: unknown } | undefined)?.detail === REVOKED;
      if (record.overtaken && revoked) this.model.moves.overtakenRevoked += 1;
      throw failure;
    } finally {
      this.server.excuseNext = false;
    }
  }

  /** The user logs in while refresh #`call` is out (or, late, after its waiters gave up). */
  private raceLogins(call: number): void {
    for (const race of this.schedule.races) {
      if (race.call !== call) continue;
      this.loginTimers += 1;
      setTimeout(
        this.app.bind(() => {
          this.loginTimers -= 1;
          this.login(race);
        }),
        race.after,
      );
    }
  }

  /** Without a 401: only with `expiresAt`, and only once the token is within the margin. */
  private startedAhead(call: number): void {
    this.aheadRefreshes += 1;
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
          const now = Date.now();
          record.looked[attempt + 1] = { time: now, order: this.order, quiet: this.model.quiet(now), lateAhead: this.lateAhead(now) };
          if (attempt === 0 && is401(error)) this.judge401(record, now);
          // Its retry refused again: the refresh it waited for did not take.
          if (attempt === 1 && is401(error) && !record.plan.skip && !this.ejected.has(record.plan.on)) this.model.refused(record.resentAt, now);
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
    if (record.sends === 2 && this.model.lastSuccess < record.sentAt) {
      this.log.violation(`r${record.id} was retried with no refresh succeeding (nor log-in) after it was sent: it carries the credentials that failed`);
    }
    this.checkMargin(record, token);
    if (record.sends === 2) record.resentAt = this.order++;
    if (record.sends > 1 || this.ejected.has(record.plan.on)) return;
    if (record.maybeHeld) {
      // Held or not, it counts as sent now: had it not been held, nothing happened in between.
      record.sentAt = this.order++;
      return;
    }
    const { heldBy } = record;
    const joined = record.joined && this.model.lastWave(record.joined);
    const call = joined && this.model.calls.get(joined.call);
    if (heldBy === undefined || !joined || !call) {
      // The library looks as the request reaches the adapter, and one that a refresh overtook on
      // its way there goes out under that refresh's credentials: it counts as sent now.
      record.sentAt = this.order++;
      return;
    }
    const outcome = this.model.waveOutcome(joined);
    if (!outcome) {
      this.log.violation(`r${record.id} was held by refresh #${joined.call} and went out before its wait ended`);
    } else if (outcome.end === 'succeeded' || outcome.end === 'overtaken') {
      // README: held requests count as sent under the new credentials (the refresh's or, for a
      // rejection a log-in overtook, the log-in's), so from now on.
      record.sentAt = this.order++;
    } else if (!call.ahead || outcome.end === 'rejected') {
      // README: only a refresh ahead of expiry that fails transiently (or times out) lets the request go out as it is.
      const how = outcome.end === 'failed' ? 'a transient failure' : outcome.end === 'timeout' ? 'a timeout' : 'a rejection';
      this.log.violation(`r${record.id} was held by refresh #${joined.call}, whose wait ended with ${how}, and went out anyway`);
    } else {
      // Let go by a refresh ahead that failed transiently, it goes out as it is, and counts as
      // sent now: after a log-in that released it to that refresh, with the log-in's token.
      record.sentAt = this.order++;
    }
  }

  /** Whether the request waited on a refresh ahead of expiry that ended without new credentials, and went out as it was. */
  private heldSoftly(record: RequestRecord): boolean {
    const joined = record.heldBy === undefined ? undefined : record.joined && this.model.lastWave(record.joined);
    const call = joined && this.model.calls.get(joined.call);
    const outcome = joined && this.model.waveOutcome(joined);
    return call !== undefined && call.ahead && outcome !== undefined && (outcome.end === 'timeout' || outcome.end === 'failed');
  }

  /**
   * Whether the token a log-in left is due now, as a refresh call that the log-in overtook is
   * rejected; `undefined` when the library, looking a moment later on real time, may see otherwise.
   */
  private dueAfterLogin(now: number): boolean | undefined {
    const due = (time: number): boolean => !this.model.quiet(time) && (this.expiry?.due(this.store.access, time) ?? false);
    const seen = due(now);
    return this.exact || seen === due(now + 5) ? seen : undefined;
  }

  /**
   * With `expiresAt`: no attempt goes out with a token the app knew to be due when the library
   * looked, unless the refresh it waited for was one ahead of expiry that failed transiently.
   */
  private checkMargin(record: RequestRecord, token: string | undefined): void {
    const { expiry } = this;
    if (!expiry || token === undefined || record.plan.skip || this.ejected.has(record.plan.on)) return;
    if (record.sends === 1 && this.heldSoftly(record)) return;
    const looked = record.looked[record.sends - 1];
    if (!looked) {
      this.log.violation(`test harness: no moment recorded before attempt ${record.sends} of r${record.id}`);
      return;
    }
    // The session refreshed nothing ahead of expiry then: it had ended, or cooled down.
    if (looked.quiet || looked.lateAhead) return;
    // It may have waited for that refresh, and then goes out with what it has.
    if (this.model.lastSoftFailure >= looked.order) return;
    const misuse = expiry.misuse(token, looked, this.exact ? Date.now() : looked.time);
    if (misuse) this.log.violation(`r${record.id} (attempt ${record.sends}) ${misuse}`);
  }

  /** Whether any session of the app is refreshing (two, when setup attached new options again). */
  get refreshing(): boolean {
    return this.sessions.some((session) => session.refreshing);
  }

  /**
   * Whether anything is left to happen: a request or log-in unsettled, a refresh call out (one
   * that an ejected instance's session let go of, too), a user on the log-in page.
   */
  get busy(): boolean {
    return this.unsettled > 0 || this.refreshing || this.refreshesRunning > 0 || this.loginsPending > 0 || this.loginTimers > 0;
  }

  /**
   * The 401 of a first attempt reached the library: what it must do by the model's state of the
   * session, checked once what it does at once has run.
   */
  private judge401(record: RequestRecord, now: number): void {
    if (record.plan.skip || this.ejected.has(record.plan.on)) return;
    const verdict = this.model.verdict(record.sentAt, now);
    record.verdict = verdict;
    record.joined = verdict === 'join' ? this.model.join(now) : undefined;
    if (verdict === 'expired') this.model.moves.endedRejections += 1;
    if (verdict === 'cooling') this.model.moves.cooldownRejections += 1;
    afterMicrotasks(() => {
      const got = record.kind ?? 'still pending';
      if (verdict === 'expired' && record.kind !== 'session-expired') {
        this.log.violation(`r${record.id}'s 401 came after the session ended, yet it did not reject at once with SessionExpiredError (${got})`);
      } else if (verdict === 'cooling' && record.kind !== 'refresh-failed') {
        this.log.violation(`r${record.id}'s 401 came during a cooldown, yet it did not reject at once with RefreshFailedError (${got})`);
      } else if (verdict === 'start' && record.triggered === undefined) {
        this.log.violation(`r${record.id}'s 401 came with the session live and no call out, yet started no refresh (${got})`);
      } else if (verdict === 'retry' && record.requested < 2) {
        this.log.violation(`r${record.id}'s 401 came after a refresh succeeded since it was sent, yet it was not retried at once (${got})`);
      }
    });
  }

  /** A retry enters the request chain: it waits on the call out, or on one it starts ahead of expiry. */
  private retrying(record: RequestRecord): void {
    if (record.plan.skip || this.ejected.has(record.plan.on)) return;
    const now = Date.now();
    record.joined = this.model.running
      ? this.lateAhead(now)
        ? undefined
        : this.model.join(now)
      : this.mayHoldAhead(record, now)
        ? { call: this.refreshCalls + 1, order: this.order++ }
        : undefined;
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
    record.looked[0] = { time: now, order: record.sentAt, quiet: this.model.quiet(now), lateAhead: this.lateAhead(now) };
    const refreshing = this.model.running !== undefined;
    record.heldBy = this.holder(record, now);
    record.joined = this.waitsOn(record, now);
    const held = record.heldBy === undefined ? '' : refreshing ? ` during refresh #${record.heldBy}` : ', due for a refresh ahead of expiry';
    this.log.event(`app: r${id} starts on ${plan.on}${plan.skip ? ' with skipAuthRefresh' : ''}${held}`);
    api.get(`/r/${id}`, config).then(
      (response) => {
        this.settle(record, classifyResponse(record, response, this.log));
      },
      (error: unknown) => {
        this.settle(record, classifyError(record, error, this.ejected.has(plan.on), this.log), error);
      },
    );
    // The library read the clock after `now`: on real time it may have passed the margin since.
    record.maybeHeld = record.heldBy === undefined && this.mayHoldAhead(record, Date.now());
    if (record.heldBy === undefined && !record.maybeHeld) this.goesOutAtOnce(record);
  }

  /**
   * The refresh a request started now waits for: the call out, however late, or one it starts
   * as its token is due (not while the session has ended or cools down).
   */
  private holder(record: RequestRecord, now: number): number | undefined {
    if (record.plan.skip || this.ejected.has(record.plan.on)) return undefined;
    if (this.model.running && !this.model.disposed) return this.lateAhead(now) ? undefined : this.model.running.call;
    return this.mayHoldAhead(record, now) ? this.refreshCalls + 1 : undefined;
  }

  /**
   * A refresh ahead of expiry is out whose waiters gave up after refreshTimeout, and the token
   * stored now has not expired: it holds no request (README: a late refresh ahead holds nothing
   * while the token works).
   */
  private lateAhead(now: number): boolean {
    const { running } = this.model;
    if (!running?.ahead || running.timeouts.length === 0) return false;
    const at = this.expiry?.expiresAt(this.store.access);
    return at === undefined || now < at;
  }

  /** Where a request held at its start joins: the wave of the call out (a new one after a timeout), or the call it starts. */
  private waitsOn(record: RequestRecord, now: number): Joined | undefined {
    if (record.heldBy === undefined) return undefined;
    return record.heldBy === this.model.running?.call ? this.model.join(now) : { call: record.heldBy, order: record.sentAt };
  }

  private mayHoldAhead(record: RequestRecord, now: number): boolean {
    if (record.plan.skip || this.ejected.has(record.plan.on) || this.model.quiet(now)) return false;
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
   * instance's own session aborts the signal of its refresh, whose outcome then changes nothing.
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
    const running = this.model.running;
    if (!this.schedule.shared) this.model.dispose();
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
      // The call may go on (a refresh that ignores its signal); it must be told to stop.
      if (!this.schedule.shared && running && !running.signal.aborted) {
        this.log.violation(`ejecting the instance did not abort the signal of refresh #${running.call} of its own session`);
      }
    });
  }

  expire(): void {
    this.server.expire();
  }

  /**
   * The app logs in, at any moment: with a skipAuthRefresh POST, which the session counts when it
   * goes out after an end or while a refresh call is out (see SessionModel.loginAnswered), or,
   * once the session has ended, elsewhere, telling the session with `begin()`. Before an end the
   * app only calls `begin()`, which must change no state (a call out is marked, as by a log-in).
   */
  login(how: LoginHow): void {
    // The instance's own session went with it; a second POST while one is out would log in twice.
    if (this.model.disposed || this.loginsPending > 0) return;
    if (how.via === 'begin' && !this.model.ended) {
      const before = this.session.state;
      this.log.event(`app: calls begin() with the session ${before}`);
      this.session.begin();
      if (this.session.state !== before) this.log.violation(`begin() on a session that had not ended moved it from ${before} to ${this.session.state}`);
      // README: a refresh call out then presented the credentials from before a log-in; its rejection ends nothing.
      this.model.begunDuringCall();
      return;
    }
    if (how.via === 'begin') {
      this.log.event('app: logs in elsewhere and calls begin()');
      this.loggedIn(this.server.login(how.revokes).data as Issued);
      this.model.expectLogin();
      this.model.loggedIn();
      this.session.begin();
      return;
    }
    const on = (['a', 'b'] as const).find((which) => this.instances.has(which) && !this.ejected.has(which));
    if (!on) return;
    const ended = this.model.ended !== undefined;
    const running = this.model.running;
    const counted = ended || running !== undefined;
    const late = running && running.timeouts.length > 0 ? `, refresh #${running.call} past refreshTimeout` : '';
    this.log.event(`app: logs in with a skipAuthRefresh POST on ${on}, the session ${this.model.expectedState(Date.now())}${late}`);
    this.loginsPending += 1;
    this.model.loginSent(counted, Date.now());
    this.server.expectLogin(how);
    this.instances.get(on)!.post<Issued>('/login', null, { skipAuthRefresh: true }).then(
      ({ data }) => {
        this.loginsPending -= 1;
        this.model.loginAnswered(counted);
        this.loggedIn(data);
        // Ejected while the log-in was out, the instance is plain axios again: the app tells the
        // session itself (the other instance still uses it).
        if (ended && this.ejected.has(on)) this.session.begin();
      },
      (error: unknown) => {
        this.loginsPending -= 1;
        this.log.violation(`the log-in failed: ${describe(error)}`);
      },
    );
  }

  /** onSessionExpired sends the user to the log-in page; with `relogin`, they are back a moment later. */
  private sendToLogin(): void {
    const { relogin } = this.schedule;
    if (!relogin) return;
    this.loginTimers += 1;
    setTimeout(() => {
      this.loginTimers -= 1;
      this.login(relogin);
    }, relogin.after);
  }

  /** Stores the tokens of a log-in, as the app's log-in page would. */
  private loggedIn(data: Issued): void {
    this.store.access = data.access;
    this.store.refresh = data.refresh;
    this.stored.add(data.refresh);
    if (this.expiry && data.expiresIn !== undefined) this.expiry.learn(data.access, Date.now() + data.expiresIn, this.order++);
    this.log.event(`app: logged in, stored ${this.expiry?.describe(data.access) ?? data.access}`);
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

  private settle(record: RequestRecord, kind: OutcomeKind, error?: unknown): void {
    // A cancellation carries no config to tell whose it is.
    if (this.schedule.stack.response !== 'none' && kind !== 'canceled' && record.seenByApp !== 1) {
      this.log.violation(`r${record.id}'s outcome went through the app's response interceptor ${record.seenByApp} times`);
    }
    record.settlements += 1;
    record.kind = kind;
    this.log.event(`app: r${record.id} settles: ${kind}`);
    if (record.settlements > 1) this.log.violation(`r${record.id} settled ${record.settlements} times`);
    this.checkCause(record, kind, error);
  }

  /** A time on the `Date.now()` clock as the trace shows it. */
  private schedTime(time: unknown): string {
    return typeof time === 'number' ? `${time - this.origin} ms` : String(time);
  }

  /**
   * A refresh error is about what the session did: a SessionExpiredError carries the rejection
   * that ended it; a RefreshFailedError the timeout of its own wave (no retryAt) or the
   * transient failure that started a cooldown (that cooldown's retryAt, in the future for a 401
   * rejected during it); a request whose wait ended in new credentials gets neither.
   */
  private checkCause(record: RequestRecord, kind: OutcomeKind, error: unknown): void {
    if (kind !== 'session-expired' && kind !== 'refresh-failed') return;
    const { cause, retryAt } = error as { cause?: unknown; retryAt?: unknown };
    const { model } = this;
    const id = `r${record.id}`;
    if (kind === 'session-expired') {
      if (!model.endCauses.has(cause)) this.log.violation(`${id} got a SessionExpiredError caused by something that ended no session: ${describe(cause)}`);
    } else if (model.timeoutErrors.has(cause)) {
      if (retryAt !== undefined) this.log.violation(`${id} got a RefreshFailedError for a timeout with retryAt ${this.schedTime(retryAt)}, while its call is still out`);
    } else if (!model.transientCauses.has(cause)) {
      this.log.violation(`${id} got a RefreshFailedError caused by something that was no transient failure of the session: ${describe(cause)}`);
    } else if (retryAt !== model.transientCauses.get(cause)) {
      this.log.violation(`${id} got a RefreshFailedError with retryAt ${this.schedTime(retryAt)}, not ${this.schedTime(model.transientCauses.get(cause))}, when the cooldown its cause started ends`);
    }
    const looked = record.looked[1];
    if (record.verdict === 'cooling' && looked && !(typeof retryAt === 'number' && retryAt > looked.time)) {
      this.log.violation(`${id}'s 401 came during a cooldown at ${this.schedTime(looked.time)}, yet its RefreshFailedError has retryAt ${this.schedTime(retryAt)}`);
    }
    const outcome = record.joined && model.waveOutcome(record.joined);
    if (!record.joined || !outcome) return;
    if (outcome.end === 'succeeded') {
      this.log.violation(`${id} waited on refresh #${record.joined.call}, which gave new credentials (late or not), yet got ${kind}`);
    } else if (outcome.end === 'overtaken') {
      this.log.violation(`${id} waited on refresh #${record.joined.call}, whose rejection a log-in overtook, yet got ${kind}`);
    } else if (outcome.error !== cause) {
      this.log.violation(`${id} waited on refresh #${record.joined.call} and got ${kind} caused by something other than what ended its wait (${outcome.end})`);
    }
  }

  /**
   * After every step (in memory): session.state is the model's, and no timer runs but the
   * refreshTimeout of the wave waiting on the call out.
   */
  checkStep(timers: number): void {
    // The app's own: the user on the log-in page.
    const expected = this.model.timers + this.loginTimers;
    if (timers !== expected) {
      const why = this.model.running ? `refresh #${this.model.running.call} is out, ${expected ? 'with' : 'with no'} wave waiting` : 'no refresh call is out';
      this.log.violation(`${timers} timer(s) pending while ${why} (expected ${expected})`);
    }
    if (this.model.disposed) return;
    const state = this.session.state;
    const want = this.model.expectedState(Date.now());
    if (state !== want) this.log.violation(`session.state is ${state}, expected ${want}`);
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
    if (server.rotations > server.expiries + server.lifetimeEnds + server.excused) {
      this.log.violation(
        `${server.rotations} successful refreshes for ${server.expiries} revocations, ${server.lifetimeEnds} token(s) near the end of their lifetime and ` +
          `${server.excused} refresh(es) for requests sent before a log-in the session did not count`,
      );
    }
    if (this.sessionExpiredCalls !== this.model.ends || this.model.ends > server.rejected) {
      this.log.violation(
        `onSessionExpired called ${this.sessionExpiredCalls} times for ${this.model.ends} end(s) of the session and ${server.rejected} rejected refresh(es)`,
      );
    }
    this.model.finish();
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
