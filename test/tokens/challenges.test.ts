import axios from 'axios';
import type { AxiosError, AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  challengeOf,
  createRefreshInterceptor,
  observe,
  parseChallenges,
  wwwAuthenticate,
} from '../../src/index.js';
import type { AuthChallenge, RefreshSession, SessionEvent, SessionOptions } from '../../src/index.js';
import * as fetchSide from '../../src/fetch.js';
import { listen } from '../stacks/helpers/loopback.js';
import type { Loopback } from '../stacks/helpers/loopback.js';

describe('parseChallenges reads WWW-Authenticate as RFC 9110 writes it', () => {
  it('reads several challenges in one header, with quoted strings and their escapes', () => {
    expect(parseChallenges('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"')).toEqual([
      { scheme: 'Newauth', token68: undefined, params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'Basic', token68: undefined, params: { realm: 'simple' } },
    ]);
  });

  it('tells a token68 from parameters, and reads header lines given as an array', () => {
    expect(parseChallenges(['Negotiate abc+/==', 'Bearer  error = "insufficient_scope" ,scope="read write"'])).toEqual([
      { scheme: 'Negotiate', token68: 'abc+/==', params: {} },
      { scheme: 'Bearer', token68: undefined, params: { error: 'insufficient_scope', scope: 'read write' } },
    ]);
  });

  it('lower-cases parameter names, keeps the first of a repeated one, and builds params without a prototype', () => {
    const [challenge] = parseChallenges('Bearer ERROR="a", error="b", __proto__="polluted", constructor=x');
    expect(challenge?.params.error).toBe('a');
    expect(Object.getPrototypeOf(challenge?.params)).toBeNull();
    expect(challenge?.params.__proto__).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips what does not parse, up to the next comma, and never throws', () => {
    expect(parseChallenges('"junk", , Bearer error=invalid_token, =x, Basic')).toEqual([
      { scheme: 'Bearer', token68: undefined, params: { error: 'invalid_token' } },
      { scheme: 'Basic', token68: undefined, params: {} },
    ]);
    for (const header of ['', ',', '"', '\\', 'Bearer "', 'Bearer a="\\', 'Bearer a=', 'Bearer =', undefined, null]) {
      expect(() => parseChallenges(header)).not.toThrow();
    }
  });

  it('reads hostile 64 kB headers in one pass: each within a bound a backtracking regex would miss by minutes', () => {
    const size = 64 * 1024;
    const hostile = [
      `Bearer a="${'\\'.repeat(size)}`,
      `Bearer a="${'\\"'.repeat(size / 2)}`,
      `Bearer ${'a=b, '.repeat(size / 5)}`,
      'a '.repeat(size / 2),
      ', '.repeat(size / 2),
      `Bearer ${'x'.repeat(size)}=`,
      `B ${'a=b '.repeat(size / 4)}`,
    ];
    for (const header of hostile) {
      const started = performance.now();
      parseChallenges(header);
      // One pass takes 1 to 13 ms here; the bound only catches a quadratic or worse one (70 s).
      expect(performance.now() - started, header.slice(0, 20)).toBeLessThan(500);
    }
    expect(parseChallenges(`Bearer error="insufficient_scope", scope="${'s '.repeat(size / 2)}"`)[0]?.params.error).toBe('insufficient_scope');
  });
});

const STEP_UP = 'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:mfa", max_age=300';

/** A cookie-less API: `/step-up` asks for step-up, `/scope` for a scope, `/expired` and `/plain` are 401 until a refresh. */
interface ChallengeServer extends Loopback {
  readonly seen: string[];
  count(path: string): number;
}

async function startChallengeServer(): Promise<ChallengeServer> {
  const seen: string[] = [];
  let refreshed = false;
  const loopback = await listen(({ path }, res) => {
    seen.push(path);
    const answer = (status: number, challenge?: string): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...(challenge ? { 'www-authenticate': challenge } : {}) });
      res.end(JSON.stringify({ path }));
    };
    if (path === '/refresh') {
      refreshed = true;
      answer(200);
    } else if (path === '/step-up') answer(401, STEP_UP);
    else if (path === '/several') answer(401, `Basic realm="api", ${STEP_UP}`);
    else if (path === '/scope') answer(403, 'Bearer realm="api", error="insufficient_scope", scope="tasks:write"');
    else if (path === '/expired') answer(refreshed ? 200 : 401, refreshed ? undefined : 'Bearer error="invalid_token", error_description="expired"');
    else if (path === '/plain') answer(refreshed ? 200 : 401);
    else answer(404);
  });
  return { ...loopback, seen, count: (path) => seen.filter((p) => p === path).length };
}

let server: ChallengeServer;
beforeEach(async () => {
  server = await startChallengeServer();
});
afterEach(async () => {
  await server.close();
});

interface App {
  api: AxiosInstance;
  session: RefreshSession;
  events: SessionEvent[];
  ended: unknown[];
}

