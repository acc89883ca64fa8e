import { refreshPlan } from './schedule.js';
import type { LoginHow, RefreshPlan, SchedulePlan } from './schedule.js';

/** What the server says when it refuses a refresh token that a log-in revoked. */
export const REVOKED = 'refresh token revoked by a log-in';

/** What went wrong in one run, and what happened, for the failure message. */
export class Log {
  readonly violations: string[] = [];
  readonly trace: string[] = [];

  constructor(private readonly now: () => number) {}

  event(what: string): void {
    this.trace.push(`${this.now()} ms: ${what}`);
  }

  violation(what: string): void {
    this.violations.push(what);
    this.event(`VIOLATION ${what}`);
  }
}

export interface Answer {
  status: number;
  data: unknown;
  headers?: Record<string, string>;
}

/** How a refresh call ends on the server: an answer, or the connection dropped. */
export type RefreshAnswer = Answer | 'drop';

export interface RefreshCall {
  /** 1 for the first refresh call the server sees. */
  readonly call: number;
  readonly plan: RefreshPlan;
}

export interface ServerOptions {
  /**
   * When client and server share one clock and every answer reaches the client (in memory).
   */
  exact: boolean;
  /** Ms since the start of the schedule, on the clock `Date.now()` reads in the app. */
  now: () => number;
}

/**
 * The auth server of the model, with no I/O: short-lived access tokens, rotating single-use
 * refresh tokens, and a record of everything that the invariants are about. A request is
 * judged when it is answered (so a token can expire while a request is on the wire), and a
 * request aborted before its answer is never processed (so an abandoned refresh rotates nothing).
 * An access token dies when the schedule revokes it, when a refresh replaces it or, when the
 * schedule refreshes before expiry, at the end of a lifetime the server reports with it; a log-in
 * adds one and leaves the others as they were. Each log-in starts a family of refresh tokens:
 * a refresh presenting the newest token of a family the server has not revoked rotates it, and
 * a log-in that revokes the families issued before it rejects a refresh presenting one of them.
 */
export class ModelServer {
  /** Expiry events so far. */
  expiries = 0;
  /** Refresh calls that issued new tokens. */
  rotations = 0;
  /** Refresh calls answered with a 4xx that ends a session (not 429). */
  rejected = 0;
  /**
   * Refresh calls made while the access token was still good, for the 401 of a request that was
   * sent before a log-in the library could not see: the library could not know of the new token.
   */
  excused = 0;
  /** The world says the next refresh call to arrive is one of those. */
  excuseNext = false;
  /** Log-ins answered. */
  logins = 0;
  /** Refresh calls that presented a refresh token already used once. */
  reuses = 0;
  refreshCalls = 0;
  refreshesInFlight = 0;
  maxRefreshesInFlight = 0;
  /** Every refresh token the server issued, oldest first. */
  readonly issued: string[] = ['refresh-0'];
  /** The access token issued last. */
  private access = 'access-0';
  /** The access tokens the server accepts, and when each reaches the end of its lifetime, in schedule time. */
  private readonly live = new Map<string, number>();
  /** The newest refresh token of each family not revoked, and the family of each refresh token issued. */
  private readonly families = new Map<number, string>([[0, 'refresh-0']]);
  private readonly familyOf = new Map<string, number>([['refresh-0', 0]]);
  /** The access token issued last with each family's refresh tokens. */
  private readonly familyAccess = new Map<number, string>([[0, 'access-0']]);
  /** How the log-in the app is sending is answered. */
  private loginPlan: Omit<LoginHow, 'via'> | undefined;
  /** Access tokens found within the margin of the end of their lifetime when a refresh arrived. */
  private readonly endingByLifetime = new Set<string>();
  private readonly used = new Set<string>();
  /** Per request id: how often it arrived, and the status of each answered attempt. */
  private readonly arrivals = new Map<number, number>();
  private readonly statuses = new Map<number, number[]>();

  private readonly exact: boolean;
  private readonly now: () => number;

  constructor(
    private readonly schedule: SchedulePlan,
    private readonly log: Log,
    options: ServerOptions,
  ) {
    this.exact = options.exact;
    this.now = options.now;
    this.live.set(this.access, schedule.ahead?.firstExpiry ?? Infinity);
  }

