import { AxiosError, AxiosHeaders, CanceledError } from 'axios';
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { vi } from 'vitest';
import { respond } from '../../helpers/memory-adapter.js';
import { flush } from './flush.js';
import { Log, ModelServer } from './model-server.js';
import type { Answer } from './model-server.js';
import type { SchedulePlan } from './schedule.js';
import { World, requestId } from './world.js';
import type { OutcomeKind } from './outcomes.js';

interface Pending {
  readonly due: number;
  readonly seq: number;
  deliver(): void;
}

interface CancelSource {
  reason?: unknown;
  subscribe?: (listener: (reason: unknown) => void) => void;
  unsubscribe?: (listener: (reason: unknown) => void) => void;
}

function bearer(config: InternalAxiosRequestConfig): string | undefined {
  const header = config.headers.get('Authorization');
  return typeof header === 'string' ? header.replace(/^Bearer /, '') : undefined;
}

function presentedToken(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  return (JSON.parse(data) as { refresh?: string }).refresh;
}

/**
 * The model server behind an axios adapter, with answers the driver delivers one at a time at
 * their (fake) time. Honours AbortSignal and CancelToken the way axios's own adapters do.
 */
export class MemoryTransport {
  private readonly pending = new Set<Pending>();
  private seq = 0;

  constructor(private readonly server: ModelServer) {}

  get size(): number {
    return this.pending.size;
  }

  /** The answer due first (ties in arrival order). */
  next(): Pending | undefined {
    let first: Pending | undefined;
    for (const entry of this.pending) {
      if (!first || entry.due < first.due || (entry.due === first.due && entry.seq < first.seq)) first = entry;
    }
    return first;
  }

  deliver(entry: Pending): void {
    this.pending.delete(entry);
    entry.deliver();
  }

  readonly adapter: AxiosAdapter = (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      const { signal } = config;
      const token = config.cancelToken as CancelSource | undefined;
      let entry: Pending | undefined;
      let onCancelled = (): void => {};
      const cleanup = (): void => {
        signal?.removeEventListener?.('abort', onAbort);
        token?.unsubscribe?.(onCancel);
        if (entry) this.pending.delete(entry);
      };
      const cancel = (reason: unknown): void => {
        cleanup();
        onCancelled();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a CancelToken's reason is the CanceledError
        reject(reason);
      };
      const onAbort = (): void => {
        cancel(new CanceledError(undefined, config));
      };
      const onCancel = (reason: unknown): void => {
        cancel(reason ?? new CanceledError(undefined, config));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      const answer = (result: Answer): void => {
        cleanup();
        // The shared helper answers without headers; a Retry-After rides on the refresh's 429.
        const withHeaders = (response: AxiosResponse | undefined): void => {
          if (response && result.headers) response.headers = new AxiosHeaders(result.headers);
        };
        respond(config, result.status, result.data).then(
          (response) => {
            withHeaders(response);
            resolve(response);
          },
          (error: unknown) => {
            // respond() rejects with an AxiosError, which carries the response.
            const failed = error as AxiosError;
            withHeaders(failed.response);
            reject(failed);
          },
        );
      };
      const id = requestId(config.url);
      let due: number | undefined;
      let deliver: () => void;
      if (config.url === '/refresh') {
        const presented = presentedToken(config.data);
        const call = this.server.arriveRefresh(presented);
        onCancelled = () => {
          this.server.abandonRefresh(call);
        };
        due = call.plan.outcome === 'hang' ? undefined : Date.now() + call.plan.latency;
        deliver = () => {
          const result = this.server.answerRefresh(call, presented);
          if (result !== 'drop') {
            answer(result);
            return;
          }
          cleanup();
          reject(new AxiosError('socket hang up', 'ECONNRESET', config, {}));
        };
      } else if (config.url === '/login') {
        due = Date.now() + this.server.arriveLogin();
        deliver = () => {
          answer(this.server.answerLogin());
        };
      } else if (id !== undefined) {
        due = Date.now() + this.server.arrive(id);
        deliver = () => {
          answer(this.server.answer(id, bearer(config)));
        };
      } else {
        reject(new Error(`no route for ${String(config.url)}`));
        return;
      }
      signal?.addEventListener?.('abort', onAbort);
      token?.subscribe?.(onCancel);
      if (due !== undefined) {
        entry = { due, seq: this.seq++, deliver };
        this.pending.add(entry);
      }
    });
}

export interface RunReport {
  violations: string[];
  trace: string[];
  kinds: Record<OutcomeKind, number>;
  refreshCalls: number;
  /** Refresh calls made ahead of expiry rather than for a 401. */
  aheadRefreshes: number;
  /** How often the schedule made each move of the session's state machine. */
  moves: Record<string, number>;
  steps: number;
}

