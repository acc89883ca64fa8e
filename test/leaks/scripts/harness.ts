import axios from 'axios';
import type { AxiosAdapter, AxiosInstance } from 'axios';
import { respond } from '../../helpers/memory-adapter.js';

/**
 * Shared by the leak scripts, which run in a child `node --expose-gc` (see ../leaks.test.ts)
 * and print one JSON line for the test to check.
 */

const { gc } = globalThis;

/**
 * Collects garbage until nothing more goes, letting finalizers and WeakRefs catch up between:
 * at least six rounds, then until the heap stops shrinking (at most twenty). Six rounds on a
 * loaded machine once measured 70 KB where 4 000 dropped instances measure under 15 KB:
 * finalizers that had not run yet are the likely reason.
 */
export async function collect(): Promise<void> {
  if (!gc) throw new Error('run with node --expose-gc');
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 20; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (i >= 5 && used >= last) return;
    last = used;
  }
}

export async function heapAfterCollect(): Promise<number> {
  await collect();
  return process.memoryUsage().heapUsed;
}

export function alive(refs: ReadonlyArray<WeakRef<object>>): number {
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

/** Timers keeping the process alive: left behind, they keep what they close over too. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

export function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** One way of failing: makes what must not stay alive (telling `made` of it) and gives back the errors the app got. */
export type KeptErrorsScenario<M> = (made: (made: M) => void) => Promise<unknown[]>;

/**
 * Runs the scenario named on the command line `count` times, each in a call of its own (a
 * suspended loop could still point at the last one), keeps every error it gives as an app's error
 * log would, collects, and reports how many errors of each `key` were kept and how many of the
 * objects `refsOf` names are still alive.
 */
export async function keepErrors<M>(
  scenarios: Record<string, KeptErrorsScenario<M>>,
  refsOf: (made: M) => object[],
  key: (error: unknown) => string,
  count: number,
): Promise<void> {
  const name = process.argv[2] ?? '';
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`unknown scenario ${name}; one of: ${Object.keys(scenarios).join(', ')}`);
  const kept: unknown[] = [];
  const refs: Array<WeakRef<object>> = [];
  const outcomes = new Map<string, number>();
  const useOne = async (): Promise<void> => {
    const errors = await scenario((made) => {
      for (const object of refsOf(made)) refs.push(new WeakRef(object));
    });
    for (const error of errors) outcomes.set(key(error), (outcomes.get(key(error)) ?? 0) + 1);
    kept.push(...errors);
  };
  for (let i = 0; i < count; i += 1) await useOne();
  await collect();
  report({ scenario: name, made: count, kept: kept.length, outcomes: Object.fromEntries(outcomes), alive: alive(refs) });
}

/**
 * An auth server in memory that answers at once, without sockets or timers: `/refresh` issues a
 * new access token, anything else is 200 with the current one and 401 without.
 */
export interface InstantServer {
  readonly adapter: AxiosAdapter;
  readonly refreshes: number;
  expire(): void;
}

export function instantServer(): InstantServer {
  let access = 'access-0';
  let refreshes = 0;
  return {
    adapter: (config) => {
      if (config.url === '/refresh') {
        refreshes += 1;
        access = `access-${refreshes}`;
        return respond(config, 200, { access });
      }
      return respond(config, config.headers.get('Authorization') === `Bearer ${access}` ? 200 : 401, {});
    },
    get refreshes() {
      return refreshes;
    },
    expire() {
      access = 'expired';
    },
  };
}

/** An app instance with its bearer token in memory, and the `refresh` that renews it. */
export function bearerInstance(server: InstantServer): {
  api: AxiosInstance;
  refresh: (context: { client: AxiosInstance }) => Promise<void>;
} {
  const store = { token: 'access-0' };
  const api = axios.create({ adapter: server.adapter });
  api.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${store.token}`);
    return config;
  });
  return {
    api,
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string }>('/refresh');
      store.token = data.access;
    },
  };
}
