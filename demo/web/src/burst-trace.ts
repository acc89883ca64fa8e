import type { InternalAxiosRequestConfig } from 'axios';
import { observe } from '../../../src/index.js';
import type { RefreshSession, SessionEndedEvent } from '../../../src/index.js';

/**
 * Which request of a burst a config belongs to. A header, because it is what survives the
 * library's retry of the request and reaches the request interceptors again; the server ignores it.
 */
export const LANE_HEADER = 'x-burst-lane';

/** What happened to one request of a burst, in milliseconds since the burst began. */
export interface RequestMark {
  step: 'sent' | '401' | 'done' | 'failed';
  at: number;
}

/** What happened to the session's credentials during a burst. */
export interface RefreshMark {
  /**
   * `started`, `succeeded`, `failed`: a refresh of this tab's session, as the library reports it;
   * `adopted`: another tab's refresh taken over; `ended`: the session ended.
   */
  step: 'started' | 'succeeded' | 'failed' | 'adopted' | 'ended';
  at: number;
}

/** Everything recorded about one burst. */
export interface BurstTrace {
  /** One list of marks per request, in the order the requests were made. */
  readonly lanes: RequestMark[][];
  readonly refresh: RefreshMark[];
  /** Calls this tab made to the refresh endpoint, and how many of them failed. */
  readonly own: { calls: number; failed: number };
  /** Who ended the session during the burst, if it ended. */
  endedBy: SessionEndedEvent['by'] | undefined;
}

function laneOf(config: InternalAxiosRequestConfig | undefined): number | undefined {
  const value = config?.headers.get(LANE_HEADER);
  const lane = Number(value ?? Number.NaN);
  return Number.isInteger(lane) ? lane : undefined;
}

/**
 * Records what happens to the requests of a burst and to the session meanwhile: the request
 * interceptor and `shouldRefresh` report each send and each 401, the refresh function reports
 * this tab's own calls, and the session's events the rest.
 */
export class BurstRecorder {
  #trace: BurstTrace | undefined;
  #began = 0;

  constructor(session: RefreshSession) {
    observe(session, (event) => {
      switch (event.type) {
        case 'refresh-started':
        case 'refresh-succeeded':
        case 'refresh-failed':
          this.#refresh(event.type.slice('refresh-'.length) as RefreshMark['step']);
          break;
        case 'tokens-adopted':
          this.#refresh('adopted');
          break;
        case 'session-ended':
          this.#refresh('ended');
          if (this.#trace) this.#trace.endedBy = event.by;
          break;
        case 'session-began':
          break;
      }
    });
  }

  /** Starts recording a burst of `count` requests; the config of request `i` carries `lane(i)`. */
  begin(count: number): BurstTrace {
    this.#began = performance.now();
    this.#trace = { lanes: Array.from({ length: count }, () => []), refresh: [], own: { calls: 0, failed: 0 }, endedBy: undefined };
    return this.#trace;
  }

  /** Stops recording; the trace returned by `begin` keeps what was recorded. */
  end(): void {
    this.#trace = undefined;
  }

  /** Headers that tie a request to lane `i` of the burst being recorded. */
  static lane(i: number): Record<string, string> {
    return { [LANE_HEADER]: String(i) };
  }

  sent(config: InternalAxiosRequestConfig): void {
    this.#mark(laneOf(config), 'sent');
  }

  unauthorized(config: InternalAxiosRequestConfig | undefined): void {
    this.#mark(laneOf(config), '401');
  }

  settled(lane: number, ok: boolean): void {
    this.#mark(lane, ok ? 'done' : 'failed');
  }

  /** Runs this tab's own refresh call and counts it. */
  async ownRefresh<T>(call: () => Promise<T>): Promise<T> {
    const trace = this.#trace;
    if (trace) trace.own.calls += 1;
    try {
      return await call();
    } catch (error) {
      if (trace) trace.own.failed += 1;
      throw error;
    }
  }

  #now(): number {
    return performance.now() - this.#began;
  }

  #mark(lane: number | undefined, step: RequestMark['step']): void {
    if (lane === undefined) return;
    this.#trace?.lanes[lane]?.push({ step, at: this.#now() });
  }

  #refresh(step: RefreshMark['step']): void {
    this.#trace?.refresh.push({ step, at: this.#now() });
  }
}