  static readonly initialTokens = { access: 'access-0', refresh: 'refresh-0' } as const;

  private valid(token: string | undefined): boolean {
    const ends = token === undefined ? undefined : this.live.get(token);
    return ends !== undefined && this.now() < ends;
  }

  /** Access tokens (not revoked) that were within the margin of their lifetime's end when a refresh arrived. */
  get lifetimeEnds(): number {
    return this.endingByLifetime.size;
  }

  arrivalsOf(id: number): number {
    return this.arrivals.get(id) ?? 0;
  }

  expire(): void {
    this.expiries += 1;
    this.live.clear();
    this.log.event('server: the access tokens expire');
  }

  /** A request arrives; returns how long the server takes to answer it. */
  arrive(id: number): number {
    const plan = this.schedule.requests[id];
    if (!plan) throw new Error(`no request r${id} in the schedule`);
    const n = this.arrivalsOf(id) + 1;
    this.arrivals.set(id, n);
    this.log.event(`server: r${id} arrives (attempt ${n})`);
    if (n > 2) this.log.violation(`r${id} reached the server ${n} times: a request is retried at most once`);
    if (n === 2 && plan.skip) this.log.violation(`r${id} reached the server again although it has skipAuthRefresh`);
    const first = this.statuses.get(id)?.[0];
    if (n === 2 && first !== 401) {
      this.log.violation(`r${id} was sent again although its first attempt was answered ${first ?? 'never'}, not 401`);
    }
    return n === 1 ? plan.latency : plan.retryLatency;
  }

  answer(id: number, token: string | undefined): Answer {
    const status = this.valid(token) ? 200 : 401;
    const statuses = this.statuses.get(id) ?? [];
    statuses.push(status);
    this.statuses.set(id, statuses);
    const aged = token !== undefined && this.live.has(token) && status === 401 ? ', past its lifetime' : '';
    this.log.event(`server: r${id} answered ${status} (token ${token ?? 'none'}${aged})`);
    return { status, data: { id, token } };
  }

  /**
   * A refresh call arrives, presenting `presented`. It is judged by the access token issued with
   * that refresh token: a log-in the client had not heard of when it started the call may have
   * issued a newer one since.
   */
  arriveRefresh(presented: string | undefined): RefreshCall {
    this.refreshCalls += 1;
    this.refreshesInFlight += 1;
    this.maxRefreshesInFlight = Math.max(this.maxRefreshesInFlight, this.refreshesInFlight);
    const call = { call: this.refreshCalls, plan: refreshPlan(this.schedule, this.refreshCalls - 1) };
    this.log.event(`server: refresh #${call.call} arrives (will be ${call.plan.outcome})`);
    // A call the client abandoned ends, client side, in a cooldown of 125 ms or more, long enough
    // for the server to see the connection close even over real sockets: checked on both.
    if (this.refreshesInFlight > 1) {
      this.log.violation(`refresh #${call.call} arrived while ${this.refreshesInFlight - 1} other refresh call(s) were in flight`);
    }
    const { ahead } = this.schedule;
    const family = presented === undefined ? undefined : this.familyOf.get(presented);
    const access = (family === undefined ? undefined : this.familyAccess.get(family)) ?? this.access;
    const ends = this.live.get(access) ?? -Infinity;
    const ending = ahead !== undefined && this.live.has(access) && this.now() >= ends - ahead.margin;
    if (ending) this.endingByLifetime.add(access);
    const excused = this.excuseNext;
    this.excuseNext = false;
    if (this.valid(access) && !ending) {
      if (excused) {
        this.excused += 1;
        this.log.event(`server: refresh #${call.call} comes while ${access} of a log-in is good, for a request sent before the log-in`);
      } else {
        const margin = ahead ? `, ${ends - ahead.margin - this.now()} ms before the margin of its expiry` : '';
        this.log.violation(`refresh #${call.call} was made while the access token ${access} was still valid${margin}: no expiry called for it`);
      }
    }
    return call;
  }

