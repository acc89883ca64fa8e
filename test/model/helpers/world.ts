import axios, { isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosInstance, AxiosRequestConfig, AxiosResponse, CancelTokenSource } from 'axios';
import {
  createRefreshInterceptor,
  createRefreshSession,
  isRefreshFailedError,
  isSessionExpiredError,
} from '../../../src/index.js';
import type { RefreshContext, RefreshInterceptor, RefreshSession } from '../../../src/index.js';
import { afterMicrotasks } from './flush.js';
import { ModelServer } from './model-server.js';
import type { Log } from './model-server.js';
import type { RequestPlan, SchedulePlan, Which } from './schedule.js';

/*
 * The invariants of the model, and where each is checked (W: this file, S: model-server.ts,
 * D: the drivers in memory.ts and loopback.ts):
 *
 * - every request settles exactly once (W settle, finish; D bounds each run)
 * - at most one refresh in flight per session: counted where `refresh` runs (W refresh) and,
 *   in memory, where the server receives it (S arriveRefresh)
 * - no refresh while the access token is still valid, and no more successful refreshes than
 *   expiries (S arriveRefresh, W finish): failed refreshes may be retried by the next 401
 * - a refresh is only started by a request sent after the latest refresh that succeeded or
 *   was rejected (W refresh); a retry only goes out after a refresh that succeeded after the
 *   request was sent (W sending)
 * - no request reaches the server more than twice, nor twice unless its first answer was 401 (S arrive)
 * - a rotated refresh token is never presented again (S answerRefresh)
 * - onSessionExpired is called once per rejected refresh, with a SessionExpiredError (W)
 * - callers get only the documented outcomes, each consistent with what happened (W classify*)
 * - held requests do not go out before their refresh settles, nor at all when it fails (W sending)
 * - an abort rejects a pending request at once; an eject settles what waits at once, and
 *   abandons the refresh of the instance's own session (W abort, eject)
 * - no unhandled rejection; no timer but the refresh timeout while refreshing, none after (D, W checkTimers)
 */

/** What a caller ended up with, sorted into the kinds the README documents. */
export type OutcomeKind =
  | 'ok'
  | 'session-expired'
  | 'refresh-failed'
  | 'canceled'
  | 'retry-401'
  | 'original-401'
  | 'undocumented';

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'ok',
  'session-expired',
  'refresh-failed',
  'canceled',
  'retry-401',
  'original-401',
  'undocumented',
];

/** How a refresh call ended, as the app's `refresh` saw it. */
type RefreshEnd = 'succeeded' | 'rejected' | 'failed';

interface RequestRecord {
  readonly id: number;
  readonly plan: RequestPlan;
  started: boolean;
  /**
   * When the request counts as sent, in the order of events (see World.order): when it was
   * started, or for a request held during a refresh that succeeded, when it went out.
   */
  sentAt: number;
  /** The refresh call that was in flight when the request was started, if any. */
  heldBy: number | undefined;
  /** Attempts the client handed to the adapter, and what the adapter rejected each with. */
  sends: number;
  readonly rejections: unknown[];
  abortFired: boolean;
  controller: AbortController | undefined;
  source: CancelTokenSource | undefined;
  settlements: number;
  kind: OutcomeKind | undefined;
}

interface Tokens {
  access: string;
  refresh: string;
}

const ROUTE = /^\/r\/(\d+)$/;

export function requestId(url: string | undefined): number | undefined {
  const match = ROUTE.exec(url ?? '');
  return match ? Number(match[1]) : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return typeof error === 'string' ? error : typeof error;
}

/** Whether `cause` is what a refresh fails with in this model when it does not end the session. */
function transientCause(cause: unknown): boolean {
  if (cause instanceof Error && cause.name === 'TimeoutError') return true;
  if (!isAxiosError(cause) || cause.config?.url !== '/refresh') return false;
  // A 5xx answer, or the connection dropped (no response at all).
  return cause.response ? cause.response.status >= 500 : cause.code !== 'ERR_CANCELED';
}

/** Whether `cause` is the 401 answer to a refresh call. */
function rejectionCause(cause: unknown): boolean {
  return isAxiosError(cause) && cause.config?.url === '/refresh' && cause.response?.status === 401;
}

function is401(error: unknown): boolean {
  return isAxiosError(error) && error.response?.status === 401;
}

export interface WorldOptions {
  /** The transport under every instance; recorded per attempt. */
  transport: AxiosAdapter;
  baseURL?: string;
  /** In-memory runs are exact: every answer the server gives reaches the client. */
  exact: boolean;
}

/**
 * The app of the model: one or two instances with an app interceptor that sets the bearer
 * token from a store, the refresh interceptor on each, and a `refresh` that posts the stored
 * refresh token and stores the rotated pair. Records what each caller got and checks it
 * against the README, as it happens and once everything is over (`finish`).
 */
