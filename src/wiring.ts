import { getAdapter, isAxiosError } from 'axios';
import type { AxiosError } from 'axios';
import type { AxiosHeaders, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { ERR_BODY_NOT_REPLAYABLE, isRefreshFailedError, isSessionExpiredError, requestError, statusError } from './errors.js';
import { fullPath, isOwnOrigin, originOf, pageHref } from './origins.js';
import { trackDefaultHeaders } from './headers.js';
import { prepare } from './prepare.js';
import { replayError } from './replay.js';
import { RefreshFailure } from './refresh-outcome.js';
import { isSoftFailure } from './session.js';
import type { RefreshSession, RefreshTrigger, SessionListener } from './session.js';
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
   * No response interceptor but the library's: a rejection goes straight to it, which then
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
  /** The attachment in force when the request went out, and its session's epoch then. */
  attached: Attachment | undefined;
  epoch: number;
}

// Set only on a retry, so it must survive axios's config merge: a string key, since axios
// before 1.7 drops symbol keys when it merges a config.
const RETRIED = 'axiosRefreshRetried';
// The record of a request, from its start to its outcome.
const SENT = Symbol('sent');

type Marked = InternalAxiosRequestConfig & { [RETRIED]?: true };
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

const recordOf = (config: InternalAxiosRequestConfig | undefined): Sending | undefined =>
  config && carrier(config)[SENT];

/** Whether a status is a success, as axios's default `validateStatus` has it. */
export function ok2xx(status: number): boolean {
  return status >= 200 && status < 300;
}

