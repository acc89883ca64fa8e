/**
 * DPoP (RFC 9449) nonces against a loopback server. A resource server that wants a new nonce in
 * the proof answers 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` with a `DPoP-Nonce`
 * header; its token endpoint answers 400 `{"error":"use_dpop_nonce"}`. Neither is expired
 * credentials: the answer is a new proof, not a refresh. The app here is the README's recipe.
 */
import axios, { isAxiosError } from 'axios';
import type { AxiosError, AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { challengeOf, createRefreshInterceptor, wwwAuthenticate } from '../../src/index.js';
import type { RefreshSession } from '../../src/index.js';
import { jwt } from '../bearer/helpers/jwt-server.js';
import { listen } from '../stacks/helpers/loopback.js';
import type { Loopback } from '../stacks/helpers/loopback.js';

const USE_NONCE = 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"';

interface DpopServer extends Loopback {
  logIn(): { access: string; refresh: string };
  /** A new nonce at the resource server, as servers do every few minutes. */
  rotateResourceNonce(): void;
  /** A new nonce at the token endpoint. */
  rotateAuthNonce(): void;
  /** Refuses the current access token from now on (401 invalid_token), as at its expiry. */
  expire(): void;
  count(path: string, status?: number): number;
}

const nonceOf = (proof: string | string[] | undefined): string | undefined => {
  const payload = typeof proof === 'string' ? proof.split('.')[1] : undefined;
  if (!payload) return undefined;
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { nonce?: string }).nonce;
};

