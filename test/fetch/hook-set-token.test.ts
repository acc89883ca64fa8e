import ky from 'ky';
import createClient from 'openapi-fetch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession, expiry, getAccessToken } from '../../src/fetch.js';
import { answerApi, probeServer, tokenState } from './helpers/rotating-api.js';
import type { Probe, TokenState } from './helpers/rotating-api.js';

let api: Probe;
let state: TokenState;
beforeEach(async () => {
  state = tokenState();
  api = await probeServer((req, res) => answerApi(state, req, res));
});
afterEach(async () => {
  await api.close();
});

/** The README's setup: the session's accessToken, plus a hook that sets the same token once per call. */
function app(expiresInMs: number) {
  const store = { access: state.access, exp: Date.now() + expiresInMs };
  const session = createRefreshSession({
    refresh: async ({ signal }) => {
      const res = await fetch(`${api.url}/refresh`, { method: 'POST', signal });
      if (!res.ok) return res;
      store.access = ((await res.json()) as { access: string }).access;
      store.exp = Date.now() + 60_000;
    },
    accessToken: bearer(() => store.access),
    expiresAt: expiry(() => store.exp),
    credentialOrigins: [api.url],
  });
  return { store, session, authFetch: createRefreshFetch(fetch, { session }) };
}

const apiAuth = (): Array<[string | undefined, number]> => api.paths('/api').map((s) => [s.headers.authorization, s.status]);

describe('a hook that sets the session token once per call (README: "does no harm")', () => {
  it('ky beforeRequest + accessToken, token within the expiry margin: one refresh, 200, never the stale token after the refresh', async () => {
    const { store, authFetch } = app(1_000);
    const http = ky.create({
      prefixUrl: api.url,
      fetch: authFetch,
      retry: 0,
      throwHttpErrors: false,
      hooks: {
        beforeRequest: [
          (request) => {
            request.headers.set('Authorization', `Bearer ${store.access}`);
          },
        ],
      },
    });

    const response = await http.get('api/tasks');

    expect({ status: response.status, refreshCalls: state.refreshCalls, sent: apiAuth() }).toEqual({
      status: 200,
      refreshCalls: 1,
      sent: [['Bearer a1', 200]],
    });
  });

  it('openapi-fetch onRequest + accessToken, token within the expiry margin: one refresh, 200', async () => {
    const { store, authFetch } = app(1_000);
    const client = createClient<Record<string, never>>({ baseUrl: api.url, fetch: authFetch });
    client.use({
      onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${store.access}`);
        return request;
      },
    });

    const { response } = await (client as unknown as { GET: (p: string) => Promise<{ response: Response }> }).GET('/api/tasks');

    expect({ status: response.status, refreshCalls: state.refreshCalls, sent: apiAuth() }).toEqual({
      status: 200,
      refreshCalls: 1,
      sent: [['Bearer a1', 200]],
    });
  });

  it('plain fetch with the header set from the store, held behind a refresh getAccessToken started: one refresh, 200', async () => {
    const { store, session, authFetch } = app(60_000);
    // A refresh that no request started (getAccessToken with a token it was told was refused).
    const pending = getAccessToken(session, { refused: store.access });
    expect(session.refreshing).toBe(true);

    const response = await authFetch(`${api.url}/api/tasks`, { headers: { Authorization: `Bearer ${store.access}` } });
    await pending;

    expect({ status: response.status, refreshCalls: state.refreshCalls, sent: apiAuth() }).toEqual({
      status: 200,
      refreshCalls: 1,
      sent: [['Bearer a1', 200]],
    });
  });
});
