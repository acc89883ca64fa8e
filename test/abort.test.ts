import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh, refreshHeld } from './helpers/clients.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

function attach() {
  const { api, store } = bearerApp(server);
  createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
  server.expireAccess();
  return api;
}

describe('aborting a request that waits for a refresh', () => {
  it('rejects a failed request at once with CanceledError when its AbortSignal fires, while the refresh goes on for others', async () => {
    const api = attach();
    const refreshGate = server.hold('/refresh');
    const controller = new AbortController();

    const aborted = api.get('/api/aborted', { signal: controller.signal });
    const other = api.get('/api/other');
    await server.arrived('/refresh', 1);
    controller.abort();

    const error: unknown = await aborted.catch((e: unknown) => e);
    expect(axios.isCancel(error)).toBe(true);
    expect(server.refreshCalls()).toBe(0);
    refreshGate.open();

    await expect(other).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(1);
    expect(server.count('/api/aborted')).toBe(1);
  });

  it('rejects a held request at once when aborted, and it never reaches the server', async () => {
    const api = attach();
    const { first, refreshGate } = await refreshHeld(server, api);
    const controller = new AbortController();

    const held = api.get('/api/held', { signal: controller.signal });
    controller.abort();

    expect(axios.isCancel(await held.catch((e: unknown) => e))).toBe(true);
    refreshGate.open();
    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(server.count('/api/held')).toBe(0);
  });

  it('rejects with the cancel reason when a CancelToken fires', async () => {
    const api = attach();
    const refreshGate = server.hold('/refresh');
    const source = axios.CancelToken.source();

    const cancelled = api.get('/api/cancelled', { cancelToken: source.token });
    await server.arrived('/refresh', 1);
    source.cancel('user left the page');

    const error: unknown = await cancelled.catch((e: unknown) => e);
    expect(axios.isCancel(error)).toBe(true);
    expect((error as Error).message).toBe('user left the page');
    refreshGate.open();
    await server.arrived('/refresh', 1);
  });
});
