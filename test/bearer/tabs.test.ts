import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, isSessionExpiredError, jwtExpiry } from '../../src/index.js';
import { createTabSession } from '../../src/tabs.js';
import type { TabSession } from '../../src/tabs.js';
import { FakeChannels, FakeLocks } from '../helpers/fake-tabs.js';
import { turns, until } from '../helpers/gate.js';
import { jwt, startJwtServer } from './helpers/jwt-server.js';
import type { JwtServer, Tokens } from './helpers/jwt-server.js';

let server: JwtServer;
let sessions: TabSession[];
beforeEach(async () => {
  server = await startJwtServer();
  sessions = [];
});
afterEach(async () => {
  for (const session of sessions) session.close();
  await server.close();
});

interface Tab {
  api: AxiosInstance;
  tokens: Tokens;
  session: TabSession;
}

/** Tabs of one browser, each holding its own copy of the tokens in memory and handing them over. */
function browser(count: number): Tab[] {
  const open = browserOf();
  const loggedIn = server.logIn();
  return Array.from({ length: count }, () => open({ ...loggedIn }));
}

/** Opens tabs of one browser, with the tokens given (none: opened after the log-in) and a margin. */
function browserOf(channels = new FakeChannels(), locks = new FakeLocks()): (tokens?: Tokens, margin?: number) => Tab {
  return (tokens = { access: '', refresh: '' }, margin) => {
    const tab = { tokens } as Tab;
    tab.api = axios.create({ baseURL: server.url });
    tab.session = createTabSession({
      refresh: async ({ client }) => {
        tab.tokens = (await client.post<Tokens>('/refresh', { refresh: tab.tokens.refresh })).data;
      },
      accessToken: bearer(() => tab.tokens.access), expiresAt: jwtExpiry(() => tab.tokens.access, margin),
      shareTokens: {
        read: () => tab.tokens,
        write: (next) => {
          tab.tokens = next;
        },
      },
      locks,
      channel: channels.channel,
    });
    sessions.push(tab.session);
    createRefreshInterceptor(tab.api, { session: tab.session });
    return tab;
  };
}

/** Lets a slow channel's messages arrive once a tab has asked for tokens twice: as it opened, and at its first 401. */
async function deliverOnceAskedTwice(channels: FakeChannels): Promise<void> {
  await until(() => channels.sent.filter((m) => (m as { type?: string }).type === 'asked').length === 2);
  channels.deliver();
}

describe('accessToken across tabs, with shareTokens', () => {
  it('sends the tokens a tab adopted from another tab at once, with no refresh and no 401 of its own', async () => {
    const [a, b] = browser(2) as [Tab, Tab];
    server.revoke();
    await a.api.get('/a');
    await until(() => b.tokens.access === a.tokens.access);

    await b.api.get('/b');

    expect(server.authorizations('/b')).toEqual([`Bearer ${a.tokens.access}`]);
    expect(server.count('/refresh')).toBe(1);
  });

  it('costs three tabs meeting a JWT exp together one refresh, no 401 and no reused refresh token', async () => {
    server.lifetime = 2_000;
    const tabs = browser(3);
    server.lifetime = 15 * 60_000;

    await Promise.all(tabs.flatMap((tab, t) => Array.from({ length: 5 }, (_, i) => tab.api.get(`/storm/${t}/${i}`))));

    expect(server.count('/refresh')).toBe(1);
    expect(server.reused).toBe(0);
    expect(server.count('/storm')).toBe(15);
    expect(server.count('/storm', 401)).toBe(0);
    expect(new Set(server.authorizations('/storm'))).toEqual(new Set([`Bearer ${server.issued.access}`]));
  });
});

