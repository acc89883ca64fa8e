/**
 * An app may keep the errors it was given (a log of recent errors, an error tracker's buffer) long
 * after it dropped the instances they came from. Kept, those errors must not keep the instances,
 * their interceptors or their sessions alive. Each scenario makes instances whose `refresh` closes
 * over the instance, as an app's refresh often does, makes each fail one way, keeps the errors the
 * app is given, drops the rest and counts what is still alive. Run one scenario by name.
 */
import axios from 'axios';
import type { AxiosAdapter, AxiosInstance } from 'axios';
import { SessionExpiredError, createRefreshInterceptor, getAccessToken } from '../../../src/index.js';
import type { RefreshInterceptorOptions } from '../../../src/index.js';
import { bearer, createRefreshFetch, createRefreshSession } from '../../../src/fetch.js';
import { respond } from '../../helpers/memory-adapter.js';
import { keepErrors } from './harness.js';
import type { KeptErrorsScenario } from './harness.js';

const COUNT = Number(process.env.COUNT ?? 500);

/** How the refresh endpoint answers: never, or with this status. */
type Refresh = 'never' | number;

/** A server in memory whose protected routes always answer 401, and whose refresh answers `refresh`. */
function adapterFor(refresh: Refresh): AxiosAdapter {
  return (config) => {
    if (config.url !== '/refresh') return respond(config, 401, {});
    if (refresh === 'never') return new Promise(() => undefined);
    // A turn later, as over a network: a request made meanwhile finds the refresh out.
    return new Promise((resolve) => setImmediate(resolve)).then(() => respond(config, refresh, {}));
  };
}

// A module's function, so that the requests' configs close over nothing of a scenario.
const anyStatus = (): boolean => true;

interface Made {
  api: AxiosInstance;
  interceptor: ReturnType<typeof createRefreshInterceptor>;
}

/** An instance whose `refresh` posts through the instance itself, with its own options added. */
function make(refresh: Refresh, options: Partial<RefreshInterceptorOptions> = {}): Made {
  const api = axios.create({ adapter: adapterFor(refresh) });
  const interceptor = createRefreshInterceptor(api, {
    // Resolves whatever the status, so that a failed answer is judged by the library.
    refresh: () => api.post('/refresh', undefined, { skipAuthRefresh: true, validateStatus: anyStatus }),
    ...options,
  });
  return { api, interceptor };
}

/** Resolves once the instance's session has a refresh out, which a 401 starts a few ticks after it is sent. */
async function refreshing({ interceptor }: Made): Promise<void> {
  while (!interceptor.session.refreshing) await new Promise((resolve) => setImmediate(resolve));
}

interface Fetched {
  authFetch: typeof fetch;
  session: ReturnType<typeof createRefreshSession>;
}

/** A wrapped `fetch` whose `refresh` closes over it, on a session that has no token yet. */
function makeFetch(): Fetched {
  const unauthorized = (): Promise<Response> => Promise.resolve(new Response(null, { status: 401 }));
  const holder: { authFetch?: typeof fetch } = {};
  const session = createRefreshSession({
    accessToken: bearer(() => undefined),
    refresh: async () => {
      // What an app's refresh reaches: the module that made the wrapped fetch.
      if (!holder.authFetch) throw new Error('refreshed before the wrapped fetch was made');
      await new Promise((resolve) => setImmediate(resolve));
      return new Response(null, { status: 503 });
    },
  });
  const authFetch = createRefreshFetch(unauthorized, { session });
  holder.authFetch = authFetch;
  return { authFetch, session };
}

const caught = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (error: unknown) => error);

/**
 * Each scenario makes one instance, fails it its way and gives back the errors the app sees;
 * `made` is told of what must not stay alive.
 */
const scenarios: Record<string, KeptErrorsScenario<Made | Fetched>> = {
  // `refresh` outlasts `refreshTimeout`: the waiting request rejects with RefreshFailedError.
  timeout: async (made) => {
    const m = make('never', { refreshTimeout: 5 });
    made(m);
    return [await caught(m.api.get('/r'))];
  },
  // `refresh` resolves with a 503 answer, which the library judges a transient failure.
  'failed-answer': async (made) => {
    const m = make(503);
    made(m);
    return [await caught(m.api.get('/r'))];
  },
  // The server rejects the refresh: the error `onSessionExpired` is given, and the request's.
  'session-ended': async (made) => {
    const errors: unknown[] = [];
    const m = make(401, { onSessionExpired: (error) => void errors.push(error) });
    made(m);
    errors.push(await caught(m.api.get('/r')));
    return errors;
  },
  // `refresh` throws at once, as an app's does when it has no refresh token to send.
  'thrown-at-once': async (made) => {
    const m = make(401, {
      refresh: () => {
        throw new SessionExpiredError('no refresh token');
      },
    });
    made(m);
    return [await caught(m.api.get('/r'))];
  },
  // The same with a cause made in `refresh` too: every error of the chain records its frames.
  'thrown-with-cause': async (made) => {
    const m = make(401, {
      refresh: () => {
        throw new SessionExpiredError(new Error('no refresh token in storage'));
      },
    });
    made(m);
    return [await caught(m.api.get('/r'))];
  },
  // `getAccessToken` waits on the refresh a 401 started, and rejects when it fails.
  'get-access-token': async (made) => {
    const m = make(503);
    made(m);
    const request = caught(m.api.get('/r'));
    await refreshing(m);
    return [await caught(getAccessToken(m.interceptor.session)), await request];
  },
  // The interceptor is ejected while `getAccessToken` waits on its refresh.
  ejected: async (made) => {
    const m = make('never');
    made(m);
    const request = caught(m.api.get('/r'));
    await refreshing(m);
    const token = caught(getAccessToken(m.interceptor.session));
    m.interceptor.eject();
    return [await token, await request];
  },
  // The same on the fetch side: `getAccessToken` on a session whose `refresh` resolves with a 503.
  'fetch-get-access-token': async (made) => {
    const f = makeFetch();
    made(f);
    return [await caught(getAccessToken(f.session))];
  },
};

await keepErrors(
  scenarios,
  (made) => ('api' in made ? [made.api, made.interceptor, made.interceptor.session] : [made.authFetch, made.session]),
  (error) => (error instanceof Error ? error.name : String(error)),
  COUNT,
);
