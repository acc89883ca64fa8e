import { mkdirSync, writeFileSync } from 'node:fs';
import axios from 'axios';
import { measureBytes } from './bytes.js';
import { CONTENDERS } from './contenders.js';
import type { Contender } from './contenders.js';
import { measureFetchOverhead } from './fetch-overhead.js';
import { measureOverhead } from './overhead.js';
import { refreshesAhead } from './refresh-ahead.js';
import { startAuthServer } from './remote-server.js';
import { lineChart } from './chart.js';
import { machine, range, readVersion, table, writeSections } from './report.js';
import { median } from './stats.js';
import { MAX_SOCKETS, storm } from './storm.js';
import type { StormRun } from './storm.js';

// Timed runs per storm size; each contender also gets one more run in which the heap is measured.
const RUNS: ReadonlyArray<[n: number, runs: number]> = [
  [10, 5],
  [100, 5],
  [1_000, 5],
  [10_000, 3],
];
const NOT_IMPLEMENTED = 'n/a (not implemented)';
const DOC = new URL('../docs/benchmarks.md', import.meta.url);
const README = new URL('../README.md', import.meta.url);
const CHARTS = new URL('../docs/charts/', import.meta.url);

// `npm run bench -- --bytes`: only the sizes, which take seconds, not the timed runs.
if (process.argv.includes('--bytes')) {
  const { doc, readme } = await measureBytes();
  writeSections(DOC, { bytes: doc });
  writeSections(README, { sizes: readme });
  console.log('Wrote the bytes section of docs/benchmarks.md and the size table of README.md');
  process.exit(0);
}

const { gc } = globalThis;
// Only node started with --expose-gc has it; the heap column says so otherwise.
const collect = gc && ((): void => {
  gc();
});
const ahead = await refreshesAhead();
const versions = {
  axios: axios.VERSION,
  'axios-auth-refresh': readVersion(new URL('../node_modules/axios-auth-refresh/package.json', import.meta.url)),
  tinybench: readVersion(new URL('../node_modules/tinybench/package.json', import.meta.url)),
};
const machineTable = machine(versions);
console.log(`${machineTable}\n`);

console.log('Success path (in-memory adapter)...');
const overhead = await measureOverhead(ahead);
const overheadRows = overhead.map((row) => [
  row.name,
  `${row.medianUs.toFixed(2)} µs`,
  `${row.ratio.toFixed(3)}×`,
  `${row.ratioIqr[0].toFixed(3)}–${row.ratioIqr[1].toFixed(3)}`,
]);
if (!ahead) overheadRows.splice(2, 0, ['axios-refresh-interceptor with `expiry`', NOT_IMPLEMENTED, NOT_IMPLEMENTED, '']);
const overheadTable = table(
  ['Instance', 'median per request', 'ratio to bare axios', 'middle half of the rounds'],
  overheadRows,
);
console.log(`${overheadTable}\n`);

console.log('Success path of createRefreshFetch (in-memory fetch)...');
const fetchTable = table(
  ['Call', 'median per call', 'ratio to the in-memory fetch', 'middle half of the rounds'],
  (await measureFetchOverhead()).map((row) => [
    row.name,
    `${row.medianUs.toFixed(2)} µs`,
    `${row.ratio.toFixed(3)}×`,
    `${row.ratioIqr[0].toFixed(3)}–${row.ratioIqr[1].toFixed(3)}`,
  ]),
);
console.log(`${fetchTable}\n`);

/** Whether every run reached the goal: all requests succeed, one refresh, the expected requests. */
function verdict(contender: Contender, n: number, runs: readonly StormRun[]): string {
  if (!contender.goal) return '';
  const requests = contender.goal(n);
  const met = runs.every(
    (run) => !run.timedOut && run.succeeded === n && run.stats.refreshCalls === 1 && run.stats.requests === requests,
  );
  return met ? 'met' : `**missed** (goal: ${n} succeeded, 1 refresh, ${requests} requests)`;
}

