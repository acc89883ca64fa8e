import type {
  AxiosAdapter,
  AxiosInstance,
  AxiosInterceptorOptions,
  InternalAxiosRequestConfig,
} from 'axios';

interface Handler {
  fulfilled?: ((config: InternalAxiosRequestConfig) => unknown) | null;
  rejected?: ((error: unknown) => unknown) | null;
  synchronous?: boolean;
  runWhen?: AxiosInterceptorOptions['runWhen'];
}

interface Walkable {
  forEach(visit: (handler: Handler) => void): void;
}

// Rejected with, never thrown at the app: not an Error, so axios leaves its stack alone.
const CAPTURED = Object.freeze({ captured: true });

/** What the caller gave, from which a request is prepared again (see record.ts). */
export interface CallerRequest {
  readonly data: unknown;
  readonly url: string | undefined;
  readonly baseURL: string | undefined;
  readonly params: unknown;
}

/**
 * Runs a request through the instance's request interceptors and `transformRequest` again,
 * from the body, URL and params the caller gave, and resolves with the config as the adapter would
 * get it. A request held or retried after a refresh is prepared this way so that whatever the
 * app's interceptors read (a token in memory, a CSRF cookie) is read after the refresh, and a
 * body that axios built (multipart from an object) is built afresh. No response interceptor
 * runs: the caller's outcome goes through them once, as for any request.
 *
 * @param skip The `runWhen` of the library's own request interceptor, which must not run again.
 */
export function prepare(
  instance: AxiosInstance,
  skip: unknown,
  config: InternalAxiosRequestConfig,
  { data, url, baseURL, params }: CallerRequest,
): Promise<InternalAxiosRequestConfig> {
  let prepared: InternalAxiosRequestConfig | undefined;
  const capture: AxiosAdapter = (ready) => {
    prepared = ready;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(CAPTURED);
  };
  const again = { ...config, data, url, baseURL, params, adapter: capture } as InternalAxiosRequestConfig;
  return passFor(instance, skip).request(again).then(
    () => {
      throw new Error('The request was answered while being prepared');
    },
    (error: unknown) => {
      if (error !== CAPTURED || !prepared) throw error;
      return prepared;
    },
  );
}

const passes = new WeakMap<AxiosInstance, { pass: AxiosInstance; handlers: Handler[] }>();

/**
 * An instance with the request interceptors of `instance` (but the library's own) and none of
 * its response interceptors, made again only when those interceptors change. It has no defaults
 * of its own: a request's config already holds what it took from the instance's, and
 * `instance.create` copies the instance's defaults as they are then, which would put back on
 * every later request a default header the app has since removed.
 */
function passFor(instance: AxiosInstance, skip: unknown): AxiosInstance {
  const handlers: Handler[] = [];
  (instance.interceptors.request as unknown as Walkable).forEach((handler) => {
    if (handler.runWhen !== skip) handlers.push(handler);
  });
  const known = passes.get(instance);
  if (known && known.handlers.length === handlers.length && known.handlers.every((h, i) => h === handlers[i])) {
    return known.pass;
  }
  const pass = instance.create({});
  // Emptied, not replaced: axios reads them from the object its request function is bound to.
  for (const key of Object.keys(pass.defaults)) Reflect.deleteProperty(pass.defaults, key);
  for (const handler of handlers) {
    pass.interceptors.request.use(handler.fulfilled as never, handler.rejected as never, {
      synchronous: handler.synchronous ?? false,
      runWhen: handler.runWhen ?? null,
    });
  }
  passes.set(instance, { pass, handlers });
  return pass;
}
