import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { trackDefaultHeaders } from './headers.js';
import { originOf, pageHref } from './origins.js';
import type { SessionListener } from './listeners.js';
import type { RefreshSession, RefreshTrigger } from './session.js';
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
  /**
   * What it refreshes for, told by the source text of its checks: a newer attachment for the
   * same purpose (setup code that ran again) takes over, one for another purpose works alongside.
   */
  readonly purpose: string;
  readonly interrupts: Set<Interrupt>;
}

/** What a session is told of an instance: the default headers a refresh changed, and its client. */
export type HeaderListener = ReturnType<typeof trackDefaultHeaders> & SessionListener;

/**
 * The library's own hooks on an instance, made once by the wiring: each step of a request's path
 * that hands it on to another step calls them, so that no step imports the one after it.
 */
export interface Hooks {
  /** The request interceptor's `runWhen`, where a request is recorded as axios starts it. */
  readonly start: (config: InternalAxiosRequestConfig) => boolean;
  /** The adapter of a request that may need the library before it goes out or as it comes back. */
  readonly send: (config: InternalAxiosRequestConfig) => Promise<AxiosResponse>;
  /** Judge what the adapter resolved or rejected with. */
  readonly resolved: (response: AxiosResponse) => AxiosResponse | Promise<AxiosResponse>;
  readonly rejected: (error: unknown) => Promise<AxiosResponse>;
}

/** Whether a status is a success, as axios's default `validateStatus` has it. */
export function ok2xx(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * What the library knows of one axios instance, read by every step of a request's path (see
 * wiring.ts for the steps): the interceptors attached to it, and which of them are in force.
 */
export class InstanceState {
  /** Newest first: a later setup for the same purpose (hot reload, a new log-in) takes precedence. */
  attachments: readonly Attachment[] = [];
  /** The newest attachment for each purpose, newest first: these judge answers and refresh. */
  inForce: readonly Attachment[] = [];
  /** Whether one in force reads response bodies. */
  readsBody: boolean = false;
  /**
   * Each session's refreshes are seen apart, since two purposes may refresh at once; the
   * listener is held here because the session holds it weakly.
   */
  readonly tracked: Map<Attachment, [HeaderListener, () => void]> = new Map();
  /** The origin of the instance's `baseURL` (or of the page), worked out again when it changes. */
  #own: { base: string | undefined; origin: string | undefined } | undefined;

  constructor(
    readonly instance: AxiosInstance,
    readonly hooks: Hooks,
  ) {
    // axios's `create` reads no `this`; bound, it would hold the instance.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const { create, defaults } = instance;
    this.client = () => {
      const bare = create(defaults);
      // The refresh's own answer is judged by its status, whatever the instance resolves.
      bare.defaults.validateStatus = ok2xx;
      return bare;
    };
  }

  /** Whether a session attached here moved after the count of moves was `since`. */
  moved(since: number): boolean {
    return this.attachments.some(({ session }) => session.epoch > since);
  }

  ownOrigin(): string | undefined {
    const base = this.instance.defaults.baseURL;
    if (!this.#own || this.#own.base !== base) this.#own = { base, origin: originOf(base ?? pageHref(), pageHref()) };
    return this.#own.origin;
  }

  /**
   * The bare client a refresh gets: the instance's defaults, none of its interceptors. It holds
   * those defaults, not the instance, so that a session can keep it after the instance is dropped.
   */
  readonly client: () => AxiosInstance;

  trigger(config: InternalAxiosRequestConfig, error?: AxiosError): RefreshTrigger {
    return { error, config, client: this.client };
  }

  /** A refresh is due for an attachment in force, or one runs for an earlier attachment. */
  due(): boolean {
    return this.attachments.some((a) => (this.inForce.includes(a) ? a.session.due() : a.session.refreshing));
  }

  settle(next: readonly Attachment[]): void {
    this.attachments = next;
    this.inForce = next.filter((a, i) => next.findIndex((b) => b.purpose === a.purpose) === i);
    this.readsBody = this.inForce.some((a) => a.readsBody);
  }

  /**
   * A `skipAuthRefresh` request that changes something (log-in is a POST in every framework; a GET
   * is a probe or a public page), not sent by a refresh itself, may be a new log-in: when it
   * succeeds, it is one for the sessions in force that had ended, or were refreshing, when it went
   * out (see `loggingIn`), and for those refreshing when it comes back. Each session decides what
   * that log-in changes (see `begin`).
   */
  mayLogIn(config: InternalAxiosRequestConfig): boolean {
    return config.skipAuthRefresh === true && !/^(get|head|options)$/i.test(config.method ?? 'get') && !this.attachments.some(({ session }) => session.refreshing && session.owns());
  }

  /** The sessions in force that a log-in going out now counts for; see `mayLogIn`. */
  loggingIn(): Attachment[] {
    return this.inForce.filter(({ session }) => session.state === 'ended' || session.state === 'refreshing');
  }
}
