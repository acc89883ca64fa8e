import axios, { isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosInstance, AxiosResponse } from 'axios';
import { createRefreshInterceptor } from '../../src/index.js';
import type { RefreshInterceptor } from '../../src/index.js';
import type { AuthServer } from './auth-server.js';
import type { Gate } from './gate.js';

/** An app that keeps its bearer token in memory and sets it in a request interceptor. */
export function bearerApp(server: AuthServer): { api: AxiosInstance; store: { token: string } } {
  const store = { token: server.access };
  const api = axios.create({ baseURL: server.url });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  return { api, store };
}

/** Obtains new tokens the way a bearer app does: refresh token in the body. */
export function bearerRefresh(
  server: AuthServer,
  store: { token: string },
): (context: { client: AxiosInstance }) => Promise<void> {
  let refresh = server.refresh;
  return async ({ client }) => {
    const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh });
    store.token = data.access;
    refresh = data.refresh;
  };
}

/** An app whose token lives in `defaults.headers.common.Authorization`. */
export function defaultsApp(server: AuthServer): AxiosInstance {
  const api = axios.create({ baseURL: server.url });
  api.defaults.headers.common.Authorization = `Bearer ${server.access}`;
  return api;
}

/** Obtains new tokens and writes the access token into the instance defaults. */
export function defaultsRefresh(
  server: AuthServer,
  api: AxiosInstance,
): (context: { client: AxiosInstance }) => Promise<void> {
  let refresh = server.refresh;
  return async ({ client }) => {
    const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh });
    refresh = data.refresh;
    api.defaults.headers.common.Authorization = `Bearer ${data.access}`;
  };
}

function storeCookies(jar: Map<string, string>, response: AxiosResponse | undefined): void {
  const header: unknown = response?.headers['set-cookie'];
  if (!Array.isArray(header)) return;
  for (const cookie of header as string[]) {
    const [pair = ''] = cookie.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}

/**
 * An app using HttpOnly cookies. Node has no cookie jar, so the jar lives in the adapter,
 * below every interceptor, where a browser keeps it too.
 */
export function cookieApp(server: AuthServer): { api: AxiosInstance; jar: Map<string, string> } {
  const jar = new Map([
    ['access_token', server.access],
    ['refresh_token', server.refresh],
  ]);
  const transport = axios.getAdapter(axios.defaults.adapter);
  const adapter: AxiosAdapter = async (config) => {
    config.headers.set('Cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    try {
      const response = await transport(config);
      storeCookies(jar, response);
      return response;
    } catch (error) {
      if (isAxiosError(error)) storeCookies(jar, error.response);
      throw error;
    }
  };
  return { api: axios.create({ baseURL: server.url, withCredentials: true, adapter }), jar };
}

export function settleAll<T>(promises: Array<Promise<T>>): Promise<Array<PromiseSettledResult<T>>> {
  return Promise.allSettled(promises);
}

/** A bearer app with the interceptor attached, counting `onSessionExpired` calls. */
export function sessionApp(server: AuthServer): {
  api: AxiosInstance;
  expired: () => number;
  interceptor: RefreshInterceptor;
} {
  const { api, store } = bearerApp(server);
  let expired = 0;
  const interceptor = createRefreshInterceptor(api, {
    refresh: bearerRefresh(server, store),
    onSessionExpired: () => {
      expired += 1;
    },
  });
  return { api, expired: () => expired, interceptor };
}

/**
 * Sends `/api/first` on an expired token and holds, on the server, the refresh that its 401
 * starts: whatever the test sends before `refreshGate.open()` meets a refresh in flight.
 */
export async function refreshHeld(
  server: AuthServer,
  api: AxiosInstance,
): Promise<{ first: Promise<AxiosResponse>; refreshGate: Gate }> {
  const refreshGate = server.hold('/refresh');
  const first = api.get('/api/first');
  await server.arrived('/refresh', 1);
  return { first, refreshGate };
}
