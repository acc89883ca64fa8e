import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, seen: Seen) => void | Promise<void>;

export interface Probe {
  url: string;
  seen: Seen[];
  handler: Handler;
  close(): Promise<void>;
  paths(prefix: string): Seen[];
}

export async function probeServer(handler: Handler, readBody = true): Promise<Probe> {
  const seen: Seen[] = [];
  const probe: Probe = {
    url: '',
    seen,
    handler,
    paths: (prefix) => seen.filter((s) => s.path.startsWith(prefix)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      if (readBody) for await (const chunk of req) chunks.push(chunk as Buffer);
      const record: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), status: 0 };
      seen.push(record);
      const writeHead = res.writeHead.bind(res);
      (res as unknown as { writeHead: unknown }).writeHead = (status: number, ...rest: unknown[]) => {
        record.status = status;
        return (writeHead as (...a: unknown[]) => unknown)(status, ...rest);
      };
      await probe.handler(req, res, record.body, record);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  probe.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return probe;
}

/** An API with a bearer token that rotates on POST /refresh. */
export interface TokenState {
  access: string;
  generation: number;
  refreshCalls: number;
  concurrent: number;
  maxConcurrent: number;
  refreshStatus: number;
  refreshDelay: number;
}

export function tokenState(): TokenState {
  return { access: 'a0', generation: 0, refreshCalls: 0, concurrent: 0, maxConcurrent: 0, refreshStatus: 200, refreshDelay: 20 };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function answerRefresh(state: TokenState, res: http.ServerResponse): Promise<void> {
  state.refreshCalls += 1;
  state.concurrent += 1;
  state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
  await sleep(state.refreshDelay);
  state.concurrent -= 1;
  if (state.refreshStatus !== 200) {
    res.writeHead(state.refreshStatus, { 'content-type': 'application/json' });
    res.end('{"detail":"no"}');
    return;
  }
  state.generation += 1;
  state.access = `a${state.generation}`;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ access: state.access }));
}

/**
 * The API of these tests: `/refresh` rotates the token; any other path answers 200 to the
 * current token and 401 otherwise.
 */
export async function answerApi(state: TokenState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.url === '/refresh') return answerRefresh(state, res);
  const ok = req.headers.authorization === `Bearer ${state.access}`;
  res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok, auth: req.headers.authorization ?? null }));
}
