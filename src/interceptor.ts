import type { AxiosInstance } from 'axios';
import { answersAtOnce, checkInterceptorArguments, rethrowMistake } from './checks.js';
import { defaults } from './options.js';
import type { RefreshInterceptorOptions, SharedSessionOptions } from './options.js';
import { createRefreshSession } from './axios-session.js';
import type { RefreshSession } from './session.js';
import { wiringOf } from './wiring.js';
import type { Attachment } from './wiring.js';

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
   * that moment settle at once: a held request is sent as it is (with `bearer`, with the
   * session's token), a failed one rejects with its original error. A refresh the instance does
   * not share is abandoned; other instances given the session wait for its call to settle.
   */
  eject(): void;
  /** The session this instance refreshes through; pass it to another instance to share it. */
  readonly session: RefreshSession;
}

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

const handles = new WeakMap<Attachment, RefreshInterceptor>();

function sessionOf(options: RefreshInterceptorOptions | SharedSessionOptions): RefreshSession {
  return (options as Partial<SharedSessionOptions>).session ?? createRefreshSession(options as RefreshInterceptorOptions);
}

/**
 * Refreshes expired credentials for an axios instance and replays what failed.
 *
 * A response that `shouldRefresh` (or, for one axios resolved, `shouldRefreshResponse`)
 * matches, a 401 by default, waits for one shared refresh, then is sent again once. Requests
 * started while a refresh runs wait for it before they go out. A held or replayed request goes
 * through the instance's request interceptors again, so a token they set is the new one; the
 * app's response interceptors see only its final outcome. When the server rejects the refresh
 * (a 4xx other than 408 and 429), `onSessionExpired` runs once and the waiting requests reject
 * with {@link SessionExpiredError}; any other refresh failure rejects them with
 * {@link RefreshFailedError} and leaves the session alone.
 *
 * A request made with `{ skipAuthRefresh: true }` in its config is left alone. The order in
 * which the app adds its own interceptors does not matter. Attaching the same options object
 * or session to the same instance again returns the interceptor already attached; new options
 * with the same purpose (the source text of `shouldRefresh` and `shouldRefreshResponse`) take
 * over from the interceptor attached before, which is back in force if the newer one is ejected.
 * Interceptors for other purposes (a 419 CSRF refresh next to the 401 one) work side by side,
 * and a request is retried at most once for each.
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
  try {
    if (process.env.NODE_ENV !== 'production') checkInterceptorArguments(instance, options);
  } catch (error) {
    rethrowMistake(error);
  }
  const wiring = wiringOf(instance);
  const shared = (options as Partial<SharedSessionOptions>).session;
  const existing = wiring.attachments.find((a) => a.options === options || a.session === shared);
  const handle = existing && handles.get(existing);
  if (handle) return handle;
  const session = sessionOf(options);
  const owned = session !== shared;
  const { challenges } = session;
  // With `challenges`, the server's refusals are never refreshed, whatever the check says.
  const guard = <A>(check: (answer: A) => boolean): ((answer: A) => boolean) => challenges?.guard(check, session) ?? check;
  const attachment: Attachment = {
    session,
    options,
    // Source text, not identity: setup code that runs again makes new functions of the same text.
    purpose: String(options.shouldRefresh) + String(options.shouldRefreshResponse),
    // A development build tells of a check that answers with a promise; a production one has no
    // trace of it, and plain ESM in a browser, with no `process`, goes unchecked.
    shouldRefresh: guard(
      (typeof process === 'object' && process.env.NODE_ENV !== 'production' && options.shouldRefresh ? answersAtOnce('shouldRefresh', options.shouldRefresh) : options.shouldRefresh) ??
        defaults.shouldRefresh,
    ),
    refreshOnResponse: guard(
      (typeof process === 'object' && process.env.NODE_ENV !== 'production' && options.shouldRefreshResponse
        ? answersAtOnce('shouldRefreshResponse', options.shouldRefreshResponse)
        : options.shouldRefreshResponse) ?? defaults.shouldRefreshResponse,
    ),
    readsBody: options.shouldRefreshResponse !== undefined,
    interrupts: new Set(),
  };
  wiring.attach(attachment);
  let ejected = false;
  const interceptor: RefreshInterceptor = {
    session,
    eject() {
      if (ejected) return;
      ejected = true;
      wiring.detach(attachment);
      if (owned) session.dispose();
    },
  };
  handles.set(attachment, interceptor);
  return interceptor;
}
