/**
 * The library's hooks on one axios instance, and the path of a request through them, in the
 * order it happens:
 *
 * 1. recorded (record.ts): axios asks the library's `runWhen` about the request before any
 *    interceptor runs; the library writes down what it will need and may put its adapter on it.
 * 2. held (hold.ts): that adapter waits for a refresh in flight or due before the request goes out.
 * 3. sent (send.ts): the request goes out through the adapter it would have had, with the token.
 * 4. judged (judge.ts): an answer that means expired credentials is matched to an interceptor.
 * 5. sent again (retry.ts): after that interceptor's session refreshed, once per purpose.
 *
 * What every step reads lives in one named object, the instance's state (instance-state.ts).
 */
import type { AxiosInstance } from 'axios';
import { trackDefaultHeaders } from './headers.js';
import { InstanceState } from './instance-state.js';
import type { Attachment } from './instance-state.js';
import { record } from './record.js';
import { outer, rejected, resolved } from './retry.js';
import { send } from './send.js';
import { linger, lingeringOn } from './hold.js';

export type { Attachment } from './instance-state.js';

/** Everything the library attaches to one axios instance. */
export interface Wiring {
  /** Newest first: a later setup for the same purpose (hot reload, a new log-in) takes precedence. */
  readonly attachments: readonly Attachment[];
  attach(attachment: Attachment): void;
  detach(attachment: Attachment): void;
  /** This copy of the library's `wiringOf`. */
  readonly by: unknown;
}

/**
 * Where an instance keeps its wiring, under a key every copy of the library shares: another copy
 * (the ESM and CommonJS builds both loaded, or two versions) has hooks and state of its own, and
 * the two would take each other's requests and refresh twice for one expiry.
 */
const WIRING = Symbol.for('axios-refresh-interceptor');
type Wired = AxiosInstance & { [WIRING]?: Wiring };

/**
 * The library's hooks on `instance`, made once however many interceptors the app creates on it,
 * so that they cannot undo or overwrite one another.
 */
export function wiringOf(instance: AxiosInstance): Wiring {
  const existing = (instance as Wired)[WIRING];
  if (existing?.by === wiringOf) return existing;
  if (existing) throw new TypeError('axios-refresh-interceptor is loaded twice (ESM and CommonJS, or two versions)');
  const { request: requests, response: responses } = instance.interceptors;

  const last = (error: unknown) => outer(state, error);
  let lastId = responses.use(null, last);

  /**
   * Keeps the library's response interceptor last, so that it sees what every app interceptor
   * made of a response, and tells whether it is the only one. Checked as each request starts,
   * before axios reads the list.
   */
  const keepLast = (): boolean => {
    const handlers = responses.handlers as Array<{ rejected?: unknown } | null> | undefined;
    if (!handlers) return false;
    let end = handlers.length - 1;
    while (end >= 0 && handlers[end] == null) end -= 1;
    if (end >= 0 && handlers[end]?.rejected === last) {
      let first = 0;
      while (handlers[first] == null) first += 1;
      return first === end;
    }
    responses.eject(lastId);
    lastId = responses.use(null, last);
    return false;
  };

  const state: InstanceState = new InstanceState(instance, {
    start: (config) => record(state, config, keepLast()),
    send: (config) => send(state, config),
    resolved: (response) => resolved(state, response),
    rejected: (error) => rejected(state, error),
  });
  // The interceptor itself never runs: `runWhen` records the request and answers no.
  const startId = requests.use((config) => config, null, { runWhen: state.hooks.start });

  const wiring: Wiring = {
    by: wiringOf,
    get attachments() {
      return state.attachments;
    },
    attach(attachment) {
      // A session that takes over a purpose here waits for the call an ejected one left out, and
      // for the one that the interceptor it takes over from has out now (setup that attaches anew
      // and keeps the old, or ejects it later), and keeps their cooldowns.
      const { purpose, session } = attachment;
      for (const left of [lingeringOn(instance, purpose), ...state.inForce.map((a) => a.purpose === purpose && a.session.lingering())]) {
        if (left) session.behind(left);
      }
      state.settle([attachment, ...state.attachments]);
      // What the session is told of this instance.
      const listener = { ...trackDefaultHeaders(instance), client: state.client };
      state.tracked.set(attachment, [listener, attachment.session.subscribe(listener)]);
    },
    detach(attachment) {
      const { purpose, session } = attachment;
      const left = session.lingering();
      linger(instance, purpose, left);
      state.settle(state.attachments.filter((a) => a !== attachment));
      // One for the same purpose attached before is in force again, or still: it waits too.
      for (const a of state.inForce) if (left && a.purpose === purpose) a.session.behind(left);
      state.tracked.get(attachment)?.[1]();
      state.tracked.delete(attachment);
      for (const interrupt of [...attachment.interrupts]) interrupt();
      if (state.attachments.length > 0) return;
      requests.eject(startId);
      responses.eject(lastId);
      Reflect.deleteProperty(instance, WIRING);
    },
  };
  return ((instance as Wired)[WIRING] = wiring);
}