function isOwnError(error: unknown): boolean {
  return (
    isSessionExpiredError(error) ||
    isRefreshFailedError(error) ||
    (error as { code?: unknown } | null | undefined)?.code === ERR_BODY_NOT_REPLAYABLE
  );
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

  // Epochs of sessions detached since, so that the generation never goes back.
  let retired = 0;
  /** Moves on whenever any attached session's epoch does. */
  const generation = (): number => {
    let sum = retired;
    for (const { session } of attachments) sum += session.epoch;
    return sum;
  };
  const headers = trackDefaultHeaders(instance, generation);

  // The origin of the instance's `baseURL` (or of the page), worked out again when it changes.
  let own: { base: string | undefined; origin: string | undefined } | undefined;
  const ownOrigin = (): string | undefined => {
    const base = instance.defaults.baseURL;
    if (!own || own.base !== base) own = { base, origin: originOf(base ?? pageHref(), pageHref()) };
    return own.origin;
  };

  /**
   * Whether a request went where the session's credentials go: a 401 from elsewhere says nothing
   * about them. Asked only once a check has matched, so the success path never pays for it.
   */
  const ours = ({ session }: Attachment, config: InternalAxiosRequestConfig): boolean =>
    isOwnOrigin(fullPath(config), ownOrigin(), session.origins, session.bearer !== undefined);

  const client = (): AxiosInstance => {
    const bare = instance.create(instance.defaults);
    // The refresh's own answer is judged by its status, whatever the instance resolves.
    bare.defaults.validateStatus = ok2xx;
    return bare;
  };
  // What the session is told of this instance; held weakly there, so it lives with the wiring.
  const listener: SessionListener = { started: headers.started, succeeded: headers.succeeded, client };
  const trigger = (config: InternalAxiosRequestConfig, error?: AxiosError): RefreshTrigger => ({ error, config, client });

  /** A refresh is due for the attachment in force, or one runs for an earlier attachment. */
  const due = (): boolean => {
    for (let i = 0; i < attachments.length; i += 1) {
      const { session } = attachments[i] as Attachment;
      if (i === 0 ? session.due() : session.refreshing) return true;
    }
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

  /**
   * Waits out a refresh that an earlier attachment started before a newer one took over: two
   * refreshes on one instance never overlap, since they may present the same rotating refresh
   * token. Its failure is its own, not the request's.
   */
  const quiet = async (sending: Sending | undefined, config: InternalAxiosRequestConfig): Promise<void> => {
    for (const earlier of attachments.slice(1)) {
      if (!earlier.session.refreshing) continue;
      try {
        await waitFor(earlier.session.renew(trigger(config)), config, earlier.interrupts, deadline(sending, config));
      } catch (failure) {
        if (!(failure instanceof RefreshFailure)) throw failure;
      }
    }
  };

  /** Waits for the refresh in flight, or one due ahead of expiry, before a request goes out. */
  const renewed = async (sending: Sending, config: InternalAxiosRequestConfig): Promise<void> => {
    await quiet(sending, config);
    const current = attachments[0];
    if (!current?.session.due()) return;
    try {
      await waitFor(current.session.renew(trigger(config)), config, current.interrupts, deadline(sending, config));
    } catch (failure) {
      if (!isSoftFailure(failure)) throw requestError(failure, config);
    }
  };

  /**
   * Takes off a request what does not hold for its next send: default headers that a refresh
   * changed, and the length of a body that is built again (axios keeps one it finds).
   */
  const refit = (sending: Sending | undefined, config: InternalAxiosRequestConfig): void => {
    if (sending) headers.apply(config, sending.generation);
    (config.headers as Partial<AxiosHeaders> | undefined)?.delete?.('Content-Length');
  };

  /**
   * Prepares a request again after a refresh, so that the app's request interceptors read the
   * new credentials, with what is left of its timeout.
   */
  const prepared = async (sending: Sending, config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    refit(sending, config);
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

  /** Whether axios resolves a 401 for this request; it resolves every status without `validateStatus`. */
  const resolves401 = ({ validateStatus }: InternalAxiosRequestConfig): boolean => !validateStatus || validateStatus(401);

  /** Puts back on the request the adapter it had, and returns it. */
  function restore(sending: Sending, config: InternalAxiosRequestConfig): InternalAxiosRequestConfig['adapter'] {
    const original = sending.adapter ?? instance.defaults.adapter;
    if (original !== undefined) config.adapter = original;
    return original;
  }

  function attempt(sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    const current = attachments[0];
    sending.attached = current;
    sending.epoch = current ? current.session.epoch : 0;
    const session = current?.session;
    session?.bearer?.authorize(config, instance, ownOrigin(), session.origins);
    const stamped = carrier(config);
    // A request prepared again has a new config, and the capturing adapter.
    if (stamped[SENT] !== sending) stamped[SENT] = sending;
    const original = sending.adapter !== undefined && config.adapter === sending.adapter ? sending.adapter : restore(sending, config);
    const adapter = typeof original === 'function' ? original : getAdapter(original, config);
    // A resolved response needs a look only if it could be an auth failure: with axios's own
    // `validateStatus` and no body check, a 401 never resolves. A rejected one goes straight to
    // the library's response interceptor when no other stands in between.
    if (current?.readsBody || resolves401(config)) return adapter(config).then(resolved, rejected);
    return sending.alone ? adapter(config) : adapter(config).then(undefined, rejected);
  }

  const epochOf = (sending: Sending | undefined, attachment: Attachment): number =>
    sending?.attached === attachment ? sending.epoch : attachment.session.epoch;

  /** Waits for the refresh that a request sent under stale credentials needs; false when ejected meanwhile. */
  const refreshFor = async (
    sending: Sending | undefined,
    config: InternalAxiosRequestConfig,
    attachment: Attachment,
    error: AxiosError,
  ): Promise<boolean> => {
    await quiet(sending, config);
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
    const sending = recordOf(config);
    if (!config || !sending || config[RETRIED] || config.skipAuthRefresh === true) return response;
    const current = attachments[0];
    if (!current?.refreshOnResponse(current.readsBody ? readable(response, config) : response) || !ours(current, config)) return response;
    return recover(sending, config, current, statusError(response), () => response);
  };

  const rejected = (error: unknown): Promise<AxiosResponse> => {
    const pass = (): never => {
      throw error;
    };
    // An error without its request (a hostile adapter's) is not the library's to judge here.
    if (!isAxiosError(error) || !error.response || !error.config) return pass();
    const config = error.config as Marked;
    const sending = recordOf(config);
    if (!sending || config[RETRIED] || config.skipAuthRefresh === true) return pass();
    const current = attachments[0];
    return current?.shouldRefresh(error) && ours(current, config) ? recover(sending, config, current, error, pass) : pass();
  };

  /** Refreshes, then sends the request again through the whole instance. */
  const reenter = async <T>(config: Marked, attachment: Attachment, error: AxiosError, pass: () => T): Promise<AxiosResponse | T> => {
    const sending = recordOf(config);
    if (!(await refreshFor(sending, config, attachment, error))) return pass();
    const data: unknown = sending ? sending.data : config.data;
    const spent = replayError(data, config, error);
    if (spent) throw spent;
    refit(sending, config);
    const retry = { ...config, data, adapter: sending ? sending.adapter : config.adapter, [RETRIED]: true } as Marked;
    // Goes through the instance as a new request: its timeout is what is left of the first's.
    if (sending) limit(sending, retry);
    return instance.request(retry);
  };

  /**
   * Last of the response interceptors: an auth error that the app's own interceptors made from a
   * response (a GraphQL body saying UNAUTHENTICATED) is refreshed, and the request is sent again
   * through the whole instance, whose interceptors then see its outcome once. For a request
   * alone with the library it judges the rejected ones, as the adapter would have.
   */
  const outer = async (error: unknown): Promise<AxiosResponse> => {
    const { config, response } = (error ?? {}) as { config?: Marked; response?: unknown };
    if (!config || !response || isOwnError(error) || config[RETRIED] || config.skipAuthRefresh === true) throw error;
    const current = attachments[0];
    if (!current?.shouldRefresh(error as AxiosError) || !ours(current, config)) throw error;
    return reenter(config, current, error as AxiosError, () => {
      throw error;
    });
  };
  let outerId = responses.use(null, outer);

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
    outerId = responses.use(null, outer);
    return false;
  };

  /**
   * The adapter of a request that may need the library before it goes out or as its answer
   * comes back.
   */
  const send = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const sending = recordOf(config) ?? {
        alone: false,
        adapter: instance.defaults.adapter,
        data: config.data,
        generation: generation(),
        started: 0,
        attached: undefined,
        epoch: 0,
      };
    // Whatever happens next, the config that the app and other plugins see afterwards
    // (`error.config`, which axios-retry sends again) names the adapter it had, not this one.
    restore(sending, config);
    if (config.skipAuthRefresh !== true) return dispatch(sending, config);
    // A request left alone is never held; it only gets the token, and may be a new log-in.
    const answer = attempt(sending, config);
    // The session that ended, as it was when the log-in went out: an eject meanwhile changes nothing.
    const ended = loggingIn(config) ? attachments[0]?.session : undefined;
    return ended
      ? answer.then((response) => {
          if (ok2xx(response.status)) ended.begin();
          return response;
        })
      : answer;
  };

  /**
   * After the session ended, a `skipAuthRefresh` request that changes something (log-in is a
   * POST in every framework; a GET is a probe or a public page) and succeeds is a new log-in.
   */
  const loggingIn = (config: InternalAxiosRequestConfig): boolean =>
    config.skipAuthRefresh === true && attachments[0]?.session.state === 'ended' && !/^(get|head|options)$/i.test(config.method ?? 'get');


  // axios asks `runWhen` about every request before any interceptor runs: the library records
  // the request there, and the interceptor itself never runs. It puts its own adapter on the
  // request unless nothing can need it: a request alone with the library's response interceptor,
  // with no refresh due, whose 401 axios rejects, is judged by that interceptor alone. The
  // session's token is attached by that adapter, so a request left alone gets it too.
  function start(config: InternalAxiosRequestConfig): boolean {
    const alone = keepOuterLast();
    const current = attachments[0];
    if (!current) return false;
    // A request that `refresh` sends through this instance belongs to the refresh: held, it
    // would wait for itself; refreshed, a dead session could never end.
    if (current.session.refreshing && current.session.owns()) config.skipAuthRefresh = true;
    const { bearer } = current.session;
    const login = loggingIn(config);
    if (config.skipAuthRefresh === true && !bearer && !login) return false;
    carrier(config)[SENT] = {
      alone,
      // A config sent again as it came back (axios-retry does) may still name this adapter.
      adapter: config.adapter === send ? instance.defaults.adapter : config.adapter,
      data: config.data,
      generation: generation(),
      started: config.timeout ? Date.now() : 0,
      attached: current,
      epoch: current.session.epoch,
    };
    if (bearer || login || !alone || due() || current.readsBody || resolves401(config)) config.adapter = send;
    return false;
  }
  const startId = requests.use((config) => config, null, { runWhen: start });

  const wiring: Wiring = {
    get attachments() {
      return attachments;
    },
    attach(attachment) {
      attachments = [attachment, ...attachments];
      unsubscribes.set(attachment, attachment.session.subscribe(listener));
    },
    detach(attachment) {
      attachments = attachments.filter((a) => a !== attachment);
      retired += attachment.session.epoch;
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