/** Ends a run, whichever driver ran it: the world's last checks, unhandled rejections, the figures. */
export function finishRun(world: World, log: Log, unhandled: readonly unknown[], refreshCalls: number, steps: number): RunReport {
  const kinds = world.finish();
  for (const reason of unhandled) {
    log.violation(`unhandled rejection: ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`);
  }
  return { violations: log.violations, trace: log.trace, kinds, refreshCalls, aheadRefreshes: world.aheadRefreshes, moves: world.moves, steps };
}

export interface Scheduled {
  readonly at: number;
  run(world: World): void;
}

/** The schedule's own events (not the server's answers), in the order they happen. */
export function scheduledEvents(schedule: SchedulePlan): Scheduled[] {
  const events: Scheduled[] = [];
  for (const at of schedule.expiries) events.push({ at, run: (world) => { world.expire(); } });
  for (const login of schedule.logins) events.push({ at: login.at, run: (world) => { world.login(login); } });
  schedule.requests.forEach((plan, id) => {
    events.push({ at: plan.at, run: (world) => { world.start(id); } });
    if (plan.abortAfter !== undefined) {
      events.push({ at: plan.at + plan.abortAfter, run: (world) => { world.abort(id); } });
    }
  });
  const { eject } = schedule;
  if (eject) events.push({ at: eject.at, run: (world) => { world.eject(eject.which); } });
  // Stable: at one moment, expiries, log-ins, then starts and aborts in request order, then the eject.
  return events.sort((x, y) => x.at - y.at);
}

const MAX_STEPS = 20_000;
/**
 * Where schedule time starts on the fake clock: a date of today, not 0, since the library reads
 * a small `expiresAt` as seconds (1 is a second after 1970, not a millisecond).
 */
const ORIGIN = Date.UTC(2026, 0, 1);
/**
 * `performance` with `Date`: the library reads a wall clock that falls behind the monotonic one as
 * a clock turned back, and on one fake and one real clock schedule time would look like that.
 */
const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'] as const;

/**
 * Runs a schedule against the in-memory server on fake time. Every event (a schedule event or
 * a server answer) is its own step, followed by a real macrotask so that its consequences play
 * out before the next one, as they would between two I/O callbacks.
 */
export async function runInMemory(schedule: SchedulePlan): Promise<RunReport> {
  vi.useFakeTimers({ now: ORIGIN, toFake: [...FAKED] });
  // The backoff's jitter, fixed per schedule so that a failing schedule replays exactly.
  const random = vi.spyOn(Math, 'random').mockReturnValue(schedule.random);
  // axios appends the caller's stack to every error a request rejects with, and formatting
  // stacks through the test runner's source maps took an eighth of the run time. The model
  // never shows a stack: it names errors by name, code and message.
  const { stackTraceLimit } = Error;
  Error.stackTraceLimit = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    // Schedule time, for the trace and the server's token lifetimes.
    const now = (): number => Date.now() - ORIGIN;
    const log = new Log(now);
    const server = new ModelServer(schedule, log, { exact: true, now });
    const transport = new MemoryTransport(server);
    const world = new World(schedule, server, log, { transport: transport.adapter, exact: true, origin: ORIGIN });
    const events = scheduledEvents(schedule);
    let next = 0;
    let steps = 0;
    for (; steps < MAX_STEPS; steps += 1) {
      const event = events[next];
      const answer = transport.next();
      const at = event ? ORIGIN + event.at : Infinity;
      const due = Math.min(at, answer?.due ?? Infinity);
      if (due === Infinity) {
        // Only the library's own timers are left (a refresh that never answers).
        if (vi.getTimerCount() === 0) break;
        await vi.advanceTimersToNextTimerAsync();
      } else if (due > Date.now()) {
        // Fires the library's timers up to then, each in its own macrotask.
        await vi.advanceTimersByTimeAsync(due - Date.now());
      } else if (event && at === due) {
        next += 1;
        event.run(world);
      } else if (answer) {
        transport.deliver(answer);
      }
      await flush();
      world.checkStep(vi.getTimerCount());
    }
    if (steps === MAX_STEPS) log.violation(`still busy after ${MAX_STEPS} steps`);
    if (transport.size > 0) log.violation(`${transport.size} answer(s) never delivered`);
    // A second macrotask, so that a rejection nobody handled has been reported.
    await flush();
    return finishRun(world, log, unhandled, server.refreshCalls, steps);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    Error.stackTraceLimit = stackTraceLimit;
    random.mockRestore();
    vi.useRealTimers();
  }
}

/** The error a property throws for a run that broke an invariant: what broke, then what happened. */
export function violationError(report: Pick<RunReport, 'violations' | 'trace'>, traceLines = 300): Error {
  const trace = report.trace.length > traceLines
    ? [...report.trace.slice(0, traceLines), `... ${report.trace.length - traceLines} more events`]
    : report.trace;
  return new Error(
    [`${report.violations.length} invariant violation(s):`, ...report.violations.map((v) => `  - ${v}`), 'what happened:', ...trace.map((t) => `  ${t}`)].join('\n'),
  );
}