async function startDpopServer(): Promise<DpopServer> {
  const seen: Array<{ path: string; status: number }> = [];
  let generation = 0;
  let resourceNonce = 1;
  let authNonce = 1;
  let current = { access: '', refresh: '' };
  let expired = false;
  const issue = () => {
    generation += 1;
    expired = false;
    current = { access: `at-${generation}`, refresh: `rt-${generation}` };
    return current;
  };
  const loopback = await listen(({ path, body, req }, res) => {
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      seen.push({ path, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const nonce = nonceOf(req.headers.dpop);
    if (path === '/token') {
      if (nonce !== `an-${authNonce}`) {
        answer(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': `an-${authNonce}` });
        return;
      }
      const presented = (JSON.parse(body || '{}') as { refresh_token?: string }).refresh_token;
      if (presented !== current.refresh) answer(400, { error: 'invalid_grant' });
      else answer(200, issue());
      return;
    }
    const token = /^DPoP (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (nonce !== `rn-${resourceNonce}`) answer(401, {}, { 'www-authenticate': USE_NONCE, 'dpop-nonce': `rn-${resourceNonce}` });
    else if (token !== current.access || expired) answer(401, {}, { 'www-authenticate': 'DPoP error="invalid_token"' });
    else answer(200, { path });
  });
  return {
    ...loopback,
    logIn: issue,
    rotateResourceNonce() {
      resourceNonce += 1;
    },
    rotateAuthNonce() {
      authNonce += 1;
    },
    expire() {
      expired = true;
    },
    count: (path, status) => seen.filter((r) => r.path === path && (status === undefined || r.status === status)).length,
  };
}

let proofs = 0;
/** A DPoP proof: a JWT naming the method, the URL and, once the server gave one, its nonce. */
const proof = (htm: string, htu: string, nonce: string | undefined): string =>
  jwt({ typ: 'dpop+jwt', jti: `p-${(proofs += 1)}`, htm: htm.toUpperCase(), htu, iat: Math.floor(Date.now() / 1000), ...(nonce ? { nonce } : {}) });

type Retried = InternalAxiosRequestConfig & { nonceRetried?: boolean };

interface App {
  api: AxiosInstance;
  session: RefreshSession;
  ended: number;
}

/**
 * The README's DPoP app: its request interceptor writes the `DPoP` scheme and a proof with the
 * latest nonce, its response interceptor sends a request again once with the nonce of a
 * `use_dpop_nonce` challenge, and `refresh` sends its call again once with the token endpoint's.
 */
function dpopApp(server: DpopServer): App {
  let tokens = server.logIn();
  let resourceNonce: string | undefined = 'rn-1';
  let authNonce: string | undefined = 'an-1';
  const state = { ended: 0 } as App;
  const api = axios.create({ baseURL: server.url });
  api.interceptors.request.use((config) => {
    config.headers.Authorization = `DPoP ${tokens.access}`;
    config.headers.DPoP = proof(config.method ?? 'get', api.getUri(config), resourceNonce);
    return config;
  });
  api.interceptors.response.use(undefined, (error: unknown) => {
    const challenge = isAxiosError(error) ? challengeOf(error) : undefined;
    const config = isAxiosError(error) ? (error.config as Retried | undefined) : undefined;
    if (challenge?.error !== 'use_dpop_nonce' || !config || config.nonceRetried) throw error;
    resourceNonce = challenge.dpop_nonce;
    return api.request({ ...config, nonceRetried: true } as Retried);
  });
  const post = (client: AxiosInstance) =>
    client.post<{ access: string; refresh: string }>(
      '/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh },
      { headers: { DPoP: proof('post', `${server.url}/token`, authNonce) } },
    );
  state.api = api;
  state.session = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      try {
        tokens = (await post(client)).data;
      } catch (error) {
        const answer = (error as AxiosError<{ error?: string }>).response;
        if (answer?.data.error !== 'use_dpop_nonce') throw error;
        authNonce = String(answer.headers['dpop-nonce']);
        tokens = (await post(client)).data;
      }
    },
    onSessionExpired: () => {
      state.ended += 1;
    },
    challenges: wwwAuthenticate(),
  }).session;
  return state;
}

let server: DpopServer;
beforeEach(async () => {
  server = await startDpopServer();
});
afterEach(async () => {
  await server.close();
});

describe('a resource server asking for a DPoP nonce (401, DPoP error="use_dpop_nonce")', () => {
  it('is a challenge that challengeOf reads, with the nonce of the DPoP-Nonce header, from an axios answer and a fetch Response', () => {
    const headers = { 'www-authenticate': USE_NONCE, 'dpop-nonce': 'rn-7' };
    expect(challengeOf({ status: 401, headers })).toMatchObject({ status: 401, error: 'use_dpop_nonce', dpop_nonce: 'rn-7' });
    expect(challengeOf(new Response(null, { status: 401, headers }))).toMatchObject({ error: 'use_dpop_nonce', dpop_nonce: 'rn-7' });
    expect(challengeOf({ status: 401, headers: { 'www-authenticate': USE_NONCE } })?.dpop_nonce).toBeUndefined();
  });

  it('is not refreshed: a burst of 10 after the nonce changed is sent again once each with the new nonce, and the server sees no refresh', async () => {
    const app = dpopApp(server);
    await app.api.get('/tasks');
    server.rotateResourceNonce();

    const answers = await Promise.all(Array.from({ length: 10 }, () => app.api.get('/tasks')));

    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect({ tasks: server.count('/tasks'), refused: server.count('/tasks', 401), refreshes: server.count('/token') }).toEqual({
      tasks: 21,
      refused: 10,
      refreshes: 0,
    });
    expect({ session: app.session.state, ended: app.ended }).toEqual({ session: 'live', ended: 0 });
  });

  it('costs no refresh over five nonce changes, one request each', async () => {
    const app = dpopApp(server);
    for (let i = 0; i < 5; i++) {
      server.rotateResourceNonce();
      await expect(app.api.get('/tasks')).resolves.toMatchObject({ status: 200 });
    }
    expect({ tasks: server.count('/tasks'), refreshes: server.count('/token') }).toEqual({ tasks: 10, refreshes: 0 });
  });

  it('still refreshes once for an expired token, with the nonce changed at the same time', async () => {
    const app = dpopApp(server);
    server.expire();
    server.rotateResourceNonce();

    const answers = await Promise.all(Array.from({ length: 10 }, () => app.api.get('/tasks')));

    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect({ refreshes: server.count('/token', 200), session: app.session.state, ended: app.ended }).toEqual({ refreshes: 1, session: 'live', ended: 0 });
  });
});

describe('a token endpoint asking for a DPoP nonce (400 {"error":"use_dpop_nonce"})', () => {
  it('is answered inside refresh, as the README shows: the call is sent again once with the nonce and the session goes on', async () => {
    const app = dpopApp(server);
    server.rotateAuthNonce();
    server.expire();

    await expect(app.api.get('/tasks')).resolves.toMatchObject({ status: 200 });
    expect({ token: server.count('/token'), refused: server.count('/token', 400), ended: app.ended, session: app.session.state }).toEqual({
      token: 2,
      refused: 1,
      ended: 0,
      session: 'live',
    });
  });
});
