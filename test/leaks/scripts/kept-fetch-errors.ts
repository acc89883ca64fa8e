/**
 * The fetch side's errors, kept by an app after it dropped the wrapped fetch and its session, must
 * not keep either alive. Each scenario makes a session whose `refresh` closes over the wrapped
 * fetch, fails one way, keeps what the app was given, drops the rest and counts what is alive.
 */
import { SessionExpiredError, bearer, createRefreshFetch, createRefreshSession } from '../../../src/fetch.js';
import type { FetchSessionOptions } from '../../../src/fetch.js';
import { keepErrors } from './harness.js';
import type { KeptErrorsScenario } from './harness.js';

const COUNT = Number(process.env.COUNT ?? 100);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Module functions, so that nothing a call is given closes over a scenario.
const unauthorized = (): Promise<Response> => Promise.resolve(new Response(null, { status: 401 }));
const abortLater = (controller: AbortController): void => {
  setImmediate(() => {
    controller.abort();
  });
};
const streamBody = (): RequestInit =>
  ({
    method: 'POST',
    duplex: 'half',
    body: new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array([1]));
        c.close();
      },
    }),
  }) as unknown as RequestInit;

type Outcome = 'never' | number | 'throw';

interface Made {
  authFetch: typeof fetch;
  session: ReturnType<typeof createRefreshSession>;
}

function make(outcome: Outcome, options: Partial<FetchSessionOptions> = {}): Made {
  const holder: { authFetch?: typeof fetch } = {};
  const session = createRefreshSession({
    accessToken: bearer(() => undefined),
    refresh: async () => {
      if (!holder.authFetch) throw new Error('no wrapped fetch');
      if (outcome === 'throw') throw new SessionExpiredError('no refresh token');
      if (outcome === 'never') return new Promise(() => undefined);
      await turn();
      await turn();
      return new Response(null, { status: outcome });
    },
    ...options,
  });
  const authFetch = createRefreshFetch(unauthorized, { session });
  holder.authFetch = authFetch;
  return { authFetch, session };
}

const caught = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (error: unknown) => error);

const scenarios: Record<string, KeptErrorsScenario<Made>> = {
  timeout: async (made) => {
    const m = make('never', { refreshTimeout: 5 });
    made(m);
    return [await caught(m.authFetch('/r'))];
  },
  'failed-answer': async (made) => {
    const m = make(503);
    made(m);
    return [await caught(m.authFetch('/r'))];
  },
  'session-ended': async (made) => {
    const errors: unknown[] = [];
    const m = make(401, { onSessionExpired: (error) => void errors.push(error) });
    made(m);
    errors.push(await caught(m.authFetch('/r')));
    // A later 401 on the ended session.
    errors.push(await caught(m.authFetch('/r')));
    return errors;
  },
  'cooling-down': async (made) => {
    const m = make(503);
    made(m);
    return [await caught(m.authFetch('/r')), await caught(m.authFetch('/r'))];
  },
  'thrown-at-once': async (made) => {
    const m = make('throw');
    made(m);
    return [await caught(m.authFetch('/r'))];
  },
  'held-aborted': async (made) => {
    const m = make(503);
    made(m);
    const first = caught(m.authFetch('/r'));
    while (!m.session.refreshing) await turn();
    const controller = new AbortController();
    const held = caught(m.authFetch('/held', { signal: controller.signal }));
    abortLater(controller);
    return [await held, await first];
  },
  // The call waits for the refresh it started, which succeeds: then its stream cannot be sent again.
  'not-replayable': async (made) => {
    const m = make(200);
    made(m);
    return [await caught(m.authFetch('/upload', streamBody()))];
  },
  // The same, with the error's stack and its cause's read as it is caught: what pins, if anything.
  'not-replayable-read': async (made) => {
    const m = make(200);
    made(m);
    const error = (await caught(m.authFetch('/upload', streamBody()))) as Error & { cause: Error };
    Reflect.get(error, 'stack');
    Reflect.get(error.cause, 'stack');
    return [error];
  },
  // `refresh` keeps the failed answer it was given as `error` (a breadcrumb for an error tracker).
  'refresh-context-error': async (made) => {
    const errors: unknown[] = [];
    const m = make(503, {
      refresh: async ({ error }) => {
        errors.push(error);
        await turn();
        return new Response(null, { status: 503 });
      },
    });
    made(m);
    await caught(m.authFetch('/r'));
    return errors;
  },
};

await keepErrors(
  scenarios,
  (made) => [made.authFetch, made.session],
  (error) => {
    const code = (error as { code?: string | number } | null)?.code;
    return error instanceof Error ? `${error.name}${code === undefined ? '' : `:${code}`}` : String(error);
  },
  COUNT,
);
