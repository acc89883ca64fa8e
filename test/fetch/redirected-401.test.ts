import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshFetch, createRefreshSession, bearer } from '../../src/fetch.js';
import { createRefreshInterceptor, createRefreshSession as axiosSession, bearer as axiosBearer } from '../../src/index.js';
import { answerApi, probeServer, tokenState } from './helpers/rotating-api.js';
import type { Probe, TokenState } from './helpers/rotating-api.js';

let api: Probe;
let third: Probe;
let state: TokenState;

beforeEach(async () => {
  state = tokenState();
  third = await probeServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"detail":"not signed in at the third party"}');
  });
  api = await probeServer(async (req, res) => {
    if (req.url === '/go') {
      res.writeHead(302, { location: `${third.url}/widget` });
      res.end();
      return;
    }
    await answerApi(state, req, res);
  });
});
afterEach(async () => {
  await Promise.all([api.close(), third.close()]);
});

describe('a 401 that a redirect from the API led to another origin', () => {
  it('fetch (bearer): resolves as the third party 401 with no refresh and no end of the session', async () => {
    // The refresh would be refused: were the 401 taken as the session's, the user is logged out.
    state.refreshStatus = 401;
    let expired = 0;
    const session = createRefreshSession({
      refresh: async ({ signal }) => {
        const res = await fetch(`${api.url}/refresh`, { method: 'POST', signal });
        if (!res.ok) return res;
        state.access = ((await res.json()) as { access: string }).access;
      },
      accessToken: bearer(() => state.access),
      credentialOrigins: [api.url],
      onSessionExpired: () => {
        expired += 1;
      },
    });
    const authFetch = createRefreshFetch(fetch, { session });

    const outcome = await authFetch(`${api.url}/go`).then(
      (r) => ({ status: r.status, url: r.url }),
      (e: unknown) => ({ error: (e as { code?: string }).code }),
    );

    // The third party never received the token (undici drops it on a cross-origin redirect).
    expect(third.seen.map((s) => s.headers.authorization)).not.toContain(`Bearer a0`);
    expect({ outcome, refreshCalls: state.refreshCalls, state: session.state, expired }).toEqual({
      outcome: { status: 401, url: `${third.url}/widget` },
      refreshCalls: 0,
      state: 'live',
      expired: 0,
    });
  });

  it('fetch (cookie session, API listed): resolves as the third party 401 with no refresh and no end of the session', async () => {
    state.refreshStatus = 401;
    let expired = 0;
    const session = createRefreshSession({
      refresh: ({ signal }) => fetch(`${api.url}/refresh`, { method: 'POST', signal }),
      credentialOrigins: [api.url],
      onSessionExpired: () => {
        expired += 1;
      },
    });
    const authFetch = createRefreshFetch(fetch, { session });

    const outcome = await authFetch(`${api.url}/go`).then(
      (r) => ({ status: r.status, url: r.url }),
      (e: unknown) => ({ error: (e as { code?: string }).code }),
    );

    expect({ outcome, refreshCalls: state.refreshCalls, state: session.state, expired }).toEqual({
      outcome: { status: 401, url: `${third.url}/widget` },
      refreshCalls: 0,
      state: 'live',
      expired: 0,
    });
  });

  it('control: axios http adapter (bearer) leaves the redirected 401 alone', async () => {
    state.refreshStatus = 401;
    let expired = 0;
    const instance = axios.create({ baseURL: api.url });
    const session = axiosSession({
      refresh: ({ client }) => client.post('/refresh'),
      accessToken: axiosBearer(() => state.access),
      onSessionExpired: () => {
        expired += 1;
      },
    });
    createRefreshInterceptor(instance, { session });

    const outcome = await instance.get('/go').then(
      (r) => ({ status: r.status }),
      (error: unknown) => {
        const { response, code } = error as { response?: { status: number }; code?: string };
        return { status: response?.status, code };
      },
    );
    expect({ outcome, refreshCalls: state.refreshCalls, state: session.state, expired }).toEqual({
      outcome: { status: 401, code: 'ERR_BAD_REQUEST' },
      refreshCalls: 0,
      state: 'live',
      expired: 0,
    });
  });
});
