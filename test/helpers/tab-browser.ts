import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { createRefreshInterceptor } from '../../src/index.js';
import { createTabSession } from '../../src/tabs.js';
import type { LockManagerLike, TabSession, TabSessionOptions } from '../../src/tabs.js';
import type { AuthServer } from './auth-server.js';
import { cookieApp } from './clients.js';
import { FakeChannels, FakeLocks } from './fake-tabs.js';
import type { FakeTabLocks } from './fake-tabs.js';

export interface Tab {
  api: AxiosInstance;
  session: TabSession;
  /** `onSessionExpired` calls so far. */
  expired: number;
  /** Closes the tab as a crash would: the browser releases its locks, and it hears nothing more. */
  crash(): void;
}

export interface CookieBrowser {
  locks: FakeLocks;
  channels: FakeChannels;
  /** Opens a tab, now: its session starts by reading what the open tabs hold. */
  open(options?: Partial<TabSessionOptions>): Tab;
  /** Every tab opened so far, closed or not. */
  tabs: Tab[];
  /** Closes every tab; for `afterEach`. */
  close(): void;
}

/**
 * One browser against `server`: one cookie jar, one lock manager and one set of channels for all
 * its tabs. `locks: null` leaves Web Locks out, as in a browser without them.
 */
export function cookieBrowser(
  server: AuthServer,
  defaults: Partial<Omit<TabSessionOptions, 'locks'>> & { locks?: LockManagerLike | null | undefined } = {},
): CookieBrowser {
  const locks = new FakeLocks();
  const channels = new FakeChannels();
  const { api: first } = cookieApp(server);
  const tabs: Tab[] = [];
  const sessions: TabSession[] = [];
  const { locks: given, ...rest } = defaults;
  return {
    locks,
    channels,
    tabs,
    open(options = {}) {
      const api = axios.create({ baseURL: server.url, adapter: first.defaults.adapter! });
      const own: FakeTabLocks | undefined = given === undefined ? locks.tab() : undefined;
      const tab: Tab = { api, session: undefined as unknown as TabSession, expired: 0, crash: () => undefined };
      tab.session = createTabSession({
        refresh: ({ client }) => client.post('/refresh'),
        onSessionExpired: () => {
          tab.expired += 1;
        },
        locks: given === null ? undefined : (given ?? own),
        channel: channels.channel,
        ...rest,
        ...options,
      });
      tab.crash = () => {
        own?.close();
        tab.session.close();
      };
      sessions.push(tab.session);
      createRefreshInterceptor(api, { session: tab.session });
      tabs.push(tab);
      return tab;
    },
    close() {
      for (const session of sessions) session.close();
    },
  };
}

/** `perTab` requests from each tab at once, to `/api/<tab>/<i>`. */
export function burst(tabs: ReadonlyArray<{ api: AxiosInstance }>, perTab: number): Array<Promise<unknown>> {
  return tabs.flatMap((tab, t) => Array.from({ length: perTab }, (_, i) => tab.api.get(`/api/${t}/${i}`)));
}
