import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { CookieJar } from 'tough-cookie';
import { cookieAdapter, cookieAgents, siteCookies } from '../../../demo/client/cookie-jar.js';
import type { SiteCookies } from '../../../demo/client/cookie-jar.js';
import { attachLessonInterceptor, lessonRefresh } from '../../../demo/client/lesson-interceptor.js';
import type { TokenResponse } from '../../../demo/client/utilities.js';
import type { AuthApi } from '../../../demo/server/index.js';
import { createRefreshInterceptor } from '../../../src/index.js';
import type { RefreshInterceptor, SessionExpiredError } from '../../../src/index.js';

export interface CookieClient {
  api: AxiosInstance;
  jar: SiteCookies;
  interceptor: RefreshInterceptor;
  /** Every error onSessionExpired was called with. */
  expired: SessionExpiredError[];
}

/** A browser-like client: cookies in a jar below the interceptors, the library refreshing them. */
export function cookieClient(server: AuthApi): CookieClient {
  const jar = new CookieJar();
  const api = axios.create({ baseURL: server.apiUrl, withCredentials: true, ...cookieAgents(jar) });
  const expired: SessionExpiredError[] = [];
  const interceptor = createRefreshInterceptor(api, {
    refresh: ({ client, signal }) => client.post('users/refresh/', {}, { signal }),
    onSessionExpired: (error) => {
      expired.push(error);
    },
  });
  return { api, jar: siteCookies(jar, server.apiUrl), interceptor, expired };
}

/** The lesson's client: the same cookies, the hand-written `_retry` interceptor. */
export function lessonCookieClient(server: AuthApi): { api: AxiosInstance; jar: SiteCookies } {
  const jar = new CookieJar();
  const api = axios.create({ baseURL: server.apiUrl, withCredentials: true, ...cookieAgents(jar) });
  attachLessonInterceptor(api, lessonRefresh(new URL('users/refresh/', server.apiUrl).href, cookieAdapter(jar)));
  return { api, jar: siteCookies(jar, server.apiUrl) };
}

export interface BearerClient {
  api: AxiosInstance;
  /** The tokens held in memory, as a single-page app without cookies keeps them. */
  tokens: { access: string; refresh: string } | undefined;
  expired: SessionExpiredError[];
  /** Stores a log-in's tokens and sends the access token from now on. */
  signedIn(response: TokenResponse): void;
}

/**
 * A client that keeps its tokens in memory and sends `Authorization: Bearer`, with no cookies
 * at all. The token goes into the instance's default headers, which the library tracks so a
 * replay carries the new one.
 */
export function bearerClient(server: AuthApi): BearerClient {
  const api = axios.create({ baseURL: server.apiUrl });
  const client: BearerClient = {
    api,
    tokens: undefined,
    expired: [],
    signedIn({ access, refresh }) {
      client.tokens = { access, refresh };
      api.defaults.headers.common.Authorization = `Bearer ${access}`;
    },
  };
  createRefreshInterceptor(api, {
    refresh: async ({ client: bare, signal }) => {
      const { data } = await bare.post<TokenResponse>('users/refresh/', { refresh: client.tokens?.refresh }, { signal });
      client.signedIn(data);
    },
    onSessionExpired: (error) => {
      client.expired.push(error);
    },
  });
  return client;
}