function app(extra: Partial<SessionOptions> = { challenges: wwwAuthenticate() }): App {
  const state = { events: [] as SessionEvent[], ended: [] as unknown[] } as App;
  state.api = axios.create({ baseURL: server.url });
  state.session = createRefreshInterceptor(state.api, {
    refresh: ({ client }) => client.post('/refresh'),
    onSessionExpired: (error) => {
      state.ended.push(error);
    },
    ...extra,
  }).session;
  observe(state.session, (event) => {
    state.events.push(event);
  });
  return state;
}

const failure = (promise: Promise<unknown>): Promise<AxiosError & { challenge?: AuthChallenge }> =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as AxiosError & { challenge?: AuthChallenge },
  );

describe('the wwwAuthenticate part on an axios instance', () => {
  it('gives a 401 asking for step-up to the caller as it is, with the parsed challenge: no refresh, no end, one challenged event', async () => {
    const state = app();

    const error = await failure(state.api.get('/step-up'));

    expect(error.response?.status).toBe(401);
    expect(error.challenge).toMatchObject({
      status: 401,
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
      acr_values: 'urn:example:mfa',
      max_age: 300,
      scope: undefined,
    });
    expect(challengeOf(error)).toEqual(error.challenge);
    expect(server.count('/refresh')).toBe(0);
    expect(server.count('/step-up')).toBe(1);
    expect(state.session.state).toBe('live');
    expect(state.ended).toEqual([]);
    expect(state.events).toEqual([
      { type: 'challenged', challenge: error.challenge, request: { method: 'get', baseURL: server.url, url: '/step-up', status: 401 } },
    ]);
  });

  it('refreshes the same step-up 401 without the part, which is what the part prevents', async () => {
    const state = app({});

    await failure(state.api.get('/step-up'));

    expect(server.count('/refresh')).toBe(1);
    expect(server.count('/step-up')).toBe(2);
    // Its credentials refused again, the refresh did not take: a backoff follows.
    expect(state.events.map((e) => e.type)).toEqual(['refresh-started', 'refresh-succeeded', 'refresh-failed']);
  });

  it('finds the step-up challenge among several in one header', async () => {
    const state = app();

    const error = await failure(state.api.get('/several'));

    expect(error.challenge?.error).toBe('insufficient_user_authentication');
    expect(server.count('/refresh')).toBe(0);
  });

  it('puts the challenge of a 403 missing a scope on the error and tells observers, with no refresh', async () => {
    const state = app();

    const error = await failure(state.api.get('/scope'));

    expect(error.challenge).toMatchObject({ status: 403, error: 'insufficient_scope', scope: 'tasks:write' });
    expect(server.count('/refresh')).toBe(0);
    expect(state.events.map((e) => e.type)).toEqual(['challenged']);
  });

  it('still refreshes a 401 whose challenge says invalid_token, and a 401 without a challenge', async () => {
    const state = app();

    await expect(state.api.get('/expired')).resolves.toMatchObject({ status: 200 });
    await expect(state.api.get('/plain')).resolves.toMatchObject({ status: 200 });

    expect(server.count('/refresh')).toBe(1);
    expect(state.events.map((e) => e.type)).toEqual(['refresh-started', 'refresh-succeeded']);
  });

  it('is told once for an answer that app interceptors pass on to the library again', async () => {
    const state = app();
    state.api.interceptors.response.use(undefined, (error: Error) => Promise.reject(error));

    await failure(state.api.get('/step-up'));

    expect(state.events.map((e) => e.type)).toEqual(['challenged']);
    expect(server.count('/refresh')).toBe(0);
  });

  it('throws a TypeError naming wwwAuthenticate for a challenges option it did not make', () => {
    expect(() => app({ challenges: (() => true) as unknown as ReturnType<typeof wwwAuthenticate> })).toThrow(/`challenges`.*wwwAuthenticate\(\)/);
  });
});

describe('the wwwAuthenticate part through createRefreshFetch', () => {
  it('resolves the step-up answer as it is, with its challenge, and makes no refresh', async () => {
    let refreshes = 0;
    const session = fetchSide.createRefreshSession({
      refresh: async () => {
        refreshes += 1;
        await fetch(`${server.url}/refresh`, { method: 'POST' });
      },
      challenges: fetchSide.wwwAuthenticate(),
    });
    const events: SessionEvent[] = [];
    fetchSide.observe(session, (event) => {
      events.push(event);
    });
    const authFetch = fetchSide.createRefreshFetch(fetch, { session });

    const response = await authFetch(`${server.url}/step-up`);

    expect(response.status).toBe(401);
    expect(fetchSide.challengeOf(response)).toMatchObject({ error: 'insufficient_user_authentication', max_age: 300 });
    expect(refreshes).toBe(0);
    expect(server.count('/refresh')).toBe(0);
    expect(events).toMatchObject([{ type: 'challenged', request: { url: `${server.url}/step-up`, status: 401 } }]);
  });
});
