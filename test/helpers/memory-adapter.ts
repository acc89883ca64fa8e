import { AxiosError, AxiosHeaders } from 'axios';
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';

/**
 * An in-memory server behind an axios adapter: answers at once, with no sockets and no timers,
 * so fake-timer tests see only the library's own timers.
 */
export interface MemoryServer {
  adapter: AxiosAdapter;
  /** The access token the server accepts now. */
  token: string;
  /** Every request the server answered: `[url, status]`. */
  readonly seen: Array<[string, number]>;
}

export function respond(config: InternalAxiosRequestConfig, status: number, data: unknown): Promise<AxiosResponse> {
  const response: AxiosResponse = {
    data,
    status,
    statusText: String(status),
    headers: new AxiosHeaders(),
    config,
    request: {},
  };
  const validate = config.validateStatus ?? ((s: number) => s >= 200 && s < 300);
  if (validate(status)) return Promise.resolve(response);
  return Promise.reject(
    new AxiosError(`Request failed with status code ${status}`, AxiosError.ERR_BAD_REQUEST, config, {}, response),
  );
}

export function memoryServer(): MemoryServer {
  const server: MemoryServer = {
    token: 'fresh',
    seen: [],
    adapter: (config) => {
      const url = config.url ?? '';
      const status = config.headers.get('Authorization') === `Bearer ${server.token}` ? 200 : 401;
      server.seen.push([url, status]);
      return respond(config, status, { url });
    },
  };
  return server;
}
