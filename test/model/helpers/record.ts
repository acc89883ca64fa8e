import type { AxiosResponse, CancelTokenSource } from 'axios';
import type { Moment } from './expiry.js';
import type { OutcomeKind } from './outcomes.js';
import type { RequestPlan } from './schedule.js';
import type { Joined, Verdict } from './session-model.js';

/** A moment the library looked at a request, and whether the session refreshed nothing then (ended, or cooling down). */
export interface Looked extends Moment {
  readonly quiet: boolean;
  /** A refresh ahead of expiry past refreshTimeout was out, and the token had not expired: nothing held it. */
  readonly lateAhead: boolean;
}

/** What the world knows about one request of the schedule, from its start to its settling. */
export interface RequestRecord {
  readonly id: number;
  readonly plan: RequestPlan;
  started: boolean;
  /**
   * When the request counts as sent, in the order of events (see World.order): when it was
   * started, or for a request held during a refresh that succeeded, when it went out.
   */
  sentAt: number;
  /**
   * The refresh call the request waits for before it goes out, if any: the one in flight when
   * it was started, or the one it starts itself when its token was due to be refreshed first.
   */
  heldBy: number | undefined;
  /**
   * On real time only: the clock passed the margin of the token's expiry while the request
   * was started, so whether the library held it is not known.
   */
  maybeHeld: boolean;
  /** Per attempt, a moment no later than the library's decision to send it. */
  readonly looked: Looked[];
  /** What the library had to do with the 401 of its first attempt, by the state of the session then. */
  verdict: Verdict | undefined;
  /** The refresh call it last waited on (held, or with its 401), from when. */
  joined: Joined | undefined;
  /** The refresh call its 401 started. */
  triggered: number | undefined;
  /** When its retry went out, in the order of events. */
  resentAt: number;
  /** Attempts that entered the instance's request chain, where the library decides to hold them. */
  requested: number;
  /** Times the app's own response interceptor saw this request's outcome. */
  seenByApp: number;
  /** Attempts the client handed to the adapter, and what the adapter rejected each with. */
  sends: number;
  readonly rejections: unknown[];
  readonly responses: AxiosResponse[];
  abortFired: boolean;
  controller: AbortController | undefined;
  source: CancelTokenSource | undefined;
  settlements: number;
  kind: OutcomeKind | undefined;
}

export function newRecord(id: number, plan: RequestPlan): RequestRecord {
  return {
    id,
    plan,
    started: false,
    sentAt: -1,
    heldBy: undefined,
    maybeHeld: false,
    looked: [],
    verdict: undefined,
    joined: undefined,
    triggered: undefined,
    resentAt: -1,
    requested: 0,
    seenByApp: 0,
    sends: 0,
    rejections: [],
    responses: [],
    abortFired: false,
    controller: undefined,
    source: undefined,
    settlements: 0,
    kind: undefined,
  };
}
