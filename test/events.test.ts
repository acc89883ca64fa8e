import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionExpiredError, createRefreshInterceptor, expiry as knownExpiry, isSessionExpiredError, observe } from '../src/index.js';
import type { SessionEvent } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSession } from '../src/tabs.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh } from './helpers/clients.js';
import { FakeChannels, FakeLocks } from './helpers/fake-tabs.js';
import { until } from './helpers/gate.js';
import { memoryServer } from './helpers/memory-adapter.js';
import { rejection } from './helpers/rejection.js';

describe('observing a session, against a real server', () => {
  let server: AuthServer;
  beforeEach(async () => {
    server = await startAuthServer();
  });
  afterEach(async () => {
    await server.close();
  });

  function observed(extra: { onSessionExpired?: () => void } = {}) {
    const { api, store } = bearerApp(server);
    const interceptor = createRefreshInterceptor(api, { refresh: bearerRefresh(server, store), ...extra });
    const events: SessionEvent[] = [];
    const stop = observe(interceptor.session, (event) => {
      events.push(event);
    });
    return { api, events, stop, session: interceptor.session };
  }

  it('reports which request started a refresh, and how many requests waited for its success', async () => {
    const { api, events } = observed();
    server.expireAccess();
    const gate = server.hold('/refresh');
    const requests = Array.from({ length: 5 }, (_, i) => api.get(`/api/items/${i}?secret=1`));
    await server.arrived('/api/items', 5);
    await server.arrived('/refresh', 1);
    await until(() => server.count('/api/items', 401) === 5);
    gate.open();
    await Promise.all(requests);

    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-succeeded']);
    expect(events[0]).toEqual({
      type: 'refresh-started',
      reason: 'unauthorized',
      request: { method: 'get', baseURL: server.url, url: expect.stringMatching(/^\/api\/items\/\d$/) as unknown, status: 401 },
    });
    expect(events[1]).toMatchObject({ type: 'refresh-succeeded', waited: 5 });
    expect(server.refreshCalls()).toBe(1);
  });

  it('reports a transient failure as not ending the session, with its error, and no session-ended', async () => {
    const { api, events } = observed();
    server.expireAccess();
    server.refreshMode = 'error';

    await rejection(api.get('/api/a'));

    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-failed']);
    expect(events[1]).toMatchObject({ type: 'refresh-failed', ended: false, waited: 1, error: { response: { status: 500 } } });
  });

  it('reports a rejected refresh as failed, then the session as ended by the server, just before onSessionExpired', async () => {
    const settled: string[] = [];
    const { api, events, session } = observed({
      onSessionExpired: () => {
        settled.push('onSessionExpired');
      },
    });
    server.expireAccess();
    server.refreshMode = 'reject';
    const gate = server.hold('/refresh');
    const requests = [0, 1, 2].map((i) => api.get(`/api/${i}`).catch(() => settled.push('request settled')));
    await server.arrived('/refresh', 1);
    await until(() => server.count('/api/', 401) === 3);
    // A second observer, to see where the events fall among the requests' outcomes.
    observe(session, (event) => settled.push(event.type));
    gate.open();
    await Promise.all(requests);

    expect(settled.filter((entry) => entry !== 'request settled')).toEqual(['refresh-failed', 'session-ended', 'onSessionExpired']);
    expect(settled.filter((entry) => entry === 'request settled')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'session-ended', by: 'server' });
    expect(isSessionExpiredError((events.at(-1) as { error: unknown }).error)).toBe(true);
  });

  it('reports a session that refresh ended with SessionExpiredError as ended by the app', async () => {
    const { api } = bearerApp(server);
    const interceptor = createRefreshInterceptor(api, {
      refresh: () => {
        throw new SessionExpiredError(new Error('no refresh token stored'));
      },
    });
    const events: SessionEvent[] = [];
    observe(interceptor.session, (event) => events.push(event));
    server.expireAccess();

    await rejection(api.get('/api/a'));

    expect(events.at(-1)).toMatchObject({ type: 'session-ended', by: 'app' });
  });

  it('changes nothing when an observer throws or rejects, and tells the others', async () => {
    const { api, events, session } = observed();
    observe(session, () => {
      throw new Error('observer bug');
    });
    observe(session, () => Promise.reject(new Error('async observer bug')));
    server.expireAccess();

    await expect(api.get('/api/a')).resolves.toMatchObject({ status: 200 });
    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-succeeded']);
  });

  it('tells an observer nothing more once stopped', async () => {
    const { api, events, stop } = observed();
    stop();
    server.expireAccess();
    await api.get('/api/a');

    expect(events).toEqual([]);
  });
});

