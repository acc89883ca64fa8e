/**
 * Instances attached, used and dropped, and interceptors ejected while requests wait, must
 * leave nothing reachable behind. Each scenario keeps WeakRefs to what it made, drops
 * everything else, collects garbage and counts what is still alive. Run one scenario by name.
 */
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { createRefreshInterceptor, createRefreshSession } from '../../../src/index.js';
import type { RefreshContext } from '../../../src/index.js';
import { activeTimers, alive, bearerInstance, collect, instantServer, report } from './harness.js';

const COUNT = Number(process.env.COUNT ?? 10_000);

/** Attached, made to refresh once, then dropped: the instance and all it made must go. */
async function ownSessions(): Promise<object> {
  const server = instantServer();
  const refs: Array<WeakRef<object>> = [];
  // Each instance in a call of its own, as in sharedSession below: a suspended loop in this
  // function could still point at the last one when garbage is collected, until V8 optimises it.
  const useOne = async (): Promise<void> => {
    const { api, refresh } = bearerInstance(server);
    const interceptor = createRefreshInterceptor(api, { refresh });
    server.expire();
    await api.get('/r');
    refs.push(new WeakRef(api), new WeakRef(interceptor), new WeakRef(interceptor.session));
  };
  for (let i = 0; i < COUNT; i += 1) await useOne();
  await collect();
  return { instances: COUNT, refreshes: server.refreshes, alive: alive(refs) };
}

/** Instances sharing one long-lived session: attached, used, optionally ejected, dropped. */
async function sharedSession(eject: boolean): Promise<object> {
  const server = instantServer();
  const store = { token: 'access-0' };
  const session = createRefreshSession({
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string }>('/refresh');
      store.token = data.access;
    },
  });
  const instances: Array<WeakRef<object>> = [];
  const interceptors: Array<WeakRef<object>> = [];
  // In a function of its own, so that no register of this suspended async function still
  // points at the last instance when garbage is collected.
  const useOne = async (): Promise<void> => {
    const api = axios.create({ adapter: server.adapter });
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${store.token}`);
      return config;
    });
    const interceptor = createRefreshInterceptor(api, { session });
    server.expire();
    await api.get('/r');
    if (eject) interceptor.eject();
    instances.push(new WeakRef(api));
    interceptors.push(new WeakRef(interceptor));
  };
  for (let i = 0; i < COUNT; i += 1) await useOne();
  await collect();
  // The session is still in use here: it must not be what keeps the instances alive.
  return {
    instances: COUNT,
    refreshes: server.refreshes,
    alive: alive(instances) + alive(interceptors),
    aliveInstances: alive(instances),
    sessionInUse: !session.refreshing,
  };
}

function handlers(api: AxiosInstance): number {
  const managers = [api.interceptors.request, api.interceptors.response] as unknown as Array<{ handlers: unknown[] }>;
  return managers.reduce((sum, manager) => sum + manager.handlers.filter(Boolean).length, 0);
}

/**
 * One long-lived instance; over and over an interceptor is attached, a request gets a 401 and
 * waits on a refresh that never answers (it only stops when its signal aborts, so that the next
 * interceptor need not wait out the call the ejected one left), another is held behind it, and
 * the interceptor is ejected. Both requests settle, and nothing of the interceptor, its session, the abandoned
 * refresh or the requests stays reachable from the instance.
 */
async function ejectWhileWaiting(): Promise<object> {
  const server = instantServer();
  const { api } = bearerInstance(server);
  const baseline = handlers(api);
  const timersBefore = activeTimers();
  const refs: Array<WeakRef<object>> = [];
  const outcomes = new Map<string, number>();
  const count = (key: string): void => {
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  };
  // One cycle per call, so that nothing of the last one stays in a suspended frame (see ownSessions).
  const cycle = async (): Promise<void> => {
    let started!: () => void;
    const refreshing = new Promise<void>((resolve) => {
      started = resolve;
    });
    const interceptor = createRefreshInterceptor(api, {
      refresh: (context: RefreshContext) => {
        refs.push(new WeakRef(context.signal), new WeakRef(context.client));
        started();
        const { signal } = context;
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reject(signal.reason as Error);
          });
        });
      },
    });
    server.expire();
    const failed = api.get('/failed').catch((error: unknown) => error);
    await refreshing;
    const held = api.get('/held').catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    interceptor.eject();
    for (const result of await Promise.all([failed, held])) {
      count(axios.isAxiosError(result) ? `${result.config?.url ?? '?'} ${result.response?.status ?? 'no response'}` : 'other');
      if (typeof result === 'object' && result !== null) refs.push(new WeakRef(result));
    }
    refs.push(new WeakRef(interceptor), new WeakRef(interceptor.session));
  };
  for (let i = 0; i < COUNT; i += 1) await cycle();
  await collect();
  return {
    cycles: COUNT,
    outcomes: Object.fromEntries(outcomes),
    alive: alive(refs),
    handlersLeft: handlers(api) - baseline,
    timersLeft: activeTimers() - timersBefore,
  };
}

/**
 * Instances sharing a long-lived session are ejected while their requests wait on its refresh,
 * which succeeds afterwards. Once it has, nothing of the ejected instances stays reachable.
 */
async function ejectWhileSharedRefreshRuns(): Promise<object> {
  const server = instantServer();
  const store = { token: 'access-0' };
  let release: () => void = () => undefined;
  const session = createRefreshSession({
    refresh: async ({ client }) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      const { data } = await client.post<{ access: string }>('/refresh');
      store.token = data.access;
    },
  });
  const refs: Array<WeakRef<object>> = [];
  let passedThrough = 0;
  // One instance per call, so that nothing of the last one stays in a suspended frame (see ownSessions).
  const useOne = async (): Promise<void> => {
    const api = axios.create({ adapter: server.adapter });
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${store.token}`);
      return config;
    });
    const interceptor = createRefreshInterceptor(api, { session });
    server.expire();
    const waiting = api.get('/r').catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    interceptor.eject();
    const result = await waiting;
    if (axios.isAxiosError(result) && result.response?.status === 401) passedThrough += 1;
    // The refresh answers after the eject; the next instance starts from fresh credentials.
    release();
    await new Promise((resolve) => setImmediate(resolve));
    refs.push(new WeakRef(api), new WeakRef(interceptor));
    if (typeof result === 'object' && result !== null) refs.push(new WeakRef(result));
  };
  for (let i = 0; i < COUNT; i += 1) await useOne();
  await collect();
  return { instances: COUNT, passedThrough, refreshes: server.refreshes, refreshing: session.refreshing, alive: alive(refs) };
}

const scenarios: Record<string, () => Promise<object>> = {
  'own-sessions': ownSessions,
  'shared-session-ejected': () => sharedSession(true),
  'shared-session-dropped': () => sharedSession(false),
  'eject-while-waiting': ejectWhileWaiting,
  'eject-while-shared-refresh-runs': ejectWhileSharedRefreshRuns,
};

const name = process.argv[2] ?? '';
const scenario = scenarios[name];
if (!scenario) throw new Error(`unknown scenario ${name}; one of: ${Object.keys(scenarios).join(', ')}`);
const started = performance.now();
report({ scenario: name, ...(await scenario()), ms: Math.round(performance.now() - started) });
