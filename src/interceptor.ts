import { isAxiosError } from 'axios';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { RefreshFailedError, SessionExpiredError } from './errors.js';
import { trackDefaultHeaders } from './headers.js';
import { checkObject, checkOptional, defaults, expected, validateInstance } from './options.js';
import type { RefreshInterceptorOptions, SharedSessionOptions } from './options.js';
import { replayError } from './replay.js';
import { RefreshFailure, createRefreshSession, isRefreshSession } from './session.js';
import type { RefreshSession } from './session.js';
import { EJECTED, waitFor } from './wait.js';
import type { Interrupt } from './wait.js';

/**
 * What {@link createRefreshInterceptor} returns.
 *
 * @example
 * ```ts
 * const interceptor = createRefreshInterceptor(api, { refresh });
 * createRefreshInterceptor(uploads, { session: interceptor.session }); // one refresh for both
 * interceptor.eject(); // api is a plain axios instance again
 * ```
 */
export interface RefreshInterceptor {
  /**
   * Removes everything the interceptor added to the instance. Requests waiting on a refresh at
   * that moment settle at once: a held request is sent as it is, a failed one rejects with its
   * original error. A refresh the instance does not share is abandoned.
   */
  eject(): void;
  /** The session this instance refreshes through; pass it to another instance to share it. */
  readonly session: RefreshSession;
}

// Which refresh epoch a request was sent under is kept on its headers object, under a symbol:
// axios makes that object afresh for each request and copies only string keys, and a new key
// there is cheap. The config itself is a dictionary-mode object where one more key doubles the
// table, which cost the success path about two percent (see docs/benchmarks.md).
const EPOCH = Symbol('epoch');
// Set only when a request is retried, so it must survive axios's config merge: a string key,
// since axios before 1.7 drops symbol keys when it merges a config.
const RETRIED = 'axiosRefreshRetried';

type Marked = InternalAxiosRequestConfig & { [RETRIED]?: true; headers: { [EPOCH]?: number } };

/** The epoch a request was sent under, if it carries one (an error may come with a bare config). */
function sentUnder(config: Marked): number | undefined {
  return (config.headers as Marked['headers'] | undefined)?.[EPOCH];
}

function requestError(
  failure: unknown,
  config: InternalAxiosRequestConfig,
  response?: AxiosResponse,
): unknown {
  if (!(failure instanceof RefreshFailure)) return failure;
  return failure.expired
    ? new SessionExpiredError(failure.cause, config, response)
    : new RefreshFailedError(failure.cause, config, response);
}

function sessionOf(options: RefreshInterceptorOptions | SharedSessionOptions): RefreshSession {
  checkObject(options);
  if ((options as Partial<SharedSessionOptions>).session === undefined) {
    return createRefreshSession(options as RefreshInterceptorOptions);
  }
  if ('refresh' in options) {
    throw expected('refresh', 'left out when `session` is given', (options as { refresh: unknown }).refresh);
  }
  if (!isRefreshSession(options.session)) {
    throw expected('session', 'a session from createRefreshSession()', options.session);
  }
  return options.session;
}

/**
 * Refreshes expired credentials for an axios instance and replays what failed.
 *
 * A response that `shouldRefresh` matches (a 401 by default) waits for one shared refresh,
 * then is sent again once through the instance. Requests started while a refresh runs wait
 * for it before they go out. When the server rejects the refresh (4xx), `onSessionExpired`
 * runs once and the waiting requests reject with {@link SessionExpiredError}; any other refresh
 * failure rejects them with {@link RefreshFailedError} and leaves the session alone.
 *
 * A request made with `{ skipAuthRefresh: true }` in its config is left alone. Attach the
 * interceptor after adding the instance's own request interceptors: axios runs them last-added
 * first, so a request held during a refresh reaches them after the refresh and picks up the
 * new token.
 *
 * @param instance An instance from `axios.create()`.
 * @param options Either the options of a session of its own (`refresh` and the rest), or a
 * `session` to share with other instances.
 * @returns A handle to eject the interceptor and to reach its session.
 * @throws TypeError when `instance` or an option is not what is expected, naming the option.
 *
 * @example
 * ```ts
 * const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
 * const interceptor = createRefreshInterceptor(api, {
 *   refresh: ({ client }) => client.post('users/refresh/'),
 *   onSessionExpired: () => router.navigate('/login'),
 * });
 * ```
 */
export function createRefreshInterceptor(
  instance: AxiosInstance,
  options: RefreshInterceptorOptions | SharedSessionOptions,
): RefreshInterceptor {
  validateInstance(instance);
  const session = sessionOf(options);
  checkOptional('shouldRefresh', options.shouldRefresh);
  const owned = session !== (options as Partial<SharedSessionOptions>).session;
  const shouldRefresh = options.shouldRefresh ?? defaults.shouldRefresh;
  const headers = trackDefaultHeaders(instance);
  const interrupts = new Set<Interrupt>();
  const unsubscribe = session.subscribe(headers);
  let ejected = false;
  const bareClient = (): AxiosInstance => instance.create(instance.defaults);

  // Records which credentials the request goes out with.
  const stamp = (config: Marked): void => {
    config.headers[EPOCH] = session.epoch;
  };

  const hold = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    if (ejected) return config;
    let outcome;
    try {
      outcome = await waitFor(session.renew({ config, client: bareClient }), config, interrupts);
    } catch (failure) {
      throw requestError(failure, config);
    }
    if (outcome === EJECTED) return config;
    headers.apply(config, sentUnder(config) ?? 0);
    // It goes out now, with the credentials of the refresh it waited for.
    stamp(config);
    return config;
  };

  const recover = async (error: unknown): Promise<AxiosResponse> => {
    if (ejected || !isAxiosError(error) || !error.config || !error.response) throw error;
    const { response } = error;
    const config = error.config as Marked;
    if (config.skipAuthRefresh === true || config[RETRIED] || !shouldRefresh(error)) {
      throw error;
    }
    // Unstamped when an app interceptor replaced the headers object: counted as current, which
    // at worst costs one more refresh.
    const sentEpoch = sentUnder(config) ?? session.epoch;
    const trigger = { error: error as AxiosError, config, client: bareClient };
    let outcome;
    try {
      outcome = await waitFor(session.recover(sentEpoch, trigger), config, interrupts);
    } catch (failure) {
      throw requestError(failure, config, response);
    }
    if (outcome === EJECTED) throw error;
    const spent = replayError(error);
    if (spent) throw spent;
    headers.apply(config, sentEpoch);
    config[RETRIED] = true;
    return instance.request(config);
  };

  // axios asks `runWhen` about every request before it runs any interceptor: stamping there
  // costs the success path neither an interceptor nor a promise hop.
  const holdId = instance.interceptors.request.use(hold, null, {
    runWhen: (config) => {
      stamp(config);
      return config.skipAuthRefresh !== true && session.due();
    },
  });
  const recoverId = instance.interceptors.response.use(null, recover);

  return {
    session,
    eject() {
      if (ejected) return;
      ejected = true;
      instance.interceptors.request.eject(holdId);
      instance.interceptors.response.eject(recoverId);
      unsubscribe();
      for (const interrupt of [...interrupts]) interrupt();
      if (owned) session.dispose();
    },
  };
}
