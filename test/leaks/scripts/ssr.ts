/**
 * Server-side rendering: one long-lived session, and an axios instance per page request that
 * attaches to it, makes one request and is dropped without eject. No refresh ever happens, so
 * nothing a refresh would clean up gets the chance: what a dropped instance leaves behind must
 * go at garbage collection. A control run keeps its instances, to show what the same number of
 * retained instances costs on the same heap measure.
 *
 *   node --expose-gc --import tsx test/leaks/scripts/ssr.ts
 */
import axios from 'axios';
import type { AxiosAdapter } from 'axios';
import { createRefreshInterceptor, createRefreshSession } from '../../../src/index.js';
import { respond } from '../../helpers/memory-adapter.js';
import { alive, heapAfterCollect, report } from './harness.js';

const COUNT = Number(process.env.COUNT ?? 20_000);

let refreshes = 0;
let succeeded = 0;
const store = { token: 'access-0' };
// Every request carries the valid token: no 401, no refresh.
const adapter: AxiosAdapter = (config) =>
  respond(config, config.headers.get('Authorization') === `Bearer ${store.token}` ? 200 : 401, {});

const session = createRefreshSession({
  refresh: async ({ client }) => {
    refreshes += 1;
    await client.post('/refresh');
  },
});

/** One page request: an instance of its own on the shared session, one request. */
async function page(): Promise<object> {
  const api = axios.create({ adapter });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  createRefreshInterceptor(api, { session });
  const response = await api.get('/page');
  if (response.status === 200) succeeded += 1;
  return api;
}

// A WeakRef to every hundredth instance: enough to see whether they go, too few to weigh on
// the heap measure.
const SAMPLE = 100;

/** `n` page requests; the instances are kept in `keep` if given, dropped otherwise. */
async function pages(n: number, refs: Array<WeakRef<object>>, keep?: object[]): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const api = await page();
    if (i % SAMPLE === 0) refs.push(new WeakRef(api));
    keep?.push(api);
  }
}

const started = performance.now();
// As many instances as the measured run, dropped, before the baseline: besides the JIT and
// axios's lazily built structures, V8's hash tables keep the capacity they grew to between two
// collections after their entries are cleared (WeakMaps keyed by instances, for one). That
// one-off cost (about 1.4 MB after a warm-up of 2 000 instances) says nothing of what each
// dropped instance leaves, which the measured run alone shows.
await pages(COUNT, []);
// Measured over several rounds of COUNT dropped instances. What each dropped instance leaves
// adds up in every round; a one-off change of some table's capacity (seen here as up to about
// 0.6 MB, either way) lands in one round only, and the first round after the warm-up often runs
// high. The median of five rounds is the measure.
const ROUNDS = 5;
const dropped: Array<WeakRef<object>> = [];
const growths: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  const before = await heapAfterCollect();
  await pages(COUNT, dropped);
  growths.push((await heapAfterCollect()) - before);
}
const growth = [...growths].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Number.NaN;

const kept: object[] = [];
const keptRefs: Array<WeakRef<object>> = [];
const controlBefore = await heapAfterCollect();
await pages(COUNT, keptRefs, kept);
const controlAfter = await heapAfterCollect();

report({
  instances: COUNT,
  pages: (2 + ROUNDS) * COUNT,
  succeeded,
  refreshes,
  epoch: session.epoch,
  refreshing: session.refreshing,
  sampled: dropped.length,
  aliveDropped: alive(dropped),
  aliveKept: alive(keptRefs),
  rounds: ROUNDS,
  growths,
  growth,
  perInstance: Math.round(growth / COUNT),
  controlKept: kept.length,
  controlGrowth: controlAfter - controlBefore,
  controlPerInstance: Math.round((controlAfter - controlBefore) / COUNT),
  ms: Math.round(performance.now() - started),
});