export class World {
  readonly session: RefreshSession;
  readonly store: Tokens = { ...ModelServer.initialTokens };
  /** Refresh tokens the client stored, to tell a lost rotation from a reused token. */
  readonly stored = new Set<string>(['refresh-0']);
  private readonly instances = new Map<Which, AxiosInstance>();
  private readonly interceptors = new Map<Which, RefreshInterceptor>();
  private readonly ejected = new Set<Which>();
  private readonly records: RequestRecord[];
  private readonly refreshEnds = new Map<number, RefreshEnd>();
  private readonly exact: boolean;
  /** Counts starts and refresh endings: JavaScript runs them one at a time, so it orders them. */
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
    this.records = schedule.requests.map((plan, id) => ({
      id,
      plan,
      started: false,
      sentAt: -1,
      heldBy: undefined,
      sends: 0,
      rejections: [],
      abortFired: false,
      controller: undefined,
      source: undefined,
      settlements: 0,
      kind: undefined,
    }));
    this.exact = options.exact;
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
    };
    const shared = schedule.shared ? createRefreshSession(sessionOptions) : undefined;
    for (const name of schedule.shared ? (['a', 'b'] as const) : (['a'] as const)) {
      const api = axios.create({
        adapter: this.recording(options.transport),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      });
      api.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${this.store.access}`);
        return config;
      });
      const interceptor = shared
        ? createRefreshInterceptor(api, { session: shared })
        : createRefreshInterceptor(api, sessionOptions);
      this.instances.set(name, api);
      this.interceptors.set(name, interceptor);
    }
    this.session = this.interceptors.get('a')!.session;
  }

  private async refresh({ client, signal, error }: RefreshContext): Promise<void> {
    this.refreshCalls += 1;
    const call = this.refreshCalls;
    const trigger = this.records[requestId(error?.config?.url) ?? -1];
    this.log.event(`app: refresh #${call} starts, for r${trigger?.id ?? '?'}`);
    if (this.refreshesRunning > 0) {
      this.log.violation(`refresh #${call} started while ${this.refreshesRunning} other refresh(es) of the session ran`);
    }
    if (!trigger) {
      this.log.violation(`refresh #${call} started without a 401 of a request of the schedule`);
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
      if (end !== 'failed') this.lastDecisive = this.order++;
      if (end === 'succeeded') this.lastSuccess = this.lastDecisive;
    };
    const abandoned = (): void => {
      stop('failed');
    };
    signal.addEventListener('abort', abandoned);
    try {
      const { data } = await client.post<Tokens>('/refresh', { refresh: this.store.refresh }, { signal });
      this.store.access = data.access;
      this.store.refresh = data.refresh;
      this.stored.add(data.refresh);
      this.log.event(`app: refresh #${call} stored ${data.access}`);
      stop('succeeded');
    } catch (failure) {
      const status = isAxiosError(failure) ? failure.response?.status : undefined;
      stop(status !== undefined && status >= 400 && status < 500 ? 'rejected' : 'failed');
      throw failure;
    } finally {
      signal.removeEventListener('abort', abandoned);
    }
  }

  /** Wraps the transport to record each attempt the client sends and what it failed with. */
  private recording(transport: AxiosAdapter): AxiosAdapter {
    return (config) => {
      const record = this.records[requestId(config.url) ?? -1];
      if (!record) return transport(config);
      this.sending(record);
      const attempt = record.sends - 1;
      return transport(config).catch((error: unknown) => {
        record.rejections[attempt] = error;
        throw error;
      });
    };
  }

  private sending(record: RequestRecord): void {
    record.sends += 1;
    if (record.sends === 2 && this.lastSuccess < record.sentAt) {
      this.log.violation(`r${record.id} was retried with no refresh succeeding after it was sent: it carries the credentials that failed`);
    }
    const { heldBy } = record;
    if (record.sends > 1 || heldBy === undefined || this.ejected.has(record.plan.on)) return;
    const end = this.refreshEnds.get(heldBy);
    if (end === undefined && this.session.refreshing) {
      this.log.violation(`r${record.id} was started during refresh #${heldBy} and went out before it settled`);
    } else if (end !== undefined && end !== 'succeeded') {
      this.log.violation(`r${record.id} was held by refresh #${heldBy}, which ${end}, and went out anyway`);
    } else {
      // README: held requests count as sent under the new credentials, so from now on.
      record.sentAt = this.order++;
    }
  }

  get refreshing(): boolean {
    return this.session.refreshing;
  }

  start(id: number): void {
    const record = this.records[id]!;
    const api = this.instances.get(record.plan.on)!;
    const config: AxiosRequestConfig = {};
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
    record.heldBy = this.session.refreshing ? this.refreshCalls : undefined;
    this.log.event(`app: r${id} starts on ${record.plan.on}${record.heldBy === undefined ? '' : ` during refresh #${record.heldBy}`}`);
    api.get(`/r/${id}`, config).then(
      (response) => {
        this.settle(record, this.classifyResponse(record, response));
      },
      (error: unknown) => {
        this.settle(record, this.classifyError(record, error));
      },
    );
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
   * that very 401, a held request is sent as it is; an instance's own session stops refreshing.
   */
  eject(which: Which): void {
    this.log.event(`app: eject ${which}`);
    const waiting = this.records.filter(
      (r) => r.plan.on === which && r.started && r.settlements === 0 && r.sends === 1 && is401(r.rejections[0]),
    );
    const held = this.records.filter(
      (r) => r.plan.on === which && r.settlements === 0 && r.sends === 0 && r.heldBy !== undefined,
    );
    this.ejected.add(which);
    this.interceptors.get(which)!.eject();
    afterMicrotasks(() => {
      for (const r of waiting) {
        if (r.kind !== 'original-401') {
          this.log.violation(`r${r.id} waited on a refresh when its instance was ejected but did not reject at once with its 401 (${r.kind ?? 'still pending'})`);
        }
      }
      for (const r of held) {
        if (r.sends === 0 && r.settlements === 0) {
          this.log.violation(`r${r.id} was held when its instance was ejected but was not sent at once`);
        }
      }
      if (!this.schedule.shared && (this.session.refreshing || this.refreshesRunning > 0)) {
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

  private settle(record: RequestRecord, kind: OutcomeKind): void {
    record.settlements += 1;
    record.kind = kind;
    this.log.event(`app: r${record.id} settles: ${kind}`);
    if (record.settlements > 1) this.log.violation(`r${record.id} settled ${record.settlements} times`);
  }

  private classifyResponse(record: RequestRecord, response: AxiosResponse): OutcomeKind {
    const data = response.data as { id?: unknown } | undefined;
    if (response.status !== 200 || data?.id !== record.id) {
      this.log.violation(`r${record.id} resolved with status ${response.status} and the data of ${String(data?.id)}`);
      return 'undocumented';
    }
    return 'ok';
  }

  private classifyError(record: RequestRecord, error: unknown): OutcomeKind {
    const { id } = record;
    const own = isAxiosError(error) && error.config?.url === `/r/${id}`;
    if (axios.isCancel(error)) {
      if (!record.abortFired) this.log.violation(`r${id} was canceled, but the app never aborted it`);
      return 'canceled';
    }
    const held = record.heldBy !== undefined && record.sends === 0;
    if (isSessionExpiredError(error)) {
      if (!own || !rejectionCause(error.cause) || (held && error.response !== undefined)) {
        this.log.violation(`r${id} got a SessionExpiredError that is not about it or not caused by a rejected refresh: ${describe(error.cause)}`);
      }
      return 'session-expired';
    }
    if (isRefreshFailedError(error)) {
      if (!own || !transientCause(error.cause) || (held && error.response !== undefined)) {
        this.log.violation(`r${id} got a RefreshFailedError that is not about it or not caused by a transient failure: ${describe(error.cause)}`);
      }
      return 'refresh-failed';
    }
    if (own && is401(error)) {
      if (record.sends === 2 && error === record.rejections[1]) return 'retry-401';
      if (record.sends === 1 && error === record.rejections[0]) {
        if (!this.ejected.has(record.plan.on)) {
          this.log.violation(`r${id} got its first 401 back although its instance was not ejected`);
        }
        return 'original-401';
      }
      this.log.violation(`r${id} got a 401 that is neither its own first one nor its retry's (sent ${record.sends} times)`);
      return 'undocumented';
    }
    this.log.violation(`r${id} failed with an undocumented error: ${describe(error)}`);
    return 'undocumented';
  }

  /** After every step: no timer but the refresh timeout, and that one only while refreshing. */
  checkTimers(timers: number): void {
    const expected = this.session.refreshing ? 1 : 0;
    if (timers !== expected) {
      this.log.violation(`${timers} timer(s) pending while ${this.session.refreshing ? 'refreshing' : 'not refreshing'} (expected ${expected})`);
    }
  }

  /** Once nothing is left to happen: everything settled and every count within its bound. */
  finish(): Record<OutcomeKind, number> {
    const kinds = Object.fromEntries(OUTCOME_KINDS.map((kind) => [kind, 0])) as Record<OutcomeKind, number>;
    for (const record of this.records) {
      if (!record.started) this.log.violation(`r${record.id} was never started`);
      if (record.settlements !== 1) this.log.violation(`r${record.id} settled ${record.settlements} times, not once`);
      if (record.kind) kinds[record.kind] += 1;
    }
    const { server } = this;
    if (this.session.refreshing) this.log.violation('the session is still refreshing when nothing is left to happen');
    if (this.refreshesRunning !== 0) this.log.violation(`${this.refreshesRunning} refresh(es) still running at the end`);
    if (server.rotations > server.expiries) {
      this.log.violation(`${server.rotations} successful refreshes for ${server.expiries} expiries`);
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

  /** Whether the server rotated a refresh token that never reached the client (loopback only). */
  lostRotation(): boolean {
    return this.server.issued.some((token) => !this.stored.has(token));
  }
}
