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

const wirings = new WeakMap<AxiosInstance, Wiring>();

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

/**
 * Everything the library attaches to one axios instance, however many interceptors the app
 * creates on it: one set of axios hooks that serves every attachment.
 */
export class Wiring {
  /** Newest first: a later setup (hot reload, a new log-in) takes precedence. */
  attachments: readonly Attachment[] = [];
  private readonly headers;
  private readonly unsubscribes = new Map<Attachment, () => void>();
  private readonly startId: number;
  private outerId: number;

  static of(instance: AxiosInstance): Wiring {
    let wiring = wirings.get(instance);
    if (!wiring) {
      wiring = new Wiring(instance);
      wirings.set(instance, wiring);
    }
    return wiring;
  }

  private constructor(private readonly instance: AxiosInstance) {
    this.headers = trackDefaultHeaders(instance, () => this.generation());
    // Never runs: axios asks `runWhen` about every request before any interceptor runs, which
    // is where the library puts its adapter on the request at no cost to the success path.
    this.startId = instance.interceptors.request.use((config) => config, null, { runWhen: this.start });
    this.outerId = instance.interceptors.response.use(this.outerResolved, this.outer);
  }

  find(options: object, session: unknown): Attachment | undefined {
    return this.attachments.find((a) => a.options === options || a.session === session);
  }

  attach(attachment: Attachment): void {
    this.attachments = [attachment, ...this.attachments];
    this.unsubscribes.set(attachment, attachment.session.subscribe(this.headers));
  }

  detach(attachment: Attachment): void {
    this.attachments = this.attachments.filter((a) => a !== attachment);
    this.unsubscribes.get(attachment)?.();
    this.unsubscribes.delete(attachment);
    for (const interrupt of [...attachment.interrupts]) interrupt();
    if (this.attachments.length > 0) return;
    this.instance.interceptors.request.eject(this.startId);
    this.instance.interceptors.response.eject(this.outerId);
    wirings.delete(this.instance);
  }

  /** Moves on whenever any attached session's epoch does. */
  private generation(): number {
    let sum = 0;
    for (const { session } of this.attachments) sum += session.epoch;
    return sum;
  }

  private readonly client = (): AxiosInstance => {
    const client = this.instance.create(this.instance.defaults);
    // The refresh's own answer is judged by its status, whatever the instance resolves.
    client.defaults.validateStatus = ok2xx;
    return client;
  };

  private trigger(config: InternalAxiosRequestConfig, error?: AxiosError): RefreshTrigger {
    return { error, config, client: this.client };
  }

  private readonly start = (config: InternalAxiosRequestConfig): boolean => {
    const alone = this.keepOuterLast();
    if (config.skipAuthRefresh === true || this.attachments.length === 0) return false;
    const sending: Sending = {
      alone,
      adapter: config.adapter,
      data: config.data,
      generation: this.generation(),
      started: config.timeout ? Date.now() : 0,
      attached: undefined,
      epochs: undefined,
    };
    (config.headers as Stamped)[SENT] = sending;
    config.adapter = this.send;
    return false;
  };

  /**
   * An app response interceptor added after the library's runs after it, and one that turns a
   * response into an auth error (a GraphQL body) must still be seen: the library's response
   * interceptor is kept last. Checked as each request starts, before axios reads the list.
   */
  private keepOuterLast(): boolean {
    const manager = this.instance.interceptors.response;
    const handlers = manager.handlers as Array<{ rejected?: unknown } | null> | undefined;
    if (!handlers) return false;
    let last = handlers.length - 1;
    while (last >= 0 && handlers[last] == null) last -= 1;
    if (last >= 0 && handlers[last]?.rejected === this.outer) {
      let first = 0;
      while (handlers[first] == null) first += 1;
      return first === last;
    }
    manager.eject(this.outerId);
    this.outerId = manager.use(this.outerResolved, this.outer);
    return false;
  }

  private due(): boolean {
    for (const { session } of this.attachments) if (session.due()) return true;
    return false;
  }

