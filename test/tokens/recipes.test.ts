import axios from 'axios';
import type { Client, SubscribePayload } from 'graphql-ws';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor, jwtExpiry } from '../../src/index.js';
import type { RefreshSession } from '../../src/index.js';
import { startJwtServer } from '../bearer/helpers/jwt-server.js';
import type { JwtServer, Tokens } from '../bearer/helpers/jwt-server.js';
import { until } from '../helpers/gate.js';
import { recipe, removeRecipes } from './helpers/recipes.js';
import { startSocketServer } from './helpers/socket-server.js';
import type { SocketServer } from './helpers/socket-server.js';
import { startStreamServer } from './helpers/stream-server.js';
import type { StreamServer } from './helpers/stream-server.js';

// graphql-ws looks for a global WebSocket; Node 20 has none.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

type SocketClient = (url: string, session: RefreshSession) => Client;
/** The recipe's `subscribe`, as this test's `tick` subscription uses it. */
type Subscribe = (client: Client, payload: SubscribePayload, next: (data: { tick: number }) => void, failed: (error: unknown) => void) => () => void;
type ReadEvents = (url: string, session: RefreshSession, onEvent: (data: string) => void, signal: AbortSignal) => Promise<void>;

let auth: JwtServer;
let app: { tokens: Tokens; session: RefreshSession };

beforeEach(async () => {
  auth = await startJwtServer();
  const api = axios.create({ baseURL: auth.url });
  const state = { tokens: auth.logIn() } as typeof app;
  state.session = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      state.tokens = (await client.post<Tokens>('/refresh', { refresh: state.tokens.refresh })).data;
    },
    accessToken: bearer(() => state.tokens.access),
    expiresAt: jwtExpiry(() => state.tokens.access),
  }).session;
  app = state;
});
afterEach(async () => {
  await auth.close();
});
afterAll(removeRecipes);

/** The auth server's own judgement of a token: the one it issued last, not revoked, not expired. */
const valid = async (token: string | undefined): Promise<boolean> =>
  (await fetch(`${auth.url}/check`, { headers: { Authorization: `Bearer ${token ?? ''}` } })).ok;

describe("the README's graphql-ws recipe, against graphql-ws on ws", () => {
  let sockets: SocketServer;
  let client: Client | undefined;
  beforeEach(async () => {
    sockets = await startSocketServer(valid);
  });
  afterEach(async () => {
    await client?.dispose();
    await sockets.close();
  });

  async function subscribed(): Promise<{ ticks: number[]; failures: unknown[] }> {
    const { socketClient } = (await import(await recipe('function socketClient', 'socket-client'))) as { socketClient: SocketClient };
    const { subscribe } = (await import(await recipe('function subscribe<T>', 'subscribe'))) as { subscribe: Subscribe };
    client = socketClient(sockets.url, app.session);
    const seen = { ticks: [] as number[], failures: [] as unknown[] };
    subscribe(
      client,
      { query: 'subscription { tick }' },
      ({ tick }) => seen.ticks.push(tick),
      (error) => seen.failures.push(error),
    );
    await sockets.subscribed(1);
    sockets.publish(1);
    await until(() => seen.ticks.length === 1);
    return seen;
  }

  for (const [code, reason] of [
    [4401, 'Unauthorized'],
    [4403, 'Forbidden'],
  ] as const) {
    it(`connects again with a fresh token after the server closes with ${code}, at the cost of one refresh`, async () => {
      const seen = await subscribed();
      const first = app.tokens.access;

      // The server finds the token expired: it refuses it from now on and closes the socket.
      auth.revoke();
      sockets.kick(code, reason);
      // After 4403 graphql-ws itself connects again, after its own wait of 1.3 to 4 s, and once
      // more after 2.3 to 5 s if that attempt fails: 6 s and then 10 s each fell short once in a
      // few dozen runs, so the bound covers a second attempt.
      await vi.waitFor(() => sockets.subscribed(2), { timeout: 20_000, interval: 50 });
      sockets.publish(2);
      await until(() => seen.ticks.length === 2);

      expect(seen.ticks).toEqual([1, 2]);
      expect(seen.failures).toEqual([]);
      expect(auth.count('/refresh')).toBe(1);
      expect(auth.reused).toBe(0);
      expect(app.tokens.access).not.toBe(first);
      // Every connection the server accepted carried the token that was fresh at the time.
      expect(sockets.connects.filter((c) => c.accepted).map((c) => c.token)).toEqual([first, app.tokens.access]);
    }, 30_000);
  }

  it('gives up with the close event when the server refuses the fresh token too, after one refresh', async () => {
    const seen = await subscribed();

    // A server that refuses every token: closing once more after the refresh is the end.
    auth.revoke();
    sockets.kick(4401, 'Unauthorized');
    await sockets.subscribed(2);
    auth.revoke();
    sockets.kick(4401, 'Unauthorized');
    await until(() => seen.failures.length === 1);

    expect(seen.failures[0]).toMatchObject({ code: 4401 });
    expect(auth.count('/refresh')).toBe(1);
  }, 15_000);
});

describe("the README's event-stream recipe, against a node:http text/event-stream", () => {
  let stream: StreamServer;
  beforeEach(async () => {
    stream = await startStreamServer(valid);
  });
  afterEach(async () => {
    await stream.close();
  });

  async function reading(): Promise<{ events: string[]; done: Promise<unknown>; stop: () => void }> {
    const { readEvents } = (await import(await recipe('function readEvents', 'read-events'))) as { readEvents: ReadEvents };
    const events: string[] = [];
    const controller = new AbortController();
    const done = readEvents(stream.url, app.session, (data) => events.push(data), controller.signal).catch((error: unknown) => error);
    return { events, done, stop: () => { controller.abort(); } };
  }

  it('resumes after the last event with a fresh token once the stream ended and the old token was refused, at the cost of one refresh', async () => {
    const { events, done, stop } = await reading();
    const first = app.tokens.access;
    await stream.open(1);
    stream.publish();
    stream.publish();
    await until(() => events.length === 2);

    auth.revoke();
    stream.kick();
    await stream.open(1);
    stream.publish();
    await until(() => events.length === 3);
    stop();
    await done;

    expect(events).toEqual(['event 1', 'event 2', 'event 3']);
    expect(stream.requests).toEqual([
      { token: first, lastEventId: undefined, status: 200 },
      { token: first, lastEventId: '2', status: 401 },
      { token: app.tokens.access, lastEventId: '2', status: 200 },
    ]);
    expect(auth.count('/refresh')).toBe(1);
    expect(auth.reused).toBe(0);
  });

  it('stops with an error when a fresh token is refused too, after one refresh', async () => {
    // A stream that refuses every token, fresh or not.
    await stream.close();
    stream = await startStreamServer(() => Promise.resolve(false));
    const { done } = await reading();

    await expect(done).resolves.toMatchObject({ message: 'The stream refused a fresh token' });
    expect(stream.requests.map((r) => r.status)).toEqual([401, 401]);
    expect(auth.count('/refresh')).toBe(1);
  });
});
