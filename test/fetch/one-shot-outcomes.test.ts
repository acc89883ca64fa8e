import { Readable } from 'node:stream';
import axios from 'axios';
import { createRefreshInterceptor, bearer as axiosBearer } from '../../src/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshFetch, createRefreshSession, isRefreshFailedError, isSessionExpiredError } from '../../src/fetch.js';
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

function app() {
  const store = { access: 'stale' };
  let expired = 0;
  const session = createRefreshSession({
    refresh: async ({ signal }) => {
      const res = await fetch(`${api.url}/refresh`, { method: 'POST', signal });
      if (!res.ok) return res;
      store.access = ((await res.json()) as { access: string }).access;
    },
    accessToken: bearer(() => store.access),
    credentialOrigins: [api.url],
    onSessionExpired: () => {
      expired += 1;
    },
  });
  return { session, authFetch: createRefreshFetch(fetch, { session }), expired: () => expired };
}

const stream = (): RequestInit =>
  ({
    method: 'POST',
    body: new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('chunk'));
        c.close();
      },
    }),
    duplex: 'half',
  }) as unknown as RequestInit;

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => ({ code: (e as { code?: string }).code, expired: isSessionExpiredError(e), failed: isRefreshFailedError(e) }),
  );

describe('a streamed upload answered 401 once the session is over', () => {
  it('rejects with SessionExpiredError (not ERR_BODY_NOT_REPLAYABLE) after the session ended', async () => {
    state.refreshStatus = 401;
    const { session, authFetch, expired } = app();
    // The session ends on a first, ordinary call.
    expect(await codeOf(authFetch(`${api.url}/api/a`))).toMatchObject({ code: 'ERR_SESSION_EXPIRED' });
    expect(session.state).toBe('ended');

    const upload = await codeOf(authFetch(`${api.url}/api/upload`, stream()));

    expect({ upload, refreshCalls: state.refreshCalls, expired: expired() }).toEqual({
      upload: { code: 'ERR_SESSION_EXPIRED', expired: true, failed: false },
      refreshCalls: 1,
      expired: 1,
    });
  });

  it('rejects with RefreshFailedError (not ERR_BODY_NOT_REPLAYABLE) during the cooldown after a transient failure', async () => {
    state.refreshStatus = 503;
    const { session, authFetch } = app();
    expect(await codeOf(authFetch(`${api.url}/api/a`))).toMatchObject({ code: 'ERR_REFRESH_FAILED' });
    expect(session.state).toBe('cooling-down');

    const upload = await codeOf(authFetch(`${api.url}/api/upload`, stream()));

    expect({ upload, refreshCalls: state.refreshCalls }).toEqual({
      upload: { code: 'ERR_REFRESH_FAILED', expired: false, failed: true },
      refreshCalls: 1,
    });
  });

  it.each([
    [401, 'ERR_SESSION_EXPIRED', 'SessionExpiredError, after onSessionExpired', 'ended'],
    [503, 'ERR_REFRESH_FAILED', 'RefreshFailedError', 'cooling-down'],
  ] as const)('rejects a streamed upload whose own 401 started a refresh answered %i with the refresh\'s error (%s), as the axios side does', async (status, code, _what, after) => {
    state.refreshStatus = status;
    const { session, authFetch, expired } = app();
    let expiredFirst: number | undefined;

    const upload = await codeOf(
      authFetch(`${api.url}/api/upload`, stream()).catch((error: unknown) => {
        expiredFirst = expired();
        throw error;
      }),
    );

    expect({ upload, refreshCalls: state.refreshCalls, state: session.state }).toEqual({
      upload: { code, expired: status === 401, failed: status === 503 },
      refreshCalls: 1,
      state: after,
    });
    expect(expiredFirst).toBe(status === 401 ? 1 : 0);
  });

  it('control: the axios side rejects a stream upload on an ended session with SessionExpiredError', async () => {
    state.refreshStatus = 401;
    const instance = axios.create({ baseURL: api.url });
    const { session } = createRefreshInterceptor(instance, {
      refresh: ({ client }) => client.post('/refresh'),
      accessToken: axiosBearer(() => 'stale'),
    });
    expect(await codeOf(instance.get('/api/a'))).toMatchObject({ code: 'ERR_SESSION_EXPIRED' });
    expect(session.state).toBe('ended');

    const upload = await codeOf(instance.post('/api/upload', Readable.from([Buffer.from('chunk')])));

    expect(upload).toEqual({ code: 'ERR_SESSION_EXPIRED', expired: true, failed: false });
  });
});
