import http from 'node:http';
import { performance } from 'node:perf_hooks';
import axios from 'axios';
import type { Contender, Tokens } from './contenders.js';
import type { RemoteAuthServer } from './remote-server.js';
import { EXPIRED_ACCESS, FIRST_REFRESH } from './server.js';
import type { ServerStats } from './server.js';

/**
 * Sockets per storm, the same for every contender. Ten thousand sockets at once would overrun
 * the listen backlog and measure SYN retries instead of clients; browsers queue requests on a
 * handful of connections per host in the same way.
 */
export const MAX_SOCKETS = 256;
// Past this a run is aborted and counted as not settled, so that a stuck client cannot stall the bench.
const RUN_LIMIT_MS = 60_000;
const STALL_POLL_MS = 50;
const STALL_POLLS = 4;
const STALL_LIMIT_MS = 20_000;

export interface StormRun {
  stats: ServerStats;
  succeeded: number;
  /** From the first request to the last one settled. */
  ms: number;
  timedOut: boolean;
}

function heapAfterGc(gc: () => void): number {
  // Twice: what the first pass's weak references and finalizers let go is only collected by a second.
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Resolves once the storm stopped moving while the server holds a refresh, or all requests settled. */
async function stalled(server: RemoteAuthServer, settled: () => number, n: number): Promise<void> {
  const deadline = performance.now() + STALL_LIMIT_MS;
  let last = '';
  let still = 0;
  while (still < STALL_POLLS && settled() < n && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, STALL_POLL_MS));
    const stats = await server.stats();
    const now = `${stats.requests}/${settled()}`;
    still = stats.held > 0 && now === last ? still + 1 : 0;
    last = now;
  }
}

/**
 * One storm: n requests at once with an expired access token. With `gc`, the server holds the
 * refresh until the storm has stalled on it, and the heap is measured then.
 */
export async function storm(
  server: RemoteAuthServer,
  contender: Contender,
  n: number,
  gc?: () => void,
): Promise<{ run: StormRun; heapPerRequest: number | undefined }> {
  await server.reset();
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  // One controller per request, as apps that cancel do: n requests listening on one shared
  // signal would make every add and remove of a listener walk all the others, and the bench
  // would time Node's EventTarget instead of the clients.
  const controllers = Array.from({ length: n }, () => new AbortController());
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const controller of controllers) controller.abort();
  }, RUN_LIMIT_MS);
  try {
    const tokens: Tokens = { access: EXPIRED_ACCESS, refresh: FIRST_REFRESH, expiresAt: Date.now() - 1 };
    const api = axios.create({ baseURL: server.baseURL, httpAgent: agent });
    const bare = axios.create({ baseURL: server.baseURL, httpAgent: agent });
    if (!contender.attachesToken) {
      api.interceptors.request.use(
        (config) => {
          config.headers.set('Authorization', `Bearer ${tokens.access}`);
          return config;
        },
        null,
        { synchronous: true },
      );
    }
    contender.attach({ api, bare, tokens });

    if (gc) await server.hold();
    const before = gc ? heapAfterGc(gc) : 0;
    let settled = 0;
    const started = performance.now();
    const all = Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        api.get(`api/items/${i}`, { signal: controllers[i]!.signal }).finally(() => {
          settled += 1;
        }),
      ),
    );
    let heapPerRequest: number | undefined;
    if (gc) {
      await stalled(server, () => settled, n);
      heapPerRequest = (heapAfterGc(gc) - before) / n;
      await server.release();
    }
    const results = await all;
    const ms = performance.now() - started;
    const stats = await server.stats();
    const succeeded = results.filter((result) => result.status === 'fulfilled').length;
    return { run: { stats, succeeded, ms, timedOut }, heapPerRequest };
  } finally {
    clearTimeout(timer);
    agent.destroy();
  }
}
