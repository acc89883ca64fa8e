import axios from 'axios';
import type { AxiosError, AxiosInstance } from 'axios';
import type { RefreshContext } from '../../../src/index.js';
import type { CsrfServer } from '../../helpers/csrf-server.js';

/** What the app keeps in memory: its tokens, and how often each refresh ran on its side. */
export interface Credentials {
  access: string;
  refresh: string;
  csrf: string;
}

/** An instance whose request interceptor sends the current access token and CSRF token. */
export function csrfApp(server: CsrfServer): { api: AxiosInstance; credentials: Credentials } {
  const credentials: Credentials = { access: server.access, refresh: server.refresh, csrf: server.csrf };
  const api = axios.create({ baseURL: server.url });
  api.interceptors.request.use((request) => {
    request.headers.set('Authorization', `Bearer ${credentials.access}`);
    request.headers.set('X-CSRF-TOKEN', credentials.csrf);
    return request;
  });
  return { api, credentials };
}

/** A `refresh` for the access token, counting its calls. */
export function tokenRefresh(credentials: Credentials): { refresh: (context: RefreshContext) => Promise<void>; calls: () => number } {
  let calls = 0;
  return {
    refresh: async ({ client }) => {
      calls += 1;
      const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh: credentials.refresh });
      credentials.access = data.access;
      credentials.refresh = data.refresh;
    },
    calls: () => calls,
  };
}

/**
 * Options for a CSRF refresh on 419, made anew on each call as setup code that runs again
 * makes them: a new `shouldRefresh` function with the same source text.
 */
export function csrfPurpose(credentials: Credentials): {
  options: { refresh: (context: RefreshContext) => Promise<void>; shouldRefresh: (error: AxiosError) => boolean };
  calls: () => number;
} {
  let calls = 0;
  return {
    options: {
      refresh: async ({ client }) => {
        calls += 1;
        const { data } = await client.get<{ csrf: string }>('/csrf-cookie');
        credentials.csrf = data.csrf;
      },
      shouldRefresh: (error) => error.response?.status === 419,
    },
    calls: () => calls,
  };
}