  /**
   * The adapter of every request the library looks after. What it knows of the request rides
   * on its headers; an app interceptor that replaced them took that along, and the request is
   * then taken as it is now.
   */
  private readonly send = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const sending = (config.headers as Stamped)[SENT] ?? {
      alone: false,
      adapter: this.instance.defaults.adapter,
      data: config.data,
      generation: this.generation(),
      started: 0,
      attached: undefined,
      epochs: undefined,
    };
    return this.dispatch(sending, config);
  };

  private dispatch(sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    if (this.due() || this.generation() !== sending.generation) return this.held(sending, config);
    return this.attempt(sending, config);
  }

  private deadline(sending: Sending, config: InternalAxiosRequestConfig): number | undefined {
    return sending.started && config.timeout ? sending.started + config.timeout : undefined;
  }

  /** After a wait, what is left of the request's `timeout` is what its send may take. */
  private limit(sending: Sending, config: InternalAxiosRequestConfig): void {
    const deadline = this.deadline(sending, config);
    if (deadline === undefined) return;
    const left = deadline - Date.now();
    if (left <= 0) throw timeoutError(config);
    config.timeoutErrorMessage ??= `timeout of ${config.timeout}ms exceeded`;
    config.timeout = left;
  }

  /** Waits for every attached session that wants a refresh before a request goes out. */
  private async renewed(sending: Sending, config: InternalAxiosRequestConfig): Promise<void> {
    for (const attachment of this.attachments) {
      if (!attachment.session.due()) continue;
      try {
        const work = attachment.session.renew(this.trigger(config));
        await waitFor(work, config, attachment.interrupts, this.deadline(sending, config));
      } catch (failure) {
        if (isSoftFailure(failure)) continue;
        throw requestError(failure, config);
      }
    }
  }

  /**
   * Prepares a request again after a refresh (so the app's request interceptors read the new
   * credentials) and sends it with what is left of its timeout.
   */
  private async prepared(sending: Sending, config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> {
    this.headers.apply(config, sending.generation);
    const ready = await prepare(this.instance, this.start, config, sending.data);
    this.limit(sending, ready);
    return ready;
  }

  /** A request that must wait for a refresh before it goes out. */
  private async held(sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    await this.renewed(sending, config);
    if (this.generation() === sending.generation) {
      this.limit(sending, config);
      return this.attempt(sending, config);
    }
    return this.attempt(sending, await this.prepared(sending, config));
  }

  private attempt(sending: Sending, config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    const attached = this.attachments;
    sending.attached = attached;
    sending.epochs = attached.length === 1 ? attached[0]!.session.epoch : attached.map((a) => a.session.epoch);
    (config.headers as Stamped)[SENT] = sending;
    // The config the app and other plugins see afterwards (`error.config`, which axios-retry
    // sends again) names the adapter it had, not the library's.
    const original = sending.adapter ?? this.instance.defaults.adapter;
    if (original !== undefined) config.adapter = original;
    const adapter = typeof original === 'function' ? original : getAdapter(original, config);
    if (sending.alone) return adapter(config);
    // A resolved response needs a look only if it could be an auth failure: with axios's own
    // `validateStatus` and no body check, a 401 never resolves.
    if (!this.readsBodies && config.validateStatus?.(401) !== true) return adapter(config).then(undefined, this.rejected);
    return adapter(config).then(this.resolved, this.rejected);
  }

  /** Whether an attachment asks to see resolved responses' bodies. */
  private get readsBodies(): boolean {
    for (const attachment of this.attachments) if (attachment.readsBody) return true;
    return false;
  }

  private readonly resolved = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const config = response.config as Marked | undefined;
    const sending = (config?.headers as Stamped | undefined)?.[SENT];
    if (!config || !sending || config[RETRIED] || config.skipAuthRefresh === true) return response;
    let view: AxiosResponse | undefined;
    for (const attachment of this.attachments) {
      if (!attachment.refreshOnResponse(attachment.readsBody ? (view ??= readable(response, config)) : response)) continue;
      return this.recover(sending, config, attachment, rejection(response), () => response);
    }
    return response;
  };

  private readonly rejected = (error: unknown): Promise<AxiosResponse> => {
    const pass = (): never => {
      throw error;
    };
    // An error without its request (a hostile adapter's) is not the library's to judge here.
    if (!isAxiosError(error) || !error.response || !error.config) return pass();
    const config = error.config as Marked;
    const sending = (config.headers as Stamped | undefined)?.[SENT];
    if (!sending || config[RETRIED] || config.skipAuthRefresh === true) return pass();
    const attachment = this.attachments.find((a) => a.shouldRefresh(error));
    if (!attachment) return pass();
    return this.recover(sending, config, attachment, error, pass);
  };

  private epochOf(sending: Sending | undefined, attachment: Attachment): number {
    const index = sending?.attached?.indexOf(attachment) ?? -1;
    const epochs = sending?.epochs;
    const epoch = typeof epochs === 'number' ? (index === 0 ? epochs : undefined) : epochs?.[index];
    return epoch ?? attachment.session.epoch;
  }

  /** Waits for the refresh that a request sent under stale credentials needs. */
  private async refreshFor(
    sending: Sending | undefined,
    config: InternalAxiosRequestConfig,
    attachment: Attachment,
    error: AxiosError,
  ): Promise<boolean> {
    const work = attachment.session.recover(this.epochOf(sending, attachment), this.trigger(config, error));
    let outcome;
    try {
      outcome = await waitFor(work, config, attachment.interrupts, sending && this.deadline(sending, config));
    } catch (failure) {
      throw requestError(failure, config, error.response);
    }
    return outcome !== EJECTED;
  }

  /** Refreshes and sends the request again below the response interceptors. */
  private async recover<T>(
    sending: Sending,
    config: InternalAxiosRequestConfig,
    attachment: Attachment,
    error: AxiosError,
    pass: () => T,
  ): Promise<AxiosResponse | T> {
    if (!(await this.refreshFor(sending, config, attachment, error))) return pass();
    const spent = replayError(sending.data, config, error);
    if (spent) throw spent;
    const retry = await this.prepared(sending, { ...config, [RETRIED]: true } as Marked);
    sending.generation = this.generation();
    // Marked as a retry, it goes out like any request (held if a refresh is due meanwhile), and
    // its outcome is the caller's as it is.
    return this.dispatch(sending, retry);
  }

  /**
   * Last of the response interceptors: an auth error that the app's own interceptors made from
   * a response (a GraphQL body saying UNAUTHENTICATED) is refreshed, and the request is sent
   * again through the whole instance, whose interceptors then see its outcome once.
   */
  private readonly outer = async (error: unknown): Promise<AxiosResponse> => {
    const { config, response } = (error ?? {}) as { config?: Marked; response?: unknown };
    if (!config || !response || isOwnError(error) || config[RETRIED] || config.skipAuthRefresh === true) {
      throw error;
    }
    const attachment = this.attachments.find((a) => a.shouldRefresh(error as AxiosError));
    if (!attachment) throw error;
    return this.reenter(config, attachment, error as AxiosError, () => {
      throw error;
    });
  };

  /** For a request alone with the library: a response axios resolved, judged after its transforms. */
  private readonly outerResolved = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const config = response.config as Marked | undefined;
    const sending = (config?.headers as Stamped | undefined)?.[SENT];
    if (!config || !sending?.alone || config[RETRIED] || config.skipAuthRefresh === true) return response;
    for (const attachment of this.attachments) {
      if (!attachment.refreshOnResponse(response)) continue;
      return this.reenter(config, attachment, rejection(response), () => response);
    }
    return response;
  };

  private async reenter<T>(
    config: Marked,
    attachment: Attachment,
    error: AxiosError,
    pass: () => T,
  ): Promise<AxiosResponse | T> {
    const sending = (config.headers as Stamped | undefined)?.[SENT];
    if (!(await this.refreshFor(sending, config, attachment, error))) return pass();
    const data = sending ? sending.data : config.data;
    const spent = replayError(data, config, error);
    if (spent) throw spent;
    if (sending) this.headers.apply(config, sending.generation);
    return this.instance.request({
      ...config,
      data,
      adapter: sending ? sending.adapter : config.adapter,
      [RETRIED]: true,
    } as Marked);
  }
}