describe('observing a session (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a refresh ahead of expiry as expiring, with its duration to the millisecond', async () => {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter, headers: { Authorization: 'Bearer fresh' } });
    let expiry = Date.now();
    const interceptor = createRefreshInterceptor(api, {
      refresh: () =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            expiry = Date.now() + 60_000;
            resolve();
          }, 250);
        }),
      expiresAt: knownExpiry(() => expiry),
    });
    const events: SessionEvent[] = [];
    observe(interceptor.session, (event) => events.push(event));

    const request = api.get('/ahead');
    await vi.advanceTimersByTimeAsync(250);
    await request;

    expect(events).toEqual([
      { type: 'refresh-started', reason: 'expiring', request: { method: 'get', baseURL: undefined, url: '/ahead', status: undefined } },
      { type: 'refresh-succeeded', duration: 250, waited: 1 },
    ]);
  });
});

describe('observing a session across tabs', () => {
  let server: AuthServer;
  let tabs: TabSession[];
  beforeEach(async () => {
    server = await startAuthServer();
    tabs = [];
  });
  afterEach(async () => {
    for (const session of tabs) session.close();
    await server.close();
  });

  function browser(count: number, locks = new FakeLocks(), channels = new FakeChannels()) {
    return Array.from({ length: count }, () => {
      const { api, store } = bearerApp(server);
      const tokens = { access: server.access, refresh: server.refresh };
      const session = createTabSession({
        refresh: async ({ client }) => {
          const { data } = await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh });
          Object.assign(tokens, data);
          store.token = data.access;
        },
        shareTokens: {
          read: () => ({ ...tokens }),
          write: (next) => {
            Object.assign(tokens, next);
            store.token = next.access;
          },
        },
        name: 'events',
        locks,
        channel: channels.channel,
      });
      tabs.push(session);
      createRefreshInterceptor(api, { session });
      const events: SessionEvent[] = [];
      observe(session, (event) => events.push(event));
      return { api, session, events };
    });
  }

  it("reports another tab's refresh as tokens adopted, and its end as ended by the other tab", async () => {
    const [a, b] = browser(2) as [ReturnType<typeof browser>[number], ReturnType<typeof browser>[number]];
    server.expireAccess();
    await a.api.get('/api/a');
    await until(() => b.events.length > 0);
    a.session.end();
    await until(() => b.events.length > 1);

    expect(b.events.map((event) => event.type)).toEqual(['tokens-adopted', 'session-ended']);
    expect(b.events[1]).toMatchObject({ by: 'other-tab' });
    expect(a.events.at(-1)).toMatchObject({ type: 'session-ended', by: 'app' });
  });

  it('reports a rejected refresh as ended by the server in its tab and by the other tab in tabs that waited on the lock', async () => {
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const [a, b, c] = browser(3, locks, channels);
    server.expireAccess();
    server.refreshMode = 'reject';
    const refreshGate = server.hold('/refresh');
    // Messages arrive late: the waiting tabs learn of the end from the lock's markers.
    channels.delay();

    const results = Promise.allSettled([a!, b!, c!].map((tab) => tab.api.get('/api/x')));
    await server.arrived('/refresh', 1);
    await until(() => locks.waiting('events') === 2);
    refreshGate.open();
    await results;
    channels.deliver();
    await until(() => [a!, b!, c!].every((tab) => tab.events.some((event) => event.type === 'session-ended')));

    const ended = (tab: ReturnType<typeof browser>[number]) => tab.events.filter((event) => event.type === 'session-ended');
    expect(ended(a!)).toMatchObject([{ by: 'server' }]);
    expect(ended(b!)).toMatchObject([{ by: 'other-tab' }]);
    expect(ended(c!)).toMatchObject([{ by: 'other-tab' }]);
    expect(server.refreshCalls()).toBe(1);
  });
});
