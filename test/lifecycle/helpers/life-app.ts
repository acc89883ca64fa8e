import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { bearer, createRefreshInterceptor, createRefreshSession, jwtExpiry, observe } from '../../../src/index.js';
import type { RefreshSession, SessionEvent, SessionOptions } from '../../../src/index.js';
import { createRefreshFetch } from '../../../src/fetch.js';
import type { LifeServer } from './life-server.js';

/** A bearer app as the README's quick start writes it, with an axios instance and fetch on one session. */
export interface LifeApp {
  api: AxiosInstance;
  authFetch: typeof fetch;
  session: RefreshSession;
  tokens: { access: string; refresh: string };
  /** `onSessionExpired` calls so far. */
  expired: () => number;
  events: SessionEvent[];
  logIn(): Promise<void>;
}

export function lifeApp(server: LifeServer, options: Partial<SessionOptions> = {}): LifeApp {
  const tokens = { access: server.access, refresh: server.refresh };
  const api = axios.create({ baseURL: server.url });
  let expired = 0;
  const session = createRefreshSession({
    refresh: async ({ client, signal }) => {
      const { data } = await client.post<{ access: string; refresh: string }>('/refresh', { refresh: tokens.refresh }, { signal });
      Object.assign(tokens, data);
    },
    accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
    credentialOrigins: [server.url],
    onSessionExpired: () => {
      expired += 1;
    },
    ...options,
  });
  createRefreshInterceptor(api, { session });
  const events: SessionEvent[] = [];
  observe(session, (event) => events.push(event));
  return {
    api,
    authFetch: createRefreshFetch(fetch, { session }),
    session,
    tokens,
    expired: () => expired,
    events,
    async logIn() {
      const { data } = await api.post<{ access: string; refresh: string }>('/login', { email: 'a@example.com' }, { skipAuthRefresh: true });
      Object.assign(tokens, data);
    },
  };
}
