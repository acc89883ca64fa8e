import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession, isRefreshFailedError, isSessionExpiredError } from '../../src/fetch.js';
import type { FetchLike } from '../../src/fetch.js';
import { until } from '../helpers/gate.js';

/** A server whose /api answers 401 with its headers at once and its body `bodyDelay` ms later. */
interface Slow401 {
  url: string;
  api: number;
  refreshes: number;
  refreshStatus: number;
  close(): Promise<void>;
}

async function slow401(bodyDelay: number): Promise<Slow401> {
  const state = { api: 0, refreshes: 0, refreshStatus: 503 };
  const server = http.createServer((req, res) => {
    if (req.url === '/refresh') {
      state.refreshes += 1;
      setTimeout(() => {
        res.writeHead(state.refreshStatus, { 'content-type': 'application/json' });
        res.end('{}');
      }, 100);
      return;
    }
    state.api += 1;
    res.writeHead(401, { 'content-type': 'application/json' });
    res.write('{"detail":');
    setTimeout(() => res.end('"expired"}'), bodyDelay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  });
}

let server: Slow401;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(async () => {
  server = await slow401(200);
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server.close();
});

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets the event loop run a few turns, so that an unhandled rejection is reported by now. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await tick(0);
};

function session(status: number): ReturnType<typeof createRefreshSession> {
  server.refreshStatus = status;
  return createRefreshSession({
    refresh: ({ signal }) => fetch(`${server.url}/refresh`, { method: 'POST', signal }),
    accessToken: bearer(() => 'a0'),
    credentialOrigins: [server.url],
  });
}

/** A fetch that does some async work of its own once the answer came (a log, a metric), as SDKs' wrappers do. */
const afterwards =
  (ms: number): FetchLike =>
  async (input, init) => {
    const response = await fetch(input, init);
    await tick(ms);
    return response;
  };

describe('a 401 that arrives for a call its caller aborted', () => {
  it('plain fetch: aborted while the 401 body streams, the call rejects with the reason, the refresh goes on once', async () => {
    const s = session(200);
    const authFetch = createRefreshFetch(fetch, { session: s });
    const controller = new AbortController();
    const call = authFetch(`${server.url}/api/a`, { signal: controller.signal });
    // The refresh starts on the 401's headers; its body comes 200 ms later.
    await until(() => s.state === 'refreshing', 100_000);
    controller.abort(new Error('left the page'));
    await expect(call).rejects.toThrow('left the page');
    await tick(150);
    await settle();
    expect([server.api, server.refreshes]).toEqual([1, 1]);
    expect(unhandled).toEqual([]);
  });

  it('plain fetch: aborted before the headers, nothing refreshes', async () => {
    const s = session(200);
    const authFetch = createRefreshFetch(fetch, { session: s });
    const call = authFetch(`${server.url}/api/a`, { signal: AbortSignal.abort(new Error('never mind')) });
    await expect(call).rejects.toThrow('never mind');
    await settle();
    expect([server.api, server.refreshes]).toEqual([0, 0]);
    expect(unhandled).toEqual([]);
  });

  it('live session, fetchLike answers after the abort: rejects with the reason, no unhandled rejection', async () => {
    const s = session(503);
    const authFetch = createRefreshFetch(afterwards(30), { session: s });
    const controller = new AbortController();
    const call = authFetch(`${server.url}/api/a`, { signal: controller.signal });
    await tick(10);
    controller.abort(new Error('gone'));
    await expect(call).rejects.toThrow('gone');
    await tick(60);
    await settle();
    expect(unhandled).toEqual([]);
  });

  for (const [name, status, guard] of [
    ['ended', 401, isSessionExpiredError],
    ['cooling down', 503, isRefreshFailedError],
  ] as const) {
    it(`${name} session, fetchLike answers after the abort: rejects with the reason, no unhandled rejection`, async () => {
      const s = session(status);
      const authFetch = createRefreshFetch(afterwards(30), { session: s });
      // A first call ends the session (or starts its cooldown).
      const first = await authFetch(`${server.url}/api/first`).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(guard(first)).toBe(true);
      expect(s.state).toBe(name === 'ended' ? 'ended' : 'cooling-down');

      const controller = new AbortController();
      const call = authFetch(`${server.url}/api/a`, { signal: controller.signal });
      await tick(10);
      controller.abort(new Error('gone'));
      await expect(call).rejects.toThrow('gone');
      await tick(60);
      await settle();
      expect(server.refreshes).toBe(1);
      expect(unhandled).toEqual([]);
    });
  }
});
