import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate } from './gate.js';
import { pathGates, until } from './gate.js';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The access token it carried (Bearer header or cookie), if any. */
  token: string | undefined;
  status: number;
  body: string;
  contentType: string | undefined;
  /** Every header it carried. */
  headers: http.IncomingHttpHeaders;
}

/** How the refresh endpoint answers. */
export type RefreshMode = 'rotate' | 'reject' | 'error' | 'drop' | 'hang' | 'html401' | 'redirect';

/**
 * A loopback server with short-lived access tokens and rotating, single-use refresh tokens,
 * recording everything it sees, so tests can assert on the server's side of a race.
 * `POST /login` is a new log-in: it issues fresh tokens, whatever `refreshMode` is.
 */
export interface AuthServer {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** The currently valid tokens. */
  readonly access: string;
  readonly refresh: string;
  /** Refresh calls that presented an already rotated (blacklisted) refresh token. */
  readonly reusedRefreshTokens: number;
  refreshMode: RefreshMode;
  refreshCalls(): number;
  /** Requests to `path` (a prefix) that were answered with `status`, or all of them. */
  count(path: string, status?: number): number;
  /** Makes the current access token invalid without issuing a new one. */
  expireAccess(): void;
  /** Expires the access token the moment the next request to `path` (a prefix) arrives. */
  expireAccessOnArrival(path: string): void;
  /** Holds the answers to requests whose path starts with `path` until the gate opens. */
  hold(path: string): Gate;
  /** Resolves once `n` requests whose path starts with `path` have arrived. */
  arrived(path: string, n: number): Promise<void>;
  close(): Promise<void>;
}

export function tokenOf(req: http.IncomingMessage, name: string): string | undefined {
  const bearer = /^(?:Bearer|JWT) (.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer && name === 'access_token') return bearer[1];
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, value] = part.trim().split('=');
    if (key === name) return value;
  }
  return undefined;
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAuthServer(): Promise<AuthServer> {
  let generation = 0;
  let access = 'access-0';
  let refresh = 'refresh-0';
  let reused = 0;
  const used = new Set<string>();
  const seen: SeenRequest[] = [];
  const arrivals: string[] = [];
  const gates = pathGates();
  const expireOn = new Set<string>();

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    arrivals.push(path);
    for (const prefix of expireOn) {
      if (!path.startsWith(prefix)) continue;
      expireOn.delete(prefix);
      api.expireAccess();
    }
    const body = await readBody(req);
    const token = tokenOf(req, 'access_token');
    const record = (status: number): void => {
      seen.push({ method: req.method ?? '', path, token, status, body, contentType: req.headers['content-type'], headers: req.headers });
    };

    if (path === '/refresh') {
      await answerRefresh(req, res, body, record);
      return;
    }
    if (path === '/login' && req.method === 'POST') {
      record(200);
      issue(res);
      return;
    }
    let status = 200;
    const code = /^\/public\/status\/(\d+)$/.exec(path);
    if (code) status = Number(code[1]);
    else if (token !== access) status = 401;
    record(status);
    await gates.passed(path);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path, token, method: req.method, contentType: req.headers['content-type'], body }));
  }

  async function answerRefresh(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
    record: (status: number) => void,
  ): Promise<void> {
    await gates.passed('/refresh');
    const mode = api.refreshMode;
    if (mode === 'hang') {
      record(0);
      return;
    }
    if (mode === 'drop') {
      record(0);
      req.socket.destroy();
      return;
    }
    let presented = tokenOf(req, 'refresh_token');
    if (presented === undefined && body.startsWith('{')) {
      presented = (JSON.parse(body) as { refresh?: string }).refresh;
    }
    if (presented !== undefined && used.has(presented)) reused += 1;
    const simple: Partial<Record<RefreshMode, [number, string, string]>> = {
      error: [500, 'application/json', '{"detail":"server error"}'],
      html401: [401, 'text/html', '<html><body>Unauthorized</body></html>'],
      redirect: [302, 'text/plain', 'moved'],
    };
    const fixed = simple[mode];
    const status = fixed ? fixed[0] : mode === 'rotate' && presented === refresh ? 200 : 401;
    record(status);
    if (fixed) {
      res.writeHead(status, { 'content-type': fixed[1], ...(mode === 'redirect' ? { location: '/elsewhere' } : {}) });
      res.end(fixed[2]);
      return;
    }
    if (status === 401) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"detail":"refresh token invalid"}');
      return;
    }
    used.add(refresh);
    issue(res);
  }

  /** Answers with the next generation of tokens, in the body and as cookies. */
  function issue(res: http.ServerResponse): void {
    generation += 1;
    access = `access-${generation}`;
    refresh = `refresh-${generation}`;
    res.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': [`access_token=${access}; HttpOnly; Path=/`, `refresh_token=${refresh}; HttpOnly; Path=/`],
    });
    res.end(JSON.stringify({ access, refresh }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const matching = (prefix: string, status?: number): SeenRequest[] =>
    seen.filter((r) => r.path.startsWith(prefix) && (status === undefined || r.status === status));

  const api: AuthServer = {
    url: `http://127.0.0.1:${port}`,
    seen,
    get access() {
      return access;
    },
    get refresh() {
      return refresh;
    },
    get reusedRefreshTokens() {
      return reused;
    },
    refreshMode: 'rotate',
    refreshCalls: () => matching('/refresh').length,
    count: (path, status) => matching(path, status).length,
    expireAccess() {
      access = `expired-${generation}`;
    },
    expireAccessOnArrival(path) {
      expireOn.add(path);
    },
    hold: (path) => gates.hold(path),
    arrived: (path, n) => until(() => arrivals.filter((p) => p.startsWith(path)).length >= n),
    close() {
      gates.openAll();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
  return api;
}
