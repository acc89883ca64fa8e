import { AxiosError, getAdapter, isAxiosError } from 'axios';
import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { ERR_BODY_NOT_REPLAYABLE, RefreshFailedError, SessionExpiredError, isRefreshFailedError, isSessionExpiredError } from './errors.js';
import { trackDefaultHeaders } from './headers.js';
import { prepare } from './prepare.js';
import { replayError } from './replay.js';
import { RefreshFailure, isSoftFailure } from './session.js';
import type { RefreshSession, RefreshTrigger } from './session.js';
import { EJECTED, timeoutError, waitFor } from './wait.js';
import type { Interrupt } from './wait.js';

/** One `createRefreshInterceptor` call on an instance. */
export interface Attachment {
  readonly session: RefreshSession;
  /** Whether a rejected request's error means its credentials expired. */
  readonly shouldRefresh: (error: AxiosError) => boolean;
  /** Whether a response axios resolved means its credentials expired. */
  readonly refreshOnResponse: (response: AxiosResponse) => boolean;
  /** When given, `refreshOnResponse` reads the body as `transformResponse` makes it. */
  readonly readsBody: boolean;
  /** The options object it was made from, so that attaching it again is recognised. */
  readonly options: object;
  readonly interrupts: Set<Interrupt>;
}

/** What the library knows of one request, from the moment axios starts it. */
interface Sending {
  /**
   * No response interceptor but the library's: the outcome goes straight to it, which then
   * judges it as the adapter would have, without a promise hop of the adapter's own.
   */
  readonly alone: boolean;
  /** The adapter the request would have used without the library. */
  readonly adapter: InternalAxiosRequestConfig['adapter'];
  /** The body as the caller gave it, before any interceptor or transform. */
  readonly data: unknown;
  /** The instance's refresh generation when the request was last prepared. */
  generation: number;
  /** When the request started, if it has a `timeout` that waiting must count against. */
  readonly started: number;
  /** Each attachment's session epoch when the request went out, in `attached` order. */
  attached: readonly Attachment[] | undefined;
  epochs: number | number[] | undefined;
}

// Set only on a retry, so it must survive axios's config merge: a string key, since axios
// before 1.7 drops symbol keys when it merges a config.
const RETRIED = 'axiosRefreshRetried';
// Where the adapter leaves its record of a request, for the response interceptor to read:
// the headers object the request went out with, which axios creates afresh per request,
// never copies symbol keys from and keeps on `error.config` and `response.config`.
const SENT = Symbol('sent');

type Marked = InternalAxiosRequestConfig & { [RETRIED]?: true };
type Stamped = { [SENT]?: Sending };


function ok2xx(status: number): boolean {
  return status >= 200 && status < 300;
}

function isOwnError(error: unknown): boolean {
  return (
    isSessionExpiredError(error) ||
    isRefreshFailedError(error) ||
    (error as { code?: unknown } | null | undefined)?.code === ERR_BODY_NOT_REPLAYABLE
  );
}

function requestError(failure: unknown, config: InternalAxiosRequestConfig, response?: AxiosResponse): unknown {
  if (!(failure instanceof RefreshFailure)) return failure;
  // A request held before it was sent carries the refresh's answer instead of one of its own,
  // so that retry plugins see an HTTP answer and not what looks like a network error.
  const answer = response ?? (failure.cause as { response?: AxiosResponse } | null | undefined)?.response;
  return failure.expired
    ? new SessionExpiredError(failure.cause, config, answer)
    : new RefreshFailedError(failure.cause, config, answer);
}

/** The error axios's `settle` makes for a response its `validateStatus` turned down. */
function rejection(response: AxiosResponse): AxiosError {
  const code = response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
  return new AxiosError(`Request failed with status code ${response.status}`, code, response.config, response.request, response);
}

