import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor } from '../src/index.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer, RefreshMode } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh } from './helpers/clients.js';
import { until } from './helpers/gate.js';

let server: AuthServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(async () => {
  server = await startAuthServer();
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
  await server.close();
});

function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

describe('quiet and clean', () => {
  it.each<RefreshMode>(['rotate', 'reject', 'error', 'drop'])(
    'leaves no timer and no unhandled rejection once every request has settled (refresh: %s)',
    async (mode) => {
      const before = timers();
      const { api, store } = bearerApp(server);
      createRefreshInterceptor(api, {
        refresh: bearerRefresh(server, store),
        onSessionExpired: () => Promise.reject(new Error('an async handler that fails')),
      });
      server.expireAccess();
      server.refreshMode = mode;
      const aborted = new AbortController();

      const requests = Array.from({ length: 30 }, (_, i) =>
        api.get(`/api/${i}`, i % 10 === 0 ? { signal: aborted.signal } : {}),
      );
      aborted.abort();
      await Promise.allSettled(requests);
      // Let any stray rejection reach the process before looking.
      await new Promise((resolve) => setImmediate(resolve));

      expect(unhandled).toEqual([]);
      expect(timers()).toBeLessThanOrEqual(before);
    },
  );

  it('stays quiet when a refresh fails after every request waiting on it was aborted', async () => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
    server.expireAccess();
    server.refreshMode = 'reject';
    const refreshGate = server.hold('/refresh');
    const aborted = new AbortController();

    const request = api.get('/api/a', { signal: aborted.signal });
    await server.arrived('/refresh', 1);
    aborted.abort();
    await Promise.allSettled([request]);
    refreshGate.open();
    await until(() => server.refreshCalls() === 1);
    await new Promise((resolve) => setImmediate(resolve));

    expect(unhandled).toEqual([]);
  });
});
