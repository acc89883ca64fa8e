/**
 * The script of a page that calls its API through axios and through `fetch` on one session:
 * bundled for the browser by the test. With `?tabs` in its address the session is
 * `createTabSession`, shared with the other tabs (tokens handed over by `shareTokens`), else
 * `createRefreshSession`.
 */
import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { bearer, createRefreshInterceptor, createRefreshSession, jwtExpiry } from '../../../src/index.js';
import { createRefreshFetch } from '../../../src/fetch.js';
import { createTabSession } from '../../../src/tabs.js';
import type { Tokens } from '../../bearer/helpers/jwt-server.js';
import { BODIES, FETCH_CALLS } from './fetch-calls.js';
import type { FetchCall } from './fetch-calls.js';

/** How one call ended: the status of its final answer, or what it rejected with. */
export type Outcome =
  | { readonly name: string; readonly status: number }
  | { readonly name: string; readonly error: { readonly name: string; readonly code: string | undefined; readonly message: string } };

/** One `fetch` the wrapped function made, as it returned. */
export interface Attempt {
  readonly url: string;
  readonly status: number;
}

/** What the test does in the page, through `window.fetchTab`. */
export interface FetchTab {
  /** Installs tokens, as a log-in does. */
  setTokens(tokens: Tokens): void;
  /** The tokens the page holds now. */
  tokens(): Tokens;
  /** True while the session's refresh runs in this page. */
  refreshing(): boolean;
  /**
   * Starts, all at once, `axiosCount` axios GETs to `prefix/axios/0`… and one `fetch` call of
   * each kind in {@link FETCH_CALLS} to `prefix/fetch/<kind>`, and resolves to how each ended.
   */
  storm(prefix: string, axiosCount: number): Promise<Outcome[]>;
  /** Starts `GET path` through the wrapped `fetch` with an AbortController of its own, under `id`. */
  begin(id: string, path: string): void;
  /** Aborts the call `id`. */
  abort(id: string): void;
  /** How the call `id` ended, or `undefined` while it runs. */
  settled(id: string): Outcome | undefined;
  /** Waits for the call `id` to end. */
  outcome(id: string): Promise<Outcome>;
  /** Every `fetch` the wrapped function made so far. */
  attempts(): Attempt[];
  /** `POST path` through the wrapped `fetch` with a `ReadableStream` body (`duplex: 'half'`). */
  postStream(path: string, text: string): Promise<Outcome>;
}

let tokens: Tokens = { access: '', refresh: '' };

const refresh = async ({ client }: { client: AxiosInstance }): Promise<void> => {
  tokens = (await client.post<Tokens>('/refresh', { refresh: tokens.refresh })).data;
};
const accessToken = bearer((): string => tokens.access);
const expiresAt = jwtExpiry((): string => tokens.access);
const session = new URLSearchParams(location.search).has('tabs')
  ? createTabSession<Tokens>({
      name: 'fetch-storm',
      refresh,
      accessToken,
      expiresAt,
      shareTokens: {
        read: () => tokens,
        write: (next) => {
          tokens = next;
        },
      },
    })
  : createRefreshSession({ refresh, accessToken, expiresAt });

const api = axios.create({ baseURL: location.origin });
createRefreshInterceptor(api, { session });

const attempts: Attempt[] = [];
const authFetch = createRefreshFetch(
  async (input, init) => {
    const response = await fetch(input, init);
    attempts.push({ url: response.url, status: response.status });
    return response;
  },
  { session },
);

function failure(name: string, error: unknown): Outcome {
  const { name: kind, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name,
    error: { name: String(kind), code: typeof code === 'string' ? code : undefined, message: String(message) },
  };
}

async function viaAxios(name: string, path: string): Promise<Outcome> {
  try {
    return { name, status: (await api.get(path)).status };
  } catch (error) {
    if (isAxiosError(error) && error.response) return { name, status: error.response.status };
    return failure(name, error);
  }
}

async function viaFetch(name: string, input: RequestInfo | URL, init?: RequestInit): Promise<Outcome> {
  try {
    const response = await authFetch(input, init);
    // Read to the end, as an app would: the answer must be whole.
    await response.text();
    return { name, status: response.status };
  } catch (error) {
    return failure(name, error);
  }
}

const encoder = new TextEncoder();

/** The `fetch` call of kind `kind` to `path`, started now. */
function fetchCall(kind: FetchCall, path: string): Promise<Outcome> {
  const json = { 'content-type': 'application/json' };
  switch (kind) {
    case 'get-string':
      return viaFetch(kind, path);
    case 'get-url':
      return viaFetch(kind, new URL(path, location.origin));
    case 'get-request':
      return viaFetch(kind, new Request(path, { headers: { 'x-kind': kind } }));
    case 'post-json':
      return viaFetch(kind, path, { method: 'POST', headers: json, body: BODIES[kind] });
    case 'post-form': {
      const form = new FormData();
      form.append('title', 'Ada’s task');
      form.append('file', new Blob(['file contents ✓'], { type: 'text/plain' }), 'notes.txt');
      return viaFetch(kind, path, { method: 'POST', body: form });
    }
    case 'post-blob':
      return viaFetch(kind, path, { method: 'POST', body: new Blob([BODIES[kind]], { type: 'application/octet-stream' }) });
    case 'post-params':
      return viaFetch(kind, path, { method: 'POST', body: new URLSearchParams({ q: 'a b', lang: 'é' }) });
    case 'put-bytes':
      return viaFetch(kind, path, { method: 'PUT', headers: { 'x-kind': kind }, body: encoder.encode(BODIES[kind]) });
    case 'patch-buffer':
      return viaFetch(kind, path, { method: 'PATCH', body: encoder.encode(BODIES[kind]).buffer });
    case 'post-request':
      return viaFetch(kind, new Request(path, { method: 'POST', headers: json, body: BODIES[kind] }));
  }
}

const calls = new Map<string, { controller: AbortController; promise: Promise<Outcome>; outcome?: Outcome }>();

function call(id: string): { controller: AbortController; promise: Promise<Outcome>; outcome?: Outcome } {
  const entry = calls.get(id);
  if (!entry) throw new Error(`no call ${id}`);
  return entry;
}

const tab: FetchTab = {
  setTokens(next) {
    tokens = { ...next };
  },
  tokens: () => tokens,
  refreshing: () => session.refreshing,
  storm(prefix, axiosCount) {
    return Promise.all([
      ...Array.from({ length: axiosCount }, (_, i) => viaAxios(`axios-${i}`, `${prefix}/axios/${i}`)),
      ...FETCH_CALLS.map((kind) => fetchCall(kind, `${prefix}/fetch/${kind}`)),
    ]);
  },
  begin(id, path) {
    const controller = new AbortController();
    const entry: { controller: AbortController; promise: Promise<Outcome>; outcome?: Outcome } = {
      controller,
      promise: viaFetch(id, path, { signal: controller.signal }).then((outcome) => {
        entry.outcome = outcome;
        return outcome;
      }),
    };
    calls.set(id, entry);
  },
  abort(id) {
    call(id).controller.abort();
  },
  settled: (id) => call(id).outcome,
  outcome: (id) => call(id).promise,
  attempts: () => [...attempts],
  postStream(path, text) {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(text));
        controller.close();
      },
    });
    // `duplex` is not in TypeScript's RequestInit yet.
    const init = { method: 'POST', body, duplex: 'half' } as RequestInit;
    return viaFetch('stream', path, init);
  },
};

(window as Window & { fetchTab?: FetchTab }).fetchTab = tab;
