import { isAxiosError } from 'axios';
import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { bearer, createRefreshInterceptor, expiry, jwtExpiry } from './library.js';
import type { TokenPair } from './server.js';

/** What the app stores after logging in. */
export interface Tokens {
  access: string;
  refresh: string;
  /** Milliseconds since epoch when `access` expires. */
  expiresAt: number;
}

/** One app at the start of a storm: its access token has expired, its refresh token is fresh. */
export interface App {
  /**
   * Sends `Authorization: Bearer <tokens.access>` on every request, retries included, from a
   * request interceptor of the app's, unless the contender attaches the token itself.
   */
  api: AxiosInstance;
  /** Same base URL and agent as `api`, no interceptors: for refreshes made by hand. */
  bare: AxiosInstance;
  tokens: Tokens;
}

/** A way of refreshing expired tokens, attached to a fresh app for every run. */
export interface Contender {
  name: string;
  /** Needs the library's refresh before expiry, which a build may lack. */
  refreshesAhead?: true;
  /** Attaches the token itself: the app sets no `Authorization` header of its own. */
  attachesToken?: true;
  /** Server requests this library aims at for a storm of n; the others have no goal here. */
  goal?: (n: number) => number;
  attach(app: App): void;
}

const REFRESH_MARGIN_MS = 30_000;

/** Exchanges the stored refresh token for a new pair, as every contender's app does. */
export async function renew(client: AxiosInstance, tokens: Tokens, signal?: AbortSignal): Promise<void> {
  const { data } = await client.post<TokenPair>(
    'auth/refresh',
    { refreshToken: tokens.refresh },
    signal ? { signal } : {},
  );
  tokens.access = data.accessToken;
  tokens.refresh = data.refreshToken;
  tokens.expiresAt = Date.now() + data.expiresIn;
}

const reactive: Contender = {
  name: 'axios-refresh-interceptor',
  // n 401s, one refresh, n retries.
  goal: (n) => 2 * n + 1,
  attach({ api, tokens }) {
    createRefreshInterceptor(api, { refresh: ({ client, signal }) => renew(client, tokens, signal) });
  },
};

const ahead: Contender = {
  name: 'axios-refresh-interceptor, refresh before expiry',
  refreshesAhead: true,
  // One refresh, then n requests with the new token.
  goal: (n) => n + 1,
  attach({ api, tokens }) {
    createRefreshInterceptor(api, {
      refresh: ({ client, signal }) => renew(client, tokens, signal),
      expiresAt: expiry(() => tokens.expiresAt, REFRESH_MARGIN_MS),
    });
  },
};

const withBearer: Contender = {
  name: 'axios-refresh-interceptor, `bearer` and `jwtExpiry`',
  refreshesAhead: true,
  attachesToken: true,
  // The token's `exp` alone tells it to refresh first: one refresh, then n requests.
  goal: (n) => n + 1,
  attach({ api, tokens }) {
    createRefreshInterceptor(api, {
      refresh: ({ client, signal }) => renew(client, tokens, signal),
      accessToken: bearer(() => tokens.access),
      expiresAt: jwtExpiry(() => tokens.access, REFRESH_MARGIN_MS),
    });
  },
};

type AuthRefreshInstance = Parameters<typeof createAuthRefresh>[0];

/**
 * axios-auth-refresh's types load axios's CommonJS declarations, and an ESM project under NodeNext
 * resolution loads the ESM ones: one instance, typed twice, which TypeScript will not match.
 */
export function authRefreshInstance(api: AxiosInstance): AuthRefreshInstance {
  return api as unknown as AuthRefreshInstance;
}

const authRefresh: Contender = {
  name: 'axios-auth-refresh 5, defaults',
  attach({ api, bare, tokens }) {
    createAuthRefresh(authRefreshInstance(api), () => renew(bare, tokens));
  },
};

const authRefreshNoDedup: Contender = {
  name: 'axios-auth-refresh 5, deduplicateRefresh: false',
  attach({ api, bare, tokens }) {
    createAuthRefresh(authRefreshInstance(api), () => renew(bare, tokens), { deduplicateRefresh: false });
  },
};

type RetryConfig = InternalAxiosRequestConfig & { _retry?: boolean };

/** The interceptor apps write by hand: refresh on every 401, retry each request once. */
const handWritten: Contender = {
  name: 'hand-written `_retry` interceptor',
  attach({ api, bare, tokens }) {
    api.interceptors.response.use(
      (response) => response,
      async (error: unknown) => {
        if (!isAxiosError(error) || !error.config) throw error;
        const original: RetryConfig = error.config;
        if (error.response?.status === 401 && original._retry !== true) {
          original._retry = true;
          await renew(bare, tokens);
          return api(original);
        }
        throw error;
      },
    );
  },
};

export const CONTENDERS: readonly Contender[] = [reactive, ahead, withBearer, authRefresh, authRefreshNoDedup, handWritten];
