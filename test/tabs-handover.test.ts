import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSession } from '../src/tabs.js';
import { FakeChannels, FakeLocks } from './helpers/fake-tabs.js';
import type { FakeTabLocks } from './helpers/fake-tabs.js';
import { turns, until } from './helpers/gate.js';
import { gate, outcome, startProbeServer } from './helpers/rotating-token-server.js';
import type { ProbeServer } from './helpers/rotating-token-server.js';

let server: ProbeServer;
let sessions: TabSession[];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(async () => {
  server = await startProbeServer();
  sessions = [];
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  for (const s of sessions) s.close();
  process.off('unhandledRejection', onUnhandled);
  await server.close();
  expect(unhandled).toEqual([]);
});

interface Tokens {
  access: string;
  refresh: string;
}
interface Tab {
  api: AxiosInstance;
  tokens: Tokens;
  session: TabSession;
  locks: FakeTabLocks;
  expired: number;
}

function browser() {
  const locks = new FakeLocks();
  const channels = new FakeChannels();
  const tabs: Tab[] = [];
  const open = (tokens: Tokens = { access: server.access, refresh: server.refresh }): Tab => {
    const tab = { tokens: { ...tokens }, expired: 0 } as Tab;
    tab.locks = locks.tab();
    tab.api = axios.create({ baseURL: server.url });
    tab.session = createTabSession<Tokens>({
      refresh: async ({ client }) => {
        tab.tokens = (await client.post<Tokens>('/refresh', { refresh: tab.tokens.refresh })).data;
      },
      accessToken: bearer(() => tab.tokens.access),
      credentialOrigins: [server.url],
      shareTokens: {
        read: () => tab.tokens,
        write: (next) => {
          tab.tokens = next;
        },
      },
      onSessionExpired: () => {
        tab.expired += 1;
      },
      locks: tab.locks,
      channel: channels.channel,
    });
    sessions.push(tab.session);
    createRefreshInterceptor(tab.api, { session: tab.session });
    tabs.push(tab);
    return tab;
  };
  return { locks, channels, tabs, open };
}


describe('tabs with bearer tokens handed over (shareTokens)', () => {
  it('keeps every tab ended after a log-out in one tab while another tab’s refresh is out, once that refresh settles', async () => {
    const b = browser();
    const [a, c, d] = [b.open(), b.open(), b.open()];
    await turns(5);
    server.expireAccess();
    const g = gate();
    server.refreshGates.push(g.promise);
    const fromA = outcome(a.api.get('/api/a'));
    await until(() => server.refreshes === 1);
    // The user logs out in tab d while tab a's refresh is at the server.
    d.session.end();
    await turns(10);
    g.open();
    expect(await fromA).toBe('expired');
    await turns(20);
    // The tokens that refresh stored in tab a are no log-in: a 401 in any tab ends nothing again.
    server.expireAccess();
    const after = await Promise.all([outcome(a.api.get('/api/after-a')), outcome(c.api.get('/api/after-c')), outcome(d.api.get('/api/after-d'))]);
    await turns(20);
    expect({
      states: [a.session.state, c.session.state, d.session.state],
      after,
      refreshes: server.refreshes,
      onSessionExpired: [a.expired, c.expired, d.expired],
    }).toEqual({
      states: ['ended', 'ended', 'ended'],
      after: ['expired', 'expired', 'expired'],
      refreshes: 1,
      onSessionExpired: [1, 1, 1],
    });
  });

  it('hands the tokens of a log-in (README bearer logIn: skipAuthRefresh POST) to the other tabs, so the next expiry costs one refresh and no end', async () => {
    const b = browser();
    const [a, c] = [b.open(), b.open()];
    await turns(5);
    // The session ends: the server rejects the refresh.
    server.expireAccess();
    server.refreshStatus = 401;
    expect(await outcome(a.api.get('/api/a'))).toBe('expired');
    await turns(20);
    expect([a.expired, c.expired]).toEqual([1, 1]);
    server.refreshStatus = 'rotate';
    // The README's bearer logIn, in tab c.
    c.tokens = (await c.api.post<Tokens>('/login', {}, { skipAuthRefresh: true })).data;
    // The log-in's message goes out a turn later, with the tokens the app stored.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await turns(20);
    // Tab a’s next request: README says an adopting tab sends the new tokens at once.
    const fromA = await outcome(a.api.get('/api/a-after-login'));
    await turns(20);
    expect({
      fromA,
      tokenTabASent: server.api.filter((r) => r.path === '/api/a-after-login').map((r) => r.access),
      refreshLog: server.refreshLog.slice(1),
      onSessionExpired: [a.expired, c.expired],
    }).toEqual({
      fromA: 200,
      tokenTabASent: [c.tokens.access],
      refreshLog: [],
      onSessionExpired: [1, 1],
    });
  });

  it('lets the other tabs take the refresh of a tab whose session is closed while that refresh is out, presenting no rotated refresh token', async () => {
    const b = browser();
    const [a, c] = [b.open(), b.open()];
    await turns(5);
    server.expireAccess();
    const g = gate();
    server.refreshGates.push(g.promise);
    const fromA = outcome(a.api.get('/api/a'));
    await until(() => server.refreshes === 1);
    const fromC = outcome(c.api.get('/api/c'));
    await turns(10);
    // The app tears tab a's session down while its refresh (holding the lock) is at the server.
    a.session.close();
    g.open();
    const results = [await fromA, await fromC];
    await turns(20);
    expect({ results, refreshLog: server.refreshLog, reused: server.reused, onSessionExpired: c.expired }).toEqual({
      results: [200, 200],
      refreshLog: [{ presented: 'refresh-0', status: 200 }],
      reused: 0,
      onSessionExpired: 0,
    });
  });
});