  /** The app is about to send a log-in: how the server answers it. */
  expectLogin(plan: Omit<LoginHow, 'via'>): void {
    this.loginPlan = plan;
  }

  /** The log-in arrives: how long the server takes to answer it. */
  arriveLogin(): number {
    return this.loginPlan?.latency ?? 1;
  }

  /** The log-in the app sent is answered. */
  answerLogin(): Answer {
    const revokes = this.loginPlan?.revokes ?? false;
    this.loginPlan = undefined;
    return this.login(revokes);
  }

  /**
   * A log-in: a new access token and a new family of refresh tokens, whatever the client held
   * before; `revokes`: every refresh token issued before is refused from now on. With lifetimes,
   * the access token lives `lifetime` from now, as refreshed ones do.
   */
  login(revokes: boolean): Answer {
    this.logins += 1;
    this.access = `access-login-${this.logins}`;
    const refresh = `refresh-login-${this.logins}`;
    if (revokes) this.families.clear();
    this.families.set(this.logins, refresh);
    this.familyOf.set(refresh, this.logins);
    this.familyAccess.set(this.logins, this.access);
    this.issued.push(refresh);
    this.log.event(`server: log-in ${this.logins} issues ${this.access}${revokes ? ' and revokes the refresh tokens issued before' : ''}`);
    const lifetime = this.schedule.ahead?.lifetime;
    this.live.set(this.access, lifetime === undefined ? Infinity : this.now() + lifetime);
    if (lifetime === undefined) return { status: 200, data: { access: this.access, refresh } };
    return { status: 200, data: { access: this.access, refresh, expiresIn: lifetime } };
  }

  /** The client gave up on a refresh call before it was answered. */
  abandonRefresh({ call }: RefreshCall): void {
    this.refreshesInFlight -= 1;
    this.log.event(`server: refresh #${call} abandoned by the client`);
  }

  answerRefresh({ call, plan }: RefreshCall, presented: string | undefined): RefreshAnswer {
    this.refreshesInFlight -= 1;
    this.log.event(`server: refresh #${call} answered ${plan.outcome} (presented ${presented ?? 'nothing'})`);
    if (plan.outcome === 'drop') return 'drop';
    if (plan.outcome === '500') return { status: 500, data: { detail: 'server error' } };
    if (plan.outcome === '429') {
      const { retryAfter } = plan;
      // An HTTP date reads the clock the client reads: schedule time in memory, wall time on loopback.
      const value = retryAfter === 'date' ? new Date(Date.now() + 3000).toUTCString() : retryAfter;
      return { status: 429, data: { detail: 'slow down' }, ...(value === undefined ? {} : { headers: { 'retry-after': value } }) };
    }
    if (plan.outcome === 'ok' && presented !== undefined && this.used.has(presented)) {
      this.reuses += 1;
      this.log.violation(`refresh #${call} presented ${presented}, a refresh token that was already rotated`);
    }
    const family = presented === undefined ? undefined : this.familyOf.get(presented);
    const current = family !== undefined && this.families.get(family) === presented;
    if (plan.outcome !== 'ok' || presented === undefined || family === undefined || !current) {
      this.rejected += 1;
      if (plan.outcome === 'ok' && family !== undefined && !this.families.has(family)) {
        this.log.event(`server: refresh #${call} presented ${presented ?? 'nothing'}, revoked by a log-in`);
        return { status: 401, data: { detail: REVOKED } };
      }
      return { status: 401, data: { detail: 'refresh token invalid' } };
    }
    this.used.add(presented);
    this.rotations += 1;
    this.access = `access-${this.rotations}`;
    const refresh = `refresh-${this.rotations}`;
    this.families.set(family, refresh);
    this.familyOf.set(refresh, family);
    this.familyAccess.set(family, this.access);
    this.issued.push(refresh);
    const lifetime = this.schedule.ahead?.lifetime;
    // A refresh replaces every access token: only the one it issues is good.
    this.live.clear();
    this.live.set(this.access, lifetime === undefined ? Infinity : this.now() + lifetime);
    if (lifetime === undefined) return { status: 200, data: { access: this.access, refresh } };
    return { status: 200, data: { access: this.access, refresh, expiresIn: lifetime } };
  }
}
