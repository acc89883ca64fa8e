/**
 * The script of a page that talks to the reference API (demo/server) with cookies through a
 * `createTabSession`: bundled for the browser by tabs-life.e2e.ts, which drives it through
 * `window.sessionTab`. `?first` in its address sends `GET users/` as the page loads, as an app
 * asking who is logged in does; `?slow=<ms>` delays every answer of `navigator.locks.query()`,
 * as a busy browser may.
 */
import axios, { isAxiosError } from 'axios';
import { createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError, observe } from '../../../src/index.js';
import { createTabSession } from '../../../src/tabs.js';

/** How a request ended: `200`, `401` (a plain one, handed to the app), `expired` or `failed` (the library's errors). */
export type Outcome = string;

/** What the test does in a tab, through `window.sessionTab`. */
export interface SessionTab {
  /** `GET path`, relative to the API's root. */
  get(path: string): Promise<Outcome>;
  /** `count` GETs to `tasks/` at once. */
  burst(count: number): Promise<Outcome[]>;
  /** Logs in with `skipAuthRefresh`, as the login form does. */
  logIn(email: string, password: string): Promise<Outcome>;
  /** Logs out at the server, then ends the session in every tab. */
  logOut(): Promise<void>;
  /** Ends the session in every tab, without telling the server. */
  end(): void;
  /** `onSessionExpired` calls, and the session's events by type, since the page loaded. */
  counts(): { expired: number; events: Record<string, number> };
  state(): string;
  /** How the request sent at load ended, with `?first`. */
  first: Promise<Outcome> | undefined;
}

const params = new URLSearchParams(location.search);
const slow = Number(params.get('slow') ?? 0);
if (slow > 0) {
  const { locks } = navigator;
  const query = locks.query.bind(locks);
  locks.query = () => new Promise((resolve) => setTimeout(resolve, slow)).then(query);
}

let expired = 0;
const events: Record<string, number> = {};
const api = axios.create({ baseURL: `${location.origin}/api/v1/` });
const session = createTabSession({
  name: 'session-tab',
  refresh: ({ client, signal }) => client.post('users/refresh/', {}, { signal }),
  onSessionExpired: () => {
    expired += 1;
  },
});
createRefreshInterceptor(api, { session });
observe(session, (event) => {
  events[event.type] = (events[event.type] ?? 0) + 1;
});

async function outcome(request: Promise<unknown>): Promise<Outcome> {
  try {
    await request;
    return '200';
  } catch (error) {
    if (isSessionExpiredError(error)) return 'expired';
    if (isRefreshFailedError(error)) return 'failed';
    if (isAxiosError(error) && error.response) return String(error.response.status);
    return `error: ${String(error)}`;
  }
}

const tab: SessionTab = {
  get: (path) => outcome(api.get(path)),
  burst: (count) => Promise.all(Array.from({ length: count }, () => outcome(api.get('tasks/')))),
  logIn: (email, password) => outcome(api.post('users/login/', { email, password }, { skipAuthRefresh: true })),
  async logOut() {
    try {
      await api.post('users/logout/', {}, { skipAuthRefresh: true });
    } finally {
      session.end();
    }
  },
  end: () => {
    session.end();
  },
  counts: () => ({ expired, events: { ...events } }),
  state: () => session.state,
  first: params.has('first') ? outcome(api.get('users/')) : undefined,
};

(window as Window & { sessionTab?: SessionTab }).sessionTab = tab;
