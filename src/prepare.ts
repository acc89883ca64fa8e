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

/**
 * Runs a request through the instance's request interceptors and `transformRequest` again,
 * with `data` as the body the caller gave, and resolves with the config as the adapter would
 * get it. A request held or retried after a refresh is prepared this way so that whatever the
 * app's interceptors read (a token in memory, a CSRF cookie) is read after the refresh, and a
 * body that axios built (multipart from an object) is built afresh. No response interceptor
 * runs: the caller's outcome goes through them once, as for any request.
 *
 * @param skip The library's own request interceptor, which must not run again.
 */
export function prepare(
  instance: AxiosInstance,
  skip: unknown,
  config: InternalAxiosRequestConfig,
  data: unknown,
): Promise<InternalAxiosRequestConfig> {
  const pass = instance.create(instance.defaults);
  (instance.interceptors.request as unknown as Walkable).forEach((handler) => {
    if (handler.runWhen === skip) return;
    pass.interceptors.request.use(handler.fulfilled as never, handler.rejected as never, {
      synchronous: handler.synchronous ?? false,
      runWhen: handler.runWhen ?? null,
    });
  });
  let prepared: InternalAxiosRequestConfig | undefined;
  const capture: AxiosAdapter = (ready) => {
    prepared = ready;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(CAPTURED);
  };
  return pass.request({ ...config, data, adapter: capture }).then(
    () => {
      throw new Error('The request was answered while being prepared');
    },
    (error: unknown) => {
      if (error !== CAPTURED || !prepared) throw error;
      return prepared;
    },
  );
}
