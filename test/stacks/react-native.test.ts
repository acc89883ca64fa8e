/**
 * React Native's networking: whatwg-fetch over an XMLHttpRequest (here xhr2's, to a real server),
 * the abort-controller polyfill, whose signal has no `reason`, and Hermes, which has no
 * `DOMException` and, before React Native 0.74, no `atob`.
 */
import { AbortController as PolyfillAbortController } from 'abort-controller';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Headers as PolyfillHeaders, Request as PolyfillRequest, Response as PolyfillResponse, fetch as polyfillFetch } from 'whatwg-fetch';
import XMLHttpRequest from 'xhr2';
import { jwtExpiry } from '../../src/index.js';
import { bearer, createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { gate, until } from '../helpers/gate.js';
import { listen, replyJson } from './helpers/loopback.js';

let access = 'access-0';
let refreshes = 0;
let refreshHeld = gate();
const bodies: string[] = [];
let server: Awaited<ReturnType<typeof listen>>;
beforeEach(async () => {
  // As React Native installs them: the polyfill's classes are the globals.
  vi.stubGlobal('XMLHttpRequest', XMLHttpRequest);
  vi.stubGlobal('fetch', polyfillFetch);
  vi.stubGlobal('Request', PolyfillRequest);
  vi.stubGlobal('Headers', PolyfillHeaders);
  vi.stubGlobal('Response', PolyfillResponse);
  access = 'access-0';
  refreshes = 0;
  refreshHeld = gate();
  refreshHeld.open();
  bodies.length = 0;
  server = await listen(({ path, token, body }, res) => {
    if (path === '/refresh') {
      refreshes += 1;
      void refreshHeld.promise.then(() => {
        access = `access-${refreshes}`;
        replyJson(res, 200, { access });
      });
      return;
    }
    bodies.push(body);
    replyJson(res, token === access ? 200 : 401, { body });
  });
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await server.close();
});

function rnApp() {
  let token = 'expired';
  const session = createRefreshSession({
    refresh: async () => {
      token = ((await (await polyfillFetch(`${server.url}/refresh`, { method: 'POST' })).json()) as { access: string }).access;
    },
    accessToken: bearer(() => token),
    credentialOrigins: [server.url],
  });
  return { session, authFetch: createRefreshFetch(polyfillFetch, { session }) };
}

describe('React Native fetch (whatwg-fetch)', () => {
  it('sends a POST Request again, body and all, after the refresh its 401 started: the polyfill\'s Request has no `body` to say it is spent', async () => {
    const { authFetch } = rnApp();
    const answer = await authFetch(new PolyfillRequest(`${server.url}/tasks`, { method: 'POST', body: '{"title":"a"}' }));

    expect(answer.status).toBe(200);
    expect(refreshes).toBe(1);
    expect(bodies).toEqual(['{"title":"a"}', '{"title":"a"}']);
  });

  it('rejects a call waiting for a refresh at once with an AbortError when its polyfilled signal, which has no reason, aborts; Hermes has no DOMException', async () => {
    vi.stubGlobal('DOMException', undefined);
    const { authFetch, session } = rnApp();
    refreshHeld = gate();
    const first = authFetch(`${server.url}/tasks`).catch((error: unknown) => error);
    await until(() => session.refreshing);
    const controller = new PolyfillAbortController();
    const waiting = authFetch(`${server.url}/tasks`, { signal: controller.signal as AbortSignal }).catch((error: unknown) => error);
    controller.abort();

    const aborted = await waiting;
    expect(aborted).toBeInstanceOf(Error);
    expect((aborted as Error).name).toBe('AbortError');
    expect(session.refreshing).toBe(true);
    refreshHeld.open();
    expect(((await first) as Response).status).toBe(200);
  });
});

describe('jwtExpiry on Hermes without atob (React Native before 0.74)', () => {
  it('throws a TypeError in development that names atob, instead of reading no expiry and never refreshing ahead', () => {
    vi.stubGlobal('atob', undefined);
    expect(() => jwtExpiry(() => 'a.b.c')).toThrow(TypeError);
    expect(() => jwtExpiry(() => 'a.b.c')).toThrow(/no global `atob`/);
  });
});
