import axios from 'axios';
import type { AxiosAdapter } from 'axios';
import { createRefreshInterceptor, expiry } from './library.js';

// Bounds the probe: its refresh settles at once, but a broken build must not hang the bench.
const PROBE_LIMIT_MS = 2_000;

/**
 * Whether the built package refreshes before sending a request whose token is about to expire.
 * A build without it ignores the options and sends the request, and the refresh-ahead rows would
 * measure the reactive path under another name.
 */
export async function refreshesAhead(): Promise<boolean> {
  const seen = { refreshed: false, sentStale: false };
  const adapter: AxiosAdapter = (config) => {
    if (!seen.refreshed) seen.sentStale = true;
    return Promise.resolve({ data: null, status: 200, statusText: 'OK', headers: {}, config, request: {} });
  };
  const api = axios.create({ adapter });
  const interceptor = createRefreshInterceptor(api, {
    refresh: () => {
      seen.refreshed = true;
    },
    refreshTimeout: PROBE_LIMIT_MS,
    expiresAt: expiry(() => (seen.refreshed ? Date.now() + 60_000 : Date.now() - 1), 1_000),
  });
  try {
    await api.get('probe');
  } catch {
    return false;
  } finally {
    interceptor.eject();
  }
  return seen.refreshed && !seen.sentStale;
}
