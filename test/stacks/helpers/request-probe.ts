import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import { createRefreshInterceptor } from '../../../src/index.js';

export interface Hit {
  method: string;
  /** path + query string, as sent */
  url: string;
  path: string;
  status: number;
  auth: string | undefined;
  rawHeaders: string[];
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface ProbeServer {
  url: string;
  hits: Hit[];
  access: string;
  refreshes: number;
  expire(): void;
  /** hits to paths (not /refresh) */
  api(path?: string): Hit[];
  close(): Promise<void>;
  /** Holds /refresh until released. */
  holdRefresh(): () => void;
  /** The underlying node:http server. */
  raw?: http.Server;
}

/** Counts how many times a header name (case-insensitive) appears in the raw header list. */
export function headerCount(hit: Hit, name: string): number {
  let n = 0;
  for (let i = 0; i < hit.rawHeaders.length; i += 2) if (hit.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) n += 1;
  return n;
}

export async function startProbe(): Promise<ProbeServer> {
  let gen = 0;
  let hold: Promise<void> | undefined;
  const state: ProbeServer = {
    url: '',
    hits: [],
    access: 'access-0',
    refreshes: 0,
    expire() {
      state.access = `dead-${Math.random()}`;
    },
    api(path) {
      return state.hits.filter((h) => h.path !== '/refresh' && (path === undefined || h.path === path));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => { r(); }));
    },
    holdRefresh() {
      let release!: () => void;
      hold = new Promise<void>((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = req.url ?? '/';
        const path = url.split('?')[0]!;
        const auth = req.headers.authorization;
        const hit: Hit = { method: req.method ?? '', url, path, status: 0, auth, rawHeaders: req.rawHeaders, headers: req.headers, body };
        state.hits.push(hit);
        if (path === '/refresh') {
          if (hold) await hold;
          gen += 1;
          state.refreshes += 1;
          state.access = `access-${gen}`;
          hit.status = 200;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access: state.access }));
          return;
        }
        if (path.startsWith('/redirect/')) {
          const code = Number(path.split('/')[2]);
          hit.status = code;
          res.writeHead(code, { location: '/api/redirected' });
          res.end();
          return;
        }
        const ok = auth === `Bearer ${state.access}`;
        hit.status = ok ? 200 : 401;
        const payload = JSON.stringify({
          ok,
          method: req.method,
          url,
          contentType: req.headers['content-type'],
          length: body.length,
          body: body.toString('latin1'),
        });
        if (path.startsWith('/gzip')) {
          res.writeHead(hit.status, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(zlib.gzipSync(payload));
          return;
        }
        if (path.startsWith('/text')) {
          res.writeHead(hit.status, { 'content-type': 'text/plain' });
          res.end(ok ? 'hello text' : 'denied');
          return;
        }
        res.writeHead(hit.status, { 'content-type': 'application/json' });
        res.end(payload);
      })();
    });
  });
  state.raw = server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A bearer app: token in a store, set by a request interceptor; refresh through client. */
export function probeApp(
  server: ProbeServer,
  defaults: CreateAxiosDefaults = {},
  opts: { interceptor?: boolean; responseInterceptor?: boolean } = {},
): { api: AxiosInstance; store: { token: string } } {
  const store = { token: server.access };
  const api = axios.create({ baseURL: server.url, ...defaults });
  if (opts.interceptor !== false) {
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${store.token}`);
      return config;
    });
  }
  createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string }>('/refresh', null, { adapter: 'http' });
      store.token = data.access;
    },
  });
  if (opts.responseInterceptor) api.interceptors.response.use((r) => r);
  return { api, store };
}

export async function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`still pending after ${ms} ms`)); }, ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a failed request is read for here. */
export interface Failure {
  code?: string;
  message?: string;
}

export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Failure }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error as Failure }),
  );
}
