import axios from 'axios';
import type { AxiosAdapter, AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { Bench } from 'tinybench';
import { authRefreshInstance } from './contenders.js';
import { bearer, createRefreshInterceptor, expiry, jwtExpiry } from './library.js';
import { median, quantile } from './stats.js';

// Short rounds, many of them, each with the cases in turn: drift of a 2-core machine (frequency,
// a neighbour's load, GC of the previous round) then lands on all cases alike, and each round's
// ratio compares figures taken side by side.
const ROUNDS = 20;
const ROUND_TIME_MS = 200;
const WARMUP_TIME_MS = 50;

/** Answers at once, so that a request costs only axios and its interceptors. */
const memoryAdapter: AxiosAdapter = (config) =>
  Promise.resolve({ data: null, status: 200, statusText: 'OK', headers: {}, config, request: {} });

/** A JWT that expires in an hour: read for its `exp` once, then compared on every request. */
const TOKEN = [{ alg: 'HS256' }, { exp: Math.floor(Date.now() / 1000) + 3_600 }]
  .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
  .concat('c2ln')
  .join('.');

export interface OverheadCase {
  name: string;
  /** Median over rounds of each round's median latency, in microseconds. */
  medianUs: number;
  /** Median over rounds of this case's median divided by bare axios's in the same round. */
  ratio: number;
  /** Interquartile range of those per-round ratios: how far one round can be trusted. */
  ratioIqr: [number, number];
}

function instances(withAhead: boolean): Array<[string, AxiosInstance]> {
  const bare = axios.create({ adapter: memoryAdapter });
  const ours = axios.create({ adapter: memoryAdapter });
  createRefreshInterceptor(ours, { refresh: () => undefined });
  const theirs = axios.create({ adapter: memoryAdapter });
  createAuthRefresh(authRefreshInstance(theirs), () => Promise.resolve());
  const cases: Array<[string, AxiosInstance]> = [
    ['bare axios', bare],
    ['axios-refresh-interceptor', ours],
  ];
  if (withAhead) {
    const ahead = axios.create({ adapter: memoryAdapter });
    createRefreshInterceptor(ahead, {
      refresh: () => undefined,
      expiresAt: expiry(() => Date.now() + 3_600_000, 30_000),
    });
    cases.push(['axios-refresh-interceptor with `expiry`', ahead]);
    const withBearer = axios.create({ adapter: memoryAdapter });
    createRefreshInterceptor(withBearer, { refresh: () => undefined, accessToken: bearer(() => TOKEN), expiresAt: jwtExpiry(() => TOKEN) });
    cases.push(['axios-refresh-interceptor with `bearer` and `jwtExpiry`', withBearer]);
    // What an app without the library writes to send the same header.
    const header = axios.create({ adapter: memoryAdapter });
    header.interceptors.request.use(
      (config) => {
        config.headers.set('Authorization', `Bearer ${TOKEN}`);
        return config;
      },
      null,
      { synchronous: true },
    );
    cases.push(['bare axios with a header interceptor (for reference)', header]);
  }
  cases.push(['axios-auth-refresh 5 (for reference)', theirs]);
  return cases;
}

/** One way of sending a request, timed against the others round by round. */
export type Sender = [name: string, send: () => Promise<unknown>];

/**
 * Medians and ratios to the first sender of `senders`, over short rounds in which each sender
 * runs in turn.
 */
export async function compare(senders: readonly Sender[]): Promise<OverheadCase[]> {
  const base = senders[0]![0];
  const latencies = new Map<string, number[]>(senders.map(([name]) => [name, []]));
  const ratios = new Map<string, number[]>(senders.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const bench = new Bench({ time: ROUND_TIME_MS, warmupTime: WARMUP_TIME_MS, throws: true });
    // Rotated each round, so that no case always runs first (or right after a collection).
    for (let i = 0; i < senders.length; i += 1) {
      const [name, send] = senders[(i + round) % senders.length]!;
      bench.add(name, async () => {
        await send();
      });
    }
    await bench.run();
    const roundMedians = new Map<string, number>();
    for (const task of bench.tasks) {
      const { result } = task;
      if (result.state !== 'completed') throw new Error(`${task.name} did not complete: ${result.state}`);
      roundMedians.set(task.name, result.latency.p50);
    }
    const baseline = roundMedians.get(base)!;
    for (const [name, latency] of roundMedians) {
      latencies.get(name)!.push(latency);
      ratios.get(name)!.push(latency / baseline);
    }
  }
  return senders.map(([name]) => {
    const roundRatios = ratios.get(name)!;
    return {
      name,
      medianUs: median(latencies.get(name)!) * 1000,
      ratio: median(roundRatios),
      ratioIqr: [quantile(roundRatios, 0.25), quantile(roundRatios, 0.75)],
    };
  });
}

/** Success-path cost: requests that never see a 401, with and without a refresh interceptor. */
export function measureOverhead(withAhead: boolean): Promise<OverheadCase[]> {
  return compare(instances(withAhead).map(([name, instance]): Sender => [name, () => instance.get('item')]));
}