const stormTables: string[] = [];
// Medians per contender and N, for the charts: how time and server requests grow with N.
const grows = new Map<string, { ms: Array<[number, number | undefined]>; requests: Array<[number, number | undefined]> }>(
  CONTENDERS.map((contender) => [contender.name, { ms: [], requests: [] }]),
);
const server = await startAuthServer();
try {
  for (const [n, count] of RUNS) {
    console.log(`Expiry storm, N = ${n}...`);
    const active = CONTENDERS.filter((contender) => ahead || contender.refreshesAhead !== true);
    const heap = new Map<Contender, number | undefined>();
    const runs = new Map<Contender, StormRun[]>(active.map((contender) => [contender, []]));
    for (const contender of active) {
      heap.set(contender, collect ? (await storm(server, contender, n, collect)).heapPerRequest : undefined);
    }
    // Contenders take turns run by run, so that a slow spell of the machine hits all of them.
    for (let i = 0; i < count; i += 1) {
      for (const contender of active) runs.get(contender)!.push((await storm(server, contender, n)).run);
    }
    for (const contender of CONTENDERS) {
      const done = runs.get(contender);
      const growth = grows.get(contender.name)!;
      growth.ms.push([n, done ? Math.max(1, median(done.map((run) => run.ms))) : undefined]);
      growth.requests.push([n, done ? median(done.map((run) => run.stats.requests)) : undefined]);
    }
    const rows = CONTENDERS.map((contender) => {
      const done = runs.get(contender);
      if (!done) return [contender.name, ...Array<string>(7).fill(NOT_IMPLEMENTED)];
      const perRequest = heap.get(contender);
      const timedOut = done.some((run) => run.timedOut) ? ' (some runs hit the time limit)' : '';
      return [
        contender.name,
        range(done.map((run) => run.stats.refreshCalls)),
        range(done.map((run) => run.stats.requests)),
        range(done.map((run) => run.succeeded)),
        range(done.map((run) => run.stats.reuses)),
        `${median(done.map((run) => run.ms)).toFixed(0)} ms${timedOut}`,
        perRequest === undefined ? 'n/a (run with --expose-gc)' : `${(perRequest / 1024).toFixed(2)} kB`,
        verdict(contender, n, done),
      ];
    });
    const stormTable = table(
      [
        `N = ${n}`,
        'refresh calls',
        'server requests',
        'succeeded',
        'rotated-token reuses',
        `settled (median of ${count})`,
        'heap per waiting request',
        'goal',
      ],
      rows,
    );
    console.log(`${stormTable}\n`);
    stormTables.push(stormTable);
  }
} finally {
  await server.close();
}

const series = (key: 'ms' | 'requests') => [...grows].map(([name, growth]) => ({ name, points: growth[key] }));
mkdirSync(CHARTS, { recursive: true });
writeFileSync(
  new URL('storm-time.svg', CHARTS),
  lineChart({ title: 'Expiry storm: time until every request settled', x: 'N, requests at expiry', y: 'milliseconds (median)', series: series('ms') }),
);
writeFileSync(
  new URL('storm-requests.svg', CHARTS),
  lineChart({ title: 'Expiry storm: requests the server received', x: 'N, requests at expiry', y: 'server requests (median)', series: series('requests') }),
);
const charts = [
  '![Time until every request of the storm settled, per contender, as N grows](charts/storm-time.svg)',
  '![Requests the server received during the storm, per contender, as N grows](charts/storm-requests.svg)',
].join('\n\n');

console.log('Bytes...');
const bytes = await measureBytes();
console.log(`${bytes.doc}\n`);
writeSections(README, { sizes: bytes.readme });

writeSections(DOC, {
  machine: machineTable,
  overhead: overheadTable,
  'fetch-overhead': fetchTable,
  storm: [charts, `All requests of a run share one keep-alive agent of ${MAX_SOCKETS} sockets.`, ...stormTables].join('\n\n'),
  bytes: bytes.doc,
});
console.log('Wrote docs/benchmarks.md');
