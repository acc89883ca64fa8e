import { refreshPlan } from './schedule.js';
import type { RefreshPlan, SchedulePlan } from './schedule.js';

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
 * An access token dies when the schedule revokes it or, when the schedule refreshes before
 * expiry, at the end of a lifetime the server reports with it.
 */
export class ModelServer {
  /** Expiry events so far. */
  expiries = 0;
  /** Refresh calls that issued new tokens. */
  rotations = 0;
  /** Refresh calls answered with a 4xx that ends a session (not 429). */
  rejected = 0;
  /** Log-ins answered. */
  logins = 0;
  /** Refresh calls that presented a refresh token already used once. */
  reuses = 0;
  refreshCalls = 0;
  refreshesInFlight = 0;
  maxRefreshesInFlight = 0;
  /** Every refresh token the server issued, oldest first. */
  readonly issued: string[] = ['refresh-0'];
  private access = 'access-0';
  private refresh = 'refresh-0';
  /** When the current access token reaches the end of its lifetime, in schedule time. */
  private accessEnds: number;
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
    this.accessEnds = schedule.ahead?.firstExpiry ?? Infinity;
  }

  static readonly initialTokens = { access: 'access-0', refresh: 'refresh-0' } as const;

  get accessValid(): boolean {
    return this.access.startsWith('access-') && this.now() < this.accessEnds;
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
    this.access = `expired-${this.expiries}`;
    this.log.event('server: the access token expires');
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
    const status = token === this.access && this.accessValid ? 200 : 401;
    const statuses = this.statuses.get(id) ?? [];
    statuses.push(status);
    this.statuses.set(id, statuses);
    const aged = token === this.access && status === 401 ? ', past its lifetime' : '';
    this.log.event(`server: r${id} answered ${status} (token ${token ?? 'none'}${aged})`);
    return { status, data: { id, token } };
  }

  arriveRefresh(): RefreshCall {
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
    const ending = ahead !== undefined && this.access.startsWith('access-') && this.now() >= this.accessEnds - ahead.margin;
    if (ending) this.endingByLifetime.add(this.access);
    if (this.accessValid && !ending) {
      const margin = ahead ? `, ${this.accessEnds - ahead.margin - this.now()} ms before the margin of its expiry` : '';
      this.log.violation(`refresh #${call.call} was made while the access token ${this.access} was still valid${margin}: no expiry called for it`);
    }
    return call;
  }

  /**
   * A log-in: a new pair of tokens, whatever the client held before. With lifetimes, the access
   * token lives `lifetime` from now, as refreshed ones do.
   */
  login(): Answer {
    this.logins += 1;
    this.access = `access-login-${this.logins}`;
    this.refresh = `refresh-login-${this.logins}`;
    this.issued.push(this.refresh);
    this.log.event(`server: log-in ${this.logins} issues ${this.access}`);
    const lifetime = this.schedule.ahead?.lifetime;
    if (lifetime === undefined) return { status: 200, data: { access: this.access, refresh: this.refresh } };
    this.accessEnds = this.now() + lifetime;
    return { status: 200, data: { access: this.access, refresh: this.refresh, expiresIn: lifetime } };
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
    if (plan.outcome !== 'ok' || presented !== this.refresh) {
      this.rejected += 1;
      return { status: 401, data: { detail: 'refresh token invalid' } };
    }
    this.used.add(this.refresh);
    this.rotations += 1;
    this.access = `access-${this.rotations}`;
    this.refresh = `refresh-${this.rotations}`;
    this.issued.push(this.refresh);
    const lifetime = this.schedule.ahead?.lifetime;
    if (lifetime === undefined) return { status: 200, data: { access: this.access, refresh: this.refresh } };
    this.accessEnds = this.now() + lifetime;
    return { status: 200, data: { access: this.access, refresh: this.refresh, expiresIn: lifetime } };
  }
}
