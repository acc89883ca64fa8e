/**
 * Step 1 of a request's path: recorded. axios asks the library's `runWhen` about every request
 * before any interceptor runs; the library writes down there what it will need later, and puts
 * its own adapter on the request unless nothing can need it.
 */
import axios from 'axios';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import type { Attachment, InstanceState } from './instance-state.js';
import { moves } from './session.js';
import { resolves401 } from './judge.js';

/** What the library knows of one request, from the moment axios starts it. */
export interface Sending {
  /**
   * No response interceptor but the library's: a rejection goes straight to it, which then
   * judges it as the adapter would have, without a promise hop of the adapter's own.
   */
  readonly alone: boolean;
  /** The adapter the request would have used without the library. */
  readonly adapter: InternalAxiosRequestConfig['adapter'];
  /** The body as the caller gave it, before any interceptor or transform. */
  readonly data: unknown;
  /**
   * Where the caller sent it, before any interceptor: one that prefixes `url` or adds to
   * `params` runs again on a held or retried request, and must start from these.
   */
  readonly url: string | undefined;
  readonly baseURL: string | undefined;
  readonly params: unknown;
  /** The count of moves (see session.ts) when the request was last prepared by the app's interceptors. */
  prepared: number;
  /** When the request started, if it has a `timeout` that waiting must count against. */
  readonly started: number;
  /** The count of moves when the request last went out: a session that moved since has other credentials. */
  sent: number;
  /** The attachments whose credentials it did not carry when it last went out: it had an `Authorization` of its own. */
  own: Attachment[];
}

// The record of a request, from its start to its outcome.
const SENT = Symbol('sent');

type Stamped = { [SENT]?: Sending };

/**
 * Where the record of a request rides: its `transitional` object, which axios merges afresh for
 * each request, keeps by reference on `error.config` and `response.config`, and never copies
 * symbol keys from; app interceptors that replace `config.headers` leave it alone. Its headers
 * object when it has none.
 */
function carrier(config: InternalAxiosRequestConfig): Stamped {
  return (config.transitional ?? config.headers) as Stamped;
}

export const recordOf = (config: InternalAxiosRequestConfig | undefined): Sending | undefined =>
  config && carrier(config)[SENT];

/** Puts the record on a config made afresh for the same request (prepared again, retried). */
export function restamp(config: InternalAxiosRequestConfig, sending: Sending): void {
  const stamped = carrier(config);
  if (stamped[SENT] !== sending) stamped[SENT] = sending;
}

/**
 * The caller's `params` as they are now. axios gives each request its own copy, which an app
 * interceptor may add to in place (`config.params.lang = 'en'`): kept by reference, a held or
 * retried request would start from what that interceptor made of them and add it again. A plain
 * object or URLSearchParams is copied; anything else is the app's to rebuild.
 */
const paramsNow = (params: unknown): unknown =>
  params instanceof URLSearchParams ? new URLSearchParams(params) : (params as object | undefined)?.constructor === Object ? { ...(params as object) } : params;

/** What the library knows of a request as it starts, from what the caller gave. */
export const sendingOf = (config: InternalAxiosRequestConfig, alone: boolean, adapter: Sending['adapter'], started: number): Sending => ({
  alone,
  adapter,
  data: config.data,
  url: config.url,
  baseURL: config.baseURL,
  params: paramsNow(config.params),
  prepared: moves(),
  started,
  sent: moves(),
  own: [],
});

// axios's own response transforms, read once: they turn a body that is not JSON into an AxiosError.
let builtIn: ReadonlySet<unknown> | undefined;

/**
 * Whether the request has a `transformResponse` of the app's own. axios runs it on a 401's body
 * too, before any response interceptor: one that expects the success's shape throws there, and
 * the library's interceptor would get that error instead of the 401.
 */
function ownTransform({ transformResponse }: InternalAxiosRequestConfig): boolean {
  builtIn ??= new Set([axios.defaults.transformResponse].flat());
  const known = builtIn;
  return (Array.isArray(transformResponse) ? transformResponse : [transformResponse]).some((transform) => transform != null && !known.has(transform));
}

/**
 * Records a request as axios starts it. `last` tells whether the library's response
 * interceptor is the only one. The session's token is attached by the library's adapter, so a
 * request left alone gets that adapter when a session sends a token.
 */
export function record(state: InstanceState, config: InternalAxiosRequestConfig, last: boolean): boolean {
  const { attachments, inForce, instance, hooks } = state;
  // A request that `refresh` sends through this instance belongs to the refresh: held, it
  // would wait for itself; refreshed, a dead session could never end.
  if (attachments.some(({ session }) => session.refreshing && session.owns())) config.skipAuthRefresh = true;
  const bearer = inForce.filter(({ session }) => session.bearer?.started()).length > 0;
  const login = state.mayLogIn(config);
  if (config.skipAuthRefresh === true && !bearer && !login) return false;
  // Judged by the library's response interceptor alone only when nothing runs between the adapter and it.
  const alone = last && !ownTransform(config);
  carrier(config)[SENT] = sendingOf(
    config,
    alone,
    // A config sent again as it came back (axios-retry does) may still name this adapter.
    config.adapter === hooks.send ? instance.defaults.adapter : config.adapter,
    config.timeout ? Date.now() : 0,
  );
  // With no refresh due and a 401 that axios rejects, a request alone with the library's
  // response interceptor is judged by that interceptor alone: it keeps its own adapter.
  if (bearer || login || !alone || state.due() || state.readsBody || resolves401(config)) config.adapter = hooks.send as AxiosAdapter;
  return false;
}
