import axios, { isAxiosError } from 'axios';
import type { AxiosError, AxiosInstance } from 'axios';
import { CookieJar } from 'tough-cookie';
import { createRefreshInterceptor } from '../src/index.js';
import type { RefreshInterceptor, SessionExpiredError } from '../src/index.js';
import { cookieAdapter, cookieAgents, siteCookies } from './client/cookie-jar.js';
import type { SiteCookies } from './client/cookie-jar.js';
import { attachLessonInterceptor, lessonRefresh } from './client/lesson-interceptor.js';

/** What a demo client reports about its refreshes, for the narration. */
export interface RefreshNarration {
  /** `trigger` is the failure that started the refresh; undefined for one ahead of expiry. */
  started(trigger: AxiosError | undefined): void;
  succeeded(ms: number): void;
  failed(error: unknown): void;
  sessionExpired(error: SessionExpiredError): void;
}

export interface DemoClient {
  api: AxiosInstance;
  jar: SiteCookies;
  /** Refreshes this client started. */
  readonly refreshes: number;
}

/** `401 token_expired`: how the reference API explained a failure. */
export function describeFailure(error: unknown): string {
  if (!isAxiosError(error)) return String(error);
  const status = error.response?.status;
  const data: unknown = error.response?.data;
  const code = typeof data === 'object' && data !== null && 'code' in data ? String(data.code) : (error.code ?? '');
  return status === undefined ? code : `${status} ${code}`.trim();
}

export function libraryClient(apiUrl: string, narrate: RefreshNarration): DemoClient & { interceptor: RefreshInterceptor } {
  const jar = new CookieJar();
  const api = axios.create({ baseURL: apiUrl, withCredentials: true, ...cookieAgents(jar) });
  let refreshes = 0;
  const interceptor = createRefreshInterceptor(api, {
    // `client` has the instance's agents, so the rotated cookies land in the same jar.
    refresh: async ({ client, error, signal }) => {
      refreshes += 1;
      narrate.started(error);
      const start = Date.now();
      try {
        await client.post('users/refresh/', {}, { signal });
      } catch (failure) {
        narrate.failed(failure);
        throw failure;
      }
      narrate.succeeded(Date.now() - start);
    },
    onSessionExpired: (error) => {
      narrate.sessionExpired(error);
    },
    refreshTimeout: 5_000,
  });
  return {
    api,
    jar: siteCookies(jar, apiUrl),
    interceptor,
    get refreshes() {
      return refreshes;
    },
  };
}

export function lessonClient(apiUrl: string): DemoClient {
  const jar = new CookieJar();
  const api = axios.create({ baseURL: apiUrl, withCredentials: true, ...cookieAgents(jar) });
  const refresh = lessonRefresh(new URL('users/refresh/', apiUrl).href, cookieAdapter(jar));
  let refreshes = 0;
  attachLessonInterceptor(api, () => {
    refreshes += 1;
    return refresh();
  });
  return {
    api,
    jar: siteCookies(jar, apiUrl),
    get refreshes() {
      return refreshes;
    },
  };
}

export interface BurstResult {
  sent: number;
  succeeded: number;
  failures: unknown[];
}

/** What a page does when it loads: several reads at once, here `count` of them. */
export async function burst(api: AxiosInstance, count: number): Promise<BurstResult> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => (i % 4 === 3 ? api.get('users/') : api.get('tasks/'))),
  );
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  return { sent: count, succeeded: count - failures.length, failures };
}