/** The response with its body as `transformResponse` makes it, for a check that reads the body. */
function readable(response: AxiosResponse, config: InternalAxiosRequestConfig): AxiosResponse {
  const transforms = config.transformResponse;
  let data: unknown = response.data;
  for (const transform of Array.isArray(transforms) ? transforms : transforms ? [transforms] : []) {
    data = (transform as (this: unknown, data: unknown, headers: unknown, status: number) => unknown).call(
      config,
      data,
      response.headers,
      response.status,
    );
  }
  return { ...response, data };
}

/** Everything the library attaches to one axios instance. */
export interface Wiring {
  /** Newest first: a later setup (hot reload, a new log-in) takes precedence. */
  readonly attachments: readonly Attachment[];
  attach(attachment: Attachment): void;
  detach(attachment: Attachment): void;
}

const wirings = new WeakMap<AxiosInstance, Wiring>();

/**
 * The library's hooks on `instance`, made once however many interceptors the app creates on it,
 * so that they cannot undo or overwrite one another.
 */
export function wiringOf(instance: AxiosInstance): Wiring {
  const existing = wirings.get(instance);
  if (existing) return existing;

  let attachments: readonly Attachment[] = [];
  const unsubscribes = new Map<Attachment, () => void>();
  const { request: requests, response: responses } = instance.interceptors;

  /** Moves on whenever any attached session's epoch does. */
  const generation = (): number => {
    let sum = 0;
    for (const { session } of attachments) sum += session.epoch;
    return sum;
  };
  const headers = trackDefaultHeaders(instance, generation);

  const client = (): AxiosInstance => {
    const bare = instance.create(instance.defaults);
    // The refresh's own answer is judged by its status, whatever the instance resolves.
    bare.defaults.validateStatus = ok2xx;
    return bare;
  };
  const trigger = (config: InternalAxiosRequestConfig, error?: AxiosError): RefreshTrigger => ({ error, config, client });

  const due = (): boolean => {
    for (const { session } of attachments) if (session.due()) return true;
    return false;
  };

  const deadline = (sending: Sending | undefined, config: InternalAxiosRequestConfig): number | undefined =>
    sending?.started && config.timeout ? sending.started + config.timeout : undefined;

  /** After a wait, what is left of the request's `timeout` is what its send may take. */
  const limit = (sending: Sending, config: InternalAxiosRequestConfig): void => {
    const end = deadline(sending, config);
    if (end === undefined) return;
    const left = end - Date.now();
    if (left <= 0) throw timeoutError(config);
    config.timeoutErrorMessage ??= `timeout of ${config.timeout}ms exceeded`;
    config.timeout = left;
  };

  /** Waits for every attached session that wants a refresh before a request goes out. */
  const renewed = async (sending: Sending, config: InternalAxiosRequestConfig): Promise<void> => {
    for (const attachment of attachments) {
      if (!attachment.session.due()) continue;
      try {
        const work = attachment.session.renew(trigger(config));
        await waitFor(work, config, attachment.interrupts, deadline(sending, config));
      } catch (failure) {
        if (!isSoftFailure(failure)) throw requestError(failure, config);
      }
    }
  };

  /**
   * Prepares a request again after a refresh, so that the app's request interceptors read the
   * new credentials, with what is left of its timeout.
   */
  const prepared = async (sending: Sending, config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    headers.apply(config, sending.generation);
    const ready = await prepare(instance, start, config, sending.data);
    limit(sending, ready);
    return ready;
  };

  /** A request that must wait for a refresh before it goes out. */
  const held = async (sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    await renewed(sending, config);
    if (generation() !== sending.generation) return attempt(sending, await prepared(sending, config));
    limit(sending, config);
    return attempt(sending, config);
  };

  const dispatch = (sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
    due() || generation() !== sending.generation ? held(sending, config) : attempt(sending, config);

  const readsBodies = (): boolean => attachments.some((a) => a.readsBody);

  function attempt(sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    sending.attached = attachments;
    const [only] = attachments;
    sending.epochs = only && attachments.length === 1 ? only.session.epoch : attachments.map((a) => a.session.epoch);
    (config.headers as Stamped)[SENT] = sending;
    // The config the app and other plugins see afterwards (`error.config`, which axios-retry
    // sends again) names the adapter it had, not the library's.
    const original = sending.adapter ?? instance.defaults.adapter;
    if (original !== undefined) config.adapter = original;
    const adapter = typeof original === 'function' ? original : getAdapter(original, config);
    if (sending.alone) return adapter(config);
    // A resolved response needs a look only if it could be an auth failure: with axios's own
    // `validateStatus` and no body check, a 401 never resolves.
    if (!readsBodies() && config.validateStatus?.(401) !== true) return adapter(config).then(undefined, rejected);
    return adapter(config).then(resolved, rejected);
  }

  const epochOf = (sending: Sending | undefined, attachment: Attachment): number => {
    const index = sending?.attached?.indexOf(attachment) ?? -1;
    const epochs = sending?.epochs;
    const epoch = typeof epochs === 'number' ? (index === 0 ? epochs : undefined) : epochs?.[index];
    return epoch ?? attachment.session.epoch;
  };

  /** Waits for the refresh that a request sent under stale credentials needs; false when ejected meanwhile. */
  const refreshFor = async (
    sending: Sending | undefined,
    config: InternalAxiosRequestConfig,
    attachment: Attachment,
    error: AxiosError,
  ): Promise<boolean> => {
    const work = attachment.session.recover(epochOf(sending, attachment), trigger(config, error));
    try {
      return (await waitFor(work, config, attachment.interrupts, deadline(sending, config))) !== EJECTED;
    } catch (failure) {
      throw requestError(failure, config, error.response);
    }
  };

  /** Refreshes, then sends the request again below the response interceptors. */
  const recover = async <T>(
    sending: Sending,
    config: InternalAxiosRequestConfig,
    attachment: Attachment,
    error: AxiosError,
    pass: () => T,
  ): Promise<AxiosResponse | T> => {
    if (!(await refreshFor(sending, config, attachment, error))) return pass();
    const spent = replayError(sending.data, config, error);
    if (spent) throw spent;
    const retry = await prepared(sending, { ...config, [RETRIED]: true } as Marked);
    sending.generation = generation();
    // Marked as a retry, it goes out like any request (held if a refresh is due meanwhile), and
    // its outcome is the caller's as it is.
    return dispatch(sending, retry);
  };

  const resolved = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const config = response.config as Marked | undefined;
    const sending = (config?.headers as Stamped | undefined)?.[SENT];
    if (!config || !sending || config[RETRIED] || config.skipAuthRefresh === true) return response;
    let view: AxiosResponse | undefined;
    for (const attachment of attachments) {
      if (!attachment.refreshOnResponse(attachment.readsBody ? (view ??= readable(response, config)) : response)) continue;
      return recover(sending, config, attachment, rejection(response), () => response);
    }
    return response;
  };

  const rejected = (error: unknown): Promise<AxiosResponse> => {
    const pass = (): never => {
      throw error;
    };
    // An error without its request (a hostile adapter's) is not the library's to judge here.
    if (!isAxiosError(error) || !error.response || !error.config) return pass();
    const config = error.config as Marked;
    const sending = (config.headers as Stamped | undefined)?.[SENT];
    if (!sending || config[RETRIED] || config.skipAuthRefresh === true) return pass();
    const attachment = attachments.find((a) => a.shouldRefresh(error));
    return attachment ? recover(sending, config, attachment, error, pass) : pass();
  };

  /** Refreshes, then sends the request again through the whole instance. */
  const reenter = async <T>(config: Marked, attachment: Attachment, error: AxiosError, pass: () => T): Promise<AxiosResponse | T> => {
    const sending = (config.headers as Stamped | undefined)?.[SENT];
    if (!(await refreshFor(sending, config, attachment, error))) return pass();
    const data: unknown = sending ? sending.data : config.data;
    const spent = replayError(data, config, error);
    if (spent) throw spent;
    if (sending) headers.apply(config, sending.generation);
    return instance.request({ ...config, data, adapter: sending ? sending.adapter : config.adapter, [RETRIED]: true } as Marked);
  };

  /**
   * Last of the response interceptors: an auth error that the app's own interceptors made from a
   * response (a GraphQL body saying UNAUTHENTICATED) is refreshed, and the request is sent again
   * through the whole instance, whose interceptors then see its outcome once. For a request
   * alone with the library it judges every outcome, as the adapter would have.
   */
  const outer = async (error: unknown): Promise<AxiosResponse> => {
    const { config, response } = (error ?? {}) as { config?: Marked; response?: unknown };
    if (!config || !response || isOwnError(error) || config[RETRIED] || config.skipAuthRefresh === true) throw error;
    const attachment = attachments.find((a) => a.shouldRefresh(error as AxiosError));
    if (!attachment) throw error;
    return reenter(config, attachment, error as AxiosError, () => {
      throw error;
    });
  };
  const outerResolved = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const config = response.config as Marked | undefined;
    const sending = (config?.headers as Stamped | undefined)?.[SENT];
    if (!config || !sending?.alone || config[RETRIED] || config.skipAuthRefresh === true) return response;
    const attachment = attachments.find((a) => a.refreshOnResponse(response));
    return attachment ? reenter(config, attachment, rejection(response), () => response) : response;
  };

  let outerId = responses.use(outerResolved, outer);

  /**
   * Keeps the library's response interceptor last, so that it sees what every app interceptor
   * made of a response, and tells whether it is the only one. Checked as each request starts,
   * before axios reads the list.
   */
  const keepOuterLast = (): boolean => {
    const handlers = responses.handlers as Array<{ rejected?: unknown } | null> | undefined;
    if (!handlers) return false;
    let last = handlers.length - 1;
    while (last >= 0 && handlers[last] == null) last -= 1;
    if (last >= 0 && handlers[last]?.rejected === outer) {
      let first = 0;
      while (handlers[first] == null) first += 1;
      return first === last;
    }
    responses.eject(outerId);
    outerId = responses.use(outerResolved, outer);
    return false;
  };

  /**
   * The adapter of every request the library looks after. What it knows of the request rides
   * on its headers; an app interceptor that replaced them took that along, and the request is
   * then taken as it is now.
   */
  const send = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
    dispatch(
      (config.headers as Stamped)[SENT] ?? {
        alone: false,
        adapter: instance.defaults.adapter,
        data: config.data,
        generation: generation(),
        started: 0,
        attached: undefined,
        epochs: undefined,
      },
      config,
    );

  // axios asks `runWhen` about every request before any interceptor runs: the library puts
  // its adapter on the request there, and the interceptor itself never runs.
  function start(config: InternalAxiosRequestConfig): boolean {
    const alone = keepOuterLast();
    if (config.skipAuthRefresh === true || attachments.length === 0) return false;
    (config.headers as Stamped)[SENT] = {
      alone,
      adapter: config.adapter,
      data: config.data,
      generation: generation(),
      started: config.timeout ? Date.now() : 0,
      attached: undefined,
      epochs: undefined,
    };
    config.adapter = send;
    return false;
  }
  const startId = requests.use((config) => config, null, { runWhen: start });

  const wiring: Wiring = {
    get attachments() {
      return attachments;
    },
    attach(attachment) {
      attachments = [attachment, ...attachments];
      unsubscribes.set(attachment, attachment.session.subscribe(headers));
    },
    detach(attachment) {
      attachments = attachments.filter((a) => a !== attachment);
      unsubscribes.get(attachment)?.();
      unsubscribes.delete(attachment);
      for (const interrupt of [...attachment.interrupts]) interrupt();
      if (attachments.length > 0) return;
      requests.eject(startId);
      responses.eject(outerId);
      wirings.delete(instance);
    },
  };
  wirings.set(instance, wiring);
  return wiring;
}
