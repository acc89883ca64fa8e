import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, tokenOf } from './auth-server.js';
import { isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';

/**
 * A probe server: rotating single-use refresh tokens (reuse answers 401 and is counted), access
 * tokens, an optional CSRF token (419), and in-flight tracking of refresh calls.
 */
export interface ProbeServer {
  url: string;
  access: string;
  refresh: string;
  csrf: string;
  csrfRequired: boolean;
  /** How /refresh answers: rotate, or a fixed status. */
  refreshStatus: number | 'rotate';
  csrfStatus: number | 'ok';
  refreshDelay: number;
  csrfDelay: number;
  /** Pending gates: a refresh waits for the first of these. */
  refreshGates: Array<Promise<void>>;
  refreshes: number;
  csrfCalls: number;
  reused: number;
  inflight: number;
  maxInflight: number;
  csrfInflight: number;
  maxCsrfInflight: number;
  /** Statuses of /refresh, in order. */
  refreshLog: Array<{ presented: string | undefined; status: number }>;
  api: Array<{ path: string; status: number; access: string | undefined }>;
  expireAccess(): void;
  expireCsrf(): void;
  revokeRefresh(): void;
  close(): Promise<void>;
}

export async function startProbeServer(): Promise<ProbeServer> {
  let gen = 0;
  let csrfGen = 0;
  const used = new Set<string>();
  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const s: ProbeServer = {
    url: '',
    access: 'access-0',
    refresh: 'refresh-0',
    csrf: 'csrf-0',
    csrfRequired: false,
    refreshStatus: 'rotate',
    csrfStatus: 'ok',
    refreshDelay: 0,
    csrfDelay: 0,
    refreshGates: [],
    refreshes: 0,
    csrfCalls: 0,
    reused: 0,
    inflight: 0,
    maxInflight: 0,
    csrfInflight: 0,
    maxCsrfInflight: 0,
    refreshLog: [],
    api: [],
    expireAccess() {
      s.access = `expired-${gen}`;
    },
    expireCsrf() {
      s.csrf = `stale-${csrfGen}`;
    },
    revokeRefresh() {
      used.add(s.refresh);
      s.refresh = `revoked-${gen}`;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => { resolve(); }));
    },
  };

  function issue(res: http.ServerResponse): void {
    gen += 1;
    s.access = `access-${gen}`;
    s.refresh = `refresh-${gen}`;
    res.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': [`access_token=${s.access}; Path=/`, `refresh_token=${s.refresh}; Path=/`],
    });
    res.end(JSON.stringify({ access: s.access, refresh: s.refresh }));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readBody(req);
    if (path === '/refresh') {
      s.refreshes += 1;
      s.inflight += 1;
      s.maxInflight = Math.max(s.maxInflight, s.inflight);
      try {
        let presented = tokenOf(req, 'refresh_token');
        if (presented === undefined && body.startsWith('{')) presented = (JSON.parse(body) as { refresh?: string }).refresh;
        const gateNow = s.refreshGates.shift();
        if (gateNow) await gateNow;
        if (s.refreshDelay) await sleep(s.refreshDelay);
        if (s.refreshStatus !== 'rotate') {
          s.refreshLog.push({ presented, status: s.refreshStatus });
          res.writeHead(s.refreshStatus, { 'content-type': 'application/json' });
          res.end('{}');
          return;
        }
        if (presented === undefined || presented !== s.refresh) {
          if (presented !== undefined && used.has(presented)) s.reused += 1;
          s.refreshLog.push({ presented, status: 401 });
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"detail":"refresh token invalid"}');
          return;
        }
        used.add(presented);
        s.refreshLog.push({ presented, status: 200 });
        issue(res);
      } finally {
        s.inflight -= 1;
      }
      return;
    }
    if (path === '/csrf') {
      s.csrfCalls += 1;
      s.csrfInflight += 1;
      s.maxCsrfInflight = Math.max(s.maxCsrfInflight, s.csrfInflight);
      try {
        if (s.csrfDelay) await sleep(s.csrfDelay);
        if (s.csrfStatus !== 'ok') {
          res.writeHead(s.csrfStatus);
          res.end('{}');
          return;
        }
        csrfGen += 1;
        s.csrf = `csrf-${csrfGen}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ csrf: s.csrf }));
      } finally {
        s.csrfInflight -= 1;
      }
      return;
    }
    if (path === '/login') {
      issue(res);
      return;
    }
    const access = tokenOf(req, 'access_token');
    let status = 200;
    if (s.csrfRequired && req.headers['x-csrf-token'] !== s.csrf) status = 419;
    else if (access !== s.access) status = 401;
    s.api.push({ path, status, access });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path, access }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}

export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** What a request came to, as these tests compare it: a status, `expired`, `failed`, or the error's code. */
export const outcome = (p: Promise<{ status: number }>): Promise<number | string> =>
  p.then(
    (r) => r.status,
    (e: unknown) => {
      if (isSessionExpiredError(e)) return 'expired';
      if (isRefreshFailedError(e)) return 'failed';
      const { response, code } = e as { response?: { status: number }; code?: string };
      return response?.status ?? code ?? 'error';
    },
  );
