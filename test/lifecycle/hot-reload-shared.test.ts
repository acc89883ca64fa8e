import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, createRefreshSession } from '../../src/index.js';
import type { RefreshContext } from '../../src/index.js';
import { turns, until } from '../helpers/gate.js';
import { gate, outcome, startProbeServer } from '../helpers/rotating-token-server.js';
import type { ProbeServer } from '../helpers/rotating-token-server.js';

let server: ProbeServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(async () => {
  server = await startProbeServer();
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server.close();
  expect(unhandled).toEqual([]);
});

function store() {
  const tokens = { access: server.access, refresh: server.refresh };
  const refresh = async ({ client }: RefreshContext): Promise<void> => {
    Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
  };
  return { tokens, refresh };
}

describe('hot reload (eject on dispose) into a session shared with a second instance', () => {
  it('never lets a refresh of the new shared session overlap the call the ejected interceptor left out (same refresh token)', async () => {
    const { tokens } = store();
    const api = axios.create({ baseURL: server.url });
    let expired = 0;
    // v1 of the module: an interceptor of its own; its refresh does not pass `signal` on.
    const v1 = createRefreshInterceptor(api, {
      refresh: async ({ client }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access),
      credentialOrigins: [server.url],
    });
    server.expireAccess();
    const g = gate();
    server.refreshGates.push(g.promise);
    const early = outcome(api.get('/api/early'));
    await until(() => server.refreshes === 1);
    // HMR: dispose ejects v1; v2 shares one session between api and a second instance.
    v1.eject();
    const uploads = axios.create({ baseURL: server.url });
    const session = createRefreshSession({
      refresh: async ({ client }) => {
        Object.assign(tokens, (await client.post<typeof tokens>('/refresh', { refresh: tokens.refresh })).data);
      },
      accessToken: bearer(() => tokens.access),
      credentialOrigins: [server.url],
      onSessionExpired: () => void (expired += 1),
    });
    createRefreshInterceptor(api, { session });
    createRefreshInterceptor(uploads, { session });
    const fromUploads = outcome(uploads.get('/api/upload'));
    const fromApi = outcome(api.get('/api/next'));
    await turns(30);
    const inflightWhileOut = server.refreshes;
    g.open();
    const results = [await early, await fromApi, await fromUploads];
    expect({ refreshCallsWhileTheEjectedOneWasOut: inflightWhileOut, maxInflight: server.maxInflight, reused: server.reused, expired, results }).toEqual({
      refreshCallsWhileTheEjectedOneWasOut: 1,
      maxInflight: 1,
      reused: 0,
      expired: 0,
      results: [401, 200, 200],
    });
  });
});
