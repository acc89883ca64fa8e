import axios from 'axios';
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { RefreshContext } from '../../../src/index.js';

/** The tokens an app keeps in memory: the access token it sends and the refresh token it rotates. */
export interface Tokens {
  access: string;
  refresh: string;
}

/** A `refresh` that posts the current refresh token, stores both new tokens, and counts its calls. */
export function countedRefresh(tokens: Tokens): {
  refresh: (context: RefreshContext) => Promise<void>;
  calls: () => number;
} {
  let calls = 0;
  return {
    refresh: async ({ client }) => {
      calls += 1;
      const { data } = await client.post<Tokens>('/refresh', { refresh: tokens.refresh });
      tokens.access = data.access;
      tokens.refresh = data.refresh;
    },
    calls: () => calls,
  };
}

/** An instance with no interceptors, and the store its app interceptor reads the token from. */
export function plainApp(
  server: { url: string; access: string; refresh: string },
  config: CreateAxiosDefaults = {},
): { api: AxiosInstance; tokens: Tokens; useBearer: () => number } {
  const tokens: Tokens = { access: server.access, refresh: server.refresh };
  const api = axios.create({ baseURL: server.url, ...config });
  const useBearer = (): number =>
    api.interceptors.request.use((request) => {
      request.headers.set('Authorization', `Bearer ${tokens.access}`);
      return request;
    });
  return { api, tokens, useBearer };
}

/** Where the app adds its own interceptors, relative to `createRefreshInterceptor`. */
export type Order = 'before' | 'after';

/** Runs the app's setup and the library's in the given order. */
export function inOrder(order: Order, app: () => void, library: () => void): void {
  if (order === 'before') {
    app();
    library();
  } else {
    library();
    app();
  }
}

/** Interceptors currently registered on the instance (ejected slots excluded). */
export function activeHandlers(api: AxiosInstance): number {
  const managers = [api.interceptors.request, api.interceptors.response] as unknown as Array<{
    handlers: unknown[];
  }>;
  return managers.reduce((sum, manager) => sum + manager.handlers.filter(Boolean).length, 0);
}
