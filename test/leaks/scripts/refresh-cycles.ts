/**
 * Heap growth over many refresh cycles on one instance: the access token expires, a request
 * gets a 401, the refresh runs, the retry succeeds. Whatever the interceptor keeps per refresh
 * (headers history, epochs, timers, listeners) must stay bounded.
 */
import { createRefreshInterceptor } from '../../../src/index.js';
import { bearerInstance, heapAfterCollect, instantServer, report } from './harness.js';

const CYCLES = Number(process.env.CYCLES ?? 100_000);
const WARM_UP = 5_000;

const server = instantServer();
const { api, refresh } = bearerInstance(server);
createRefreshInterceptor(api, { refresh });

async function cycles(n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i += 1) {
    server.expire();
    const response = await api.get('/r');
    if (response.status === 200) ok += 1;
  }
  return ok;
}

const started = performance.now();
// Lets the JIT and axios's lazily built structures settle before the baseline.
await cycles(WARM_UP);
const before = await heapAfterCollect();
const firstHalf = await cycles(CYCLES / 2);
const middle = await heapAfterCollect();
const secondHalf = await cycles(CYCLES / 2);
const after = await heapAfterCollect();

report({
  cycles: CYCLES,
  succeeded: firstHalf + secondHalf,
  refreshes: server.refreshes - WARM_UP,
  growth: after - before,
  growthFirstHalf: middle - before,
  growthSecondHalf: after - middle,
  ms: Math.round(performance.now() - started),
});