describe('tokens a tab is handed from another tab\'s memory, not from a refresh', () => {
  it('refreshes ahead before sending a handed token within the margin, as the tab that had it would', async () => {
    const open = browserOf();
    // Two seconds: within the default margin of five.
    server.lifetime = 2_000;
    const a = open(server.logIn());
    server.lifetime = 15 * 60_000;
    const late = open();
    await until(() => late.tokens.access === a.tokens.access);

    await late.api.get('/late');

    expect(server.count('/refresh')).toBe(1);
    expect(server.authorizations('/late')).toEqual([`Bearer ${server.issued.access}`]);
    expect(server.count('/late', 401)).toBe(0);
  });

  it('reads a handed token\'s expiry in its own clock, not from its `iat` minutes ago, and refreshes within the margin', async () => {
    const open = browserOf();
    const now = Date.now() / 1000;
    // Issued 14 minutes ago with a minute left; a margin of two minutes makes it due now.
    const old = { access: jwt({ sub: 'ada', iat: Math.floor(now - 14 * 60), exp: now + 60 }), refresh: server.logIn().refresh };
    open(old, 120_000);
    const late = open(undefined, 120_000);
    await until(() => late.tokens.access === old.access);

    await late.api.get('/late');

    expect(server.count('/refresh')).toBe(1);
    expect(server.authorizations('/late')).toEqual([`Bearer ${server.issued.access}`]);
  });

  it('reads tokens handed over while its first refresh waited for them as handed, not as that refresh\'s, and refreshes ahead within the margin', async () => {
    const channels = new FakeChannels();
    const open = browserOf(channels);
    // A margin longer than the tokens live: every token is within it from the start.
    const margin = 16 * 60_000;
    const a = open(server.logIn(), margin);
    server.revoke();
    await a.api.get('/a');
    expect(server.count('/refresh')).toBe(1);

    // Its ask at opening is slow to arrive: the first request's 401 comes first, and waits.
    channels.delay();
    const late = open(undefined, margin);
    const first = late.api.get('/late/first');
    await deliverOnceAskedTwice(channels);
    await expect(first).resolves.toMatchObject({ status: 200 });

    // Handed within the margin, the token is refreshed ahead before the request goes out again.
    expect(server.count('/refresh')).toBe(2);
    expect(server.authorizations('/late/first')).toEqual([undefined, `Bearer ${server.issued.access}`]);
    expect(server.reused).toBe(0);
  });

  it('waits for the open tab\'s tokens at its first 401 before any refresh since the log-in, rather than refresh with none and end every tab', async () => {
    const channels = new FakeChannels();
    const open = browserOf(channels);
    const a = open(server.logIn());

    // Its ask at opening is slow to arrive: the first request's 401 comes first.
    channels.delay();
    const late = open();
    const first = late.api.get('/late');
    await deliverOnceAskedTwice(channels);

    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(server.count('/refresh')).toBe(0);
    expect(server.authorizations('/late')).toEqual([undefined, `Bearer ${a.tokens.access}`]);
    expect([a.session.state, late.session.state]).toEqual(['live', 'live']);
  });

  it('counts only the answers to its own ask: "none" said to an ask from before does not let a tab refresh with no token while the tab that has them is slow', async () => {
    const channels = new FakeChannels();
    const open = browserOf(channels);
    const a = open(server.logIn());
    // The tab with the tokens answers late; the channel holds everything until the first 401's ask.
    const handOver = channels.holdWhere((message) => (message as { type?: string }).type === 'tokens');
    channels.delay();
    const late = [open(), open(), open()];
    const calls = late.map((tab, i) => tab.api.get(`/late/${i}`));
    // Three asks as the tabs opened, and the ask of the first 401 (the others wait for its lock).
    await until(() => channels.sent.filter((m) => (m as { type?: string }).type === 'asked').length === 4);
    channels.deliver();
    // The other two tabs without tokens answer "none" to each of the four asks: eight answers, two
    // of them to the ask of the 401. Three tabs are open besides: two are not enough.
    await until(() => channels.sent.filter((m) => (m as { type?: string }).type === 'none').length === 8);
    await turns(20);

    expect(server.count('/refresh')).toBe(0);
    handOver();
    const answers = await Promise.all(calls);

    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(server.count('/refresh')).toBe(0);
    expect(server.authorizations('/late/0')).toEqual([undefined, `Bearer ${a.tokens.access}`]);
    expect([a, ...late].map((tab) => tab.session.state)).toEqual(['live', 'live', 'live', 'live']);
  });

  it('ends nothing in any tab when a log-in\'s tokens are stored while a refresh is out that the server then rejects, and the other tab takes them', async () => {
    const [a, b] = browser(2) as [Tab, Tab];
    const old = a.tokens.access;
    server.revoke();
    server.failOnce('/refresh', 401);
    const refresh = server.hold('/refresh');
    const first = a.api.get('/a');
    await server.arrived('/refresh', 1);
    // A log-in the library does not see: only the token changes.
    a.tokens = server.logIn();
    refresh.open();

    await expect(first).resolves.toMatchObject({ status: 200 });
    await turns(10);
    expect([a.session.state, b.session.state]).toEqual(['live', 'live']);
    expect(server.authorizations('/a')).toEqual([`Bearer ${old}`, `Bearer ${a.tokens.access}`]);
    await expect(b.api.get('/b')).resolves.toMatchObject({ status: 200 });
    expect(server.authorizations('/b')).toEqual([`Bearer ${a.tokens.access}`]);
    expect(server.count('/refresh')).toBe(1);
  });

  it('refreshes at once at its first 401 when the only other tab has closed: nobody is left to ask, and the refresh with no token ends the session', async () => {
    const open = browserOf();
    const a = open(server.logIn());
    await a.api.get('/a');
    a.session.close();
    const late = open();

    const failed = await late.api.get('/late').catch((error: unknown) => error);

    expect(isSessionExpiredError(failed)).toBe(true);
    expect(server.count('/refresh')).toBe(1);
    expect(late.session.state).toBe('ended');
  });

  it('refreshes at its first 401 once every open tab said it has no tokens either, as in a browser that never logged in', async () => {
    // Someone's log-in elsewhere: the server knows a refresh token, these tabs none.
    server.logIn();
    const open = browserOf();
    const first = open();
    const second = open();

    const failed = await Promise.all([first.api.get('/first'), second.api.get('/second')].map((call) => call.catch((error: unknown) => error)));

    expect(failed.map(isSessionExpiredError)).toEqual([true, true]);
    expect(server.count('/refresh')).toBe(1);
    expect([first.session.state, second.session.state]).toEqual(['ended', 'ended']);
  });

  it('refreshes at once at its first 401 when the tabs refreshed before but no other tab is open any more', async () => {
    const channels = new FakeChannels();
    const locks = new FakeLocks();
    const open = browserOf(channels, locks);
    const a = open(server.logIn());
    server.revoke();
    await a.api.get('/a');
    // a's answer never comes: it closes before its messages arrive.
    channels.delay();
    const late = open();
    await until(() => locks.names().filter((name) => name.endsWith('#r1')).length === 2);
    a.session.close();

    const failed = await late.api.get('/late').catch((error: unknown) => error);

    expect(isSessionExpiredError(failed)).toBe(true);
    expect(server.count('/refresh')).toBe(2);
  });

  it('refreshes once more when the tokens an open tab handed over are refused there, as expired in its memory, instead of backing off', async () => {
    const channels = new FakeChannels();
    const open = browserOf(channels);
    const a = open(server.logIn());
    const handed = a.tokens.access;
    // Refused from now on, as a token that expired while a sat idle.
    server.revoke();
    channels.delay();
    const late = open();
    const first = late.api.get('/late');
    await deliverOnceAskedTwice(channels);

    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(server.count('/refresh')).toBe(1);
    expect(server.authorizations('/late')).toEqual([undefined, `Bearer ${handed}`, `Bearer ${server.issued.access}`]);
    expect(server.reused).toBe(0);
    expect(late.session.state).toBe('live');
    await until(() => a.tokens.access === server.issued.access);
  });
});
