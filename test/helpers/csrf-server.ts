import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate } from './gate.js';
import { pathGates } from './gate.js';
import { readBody } from './auth-server.js';

/** One request as the server saw it, with both credentials it carried. */
export interface CsrfSeen {
  method: string;
  path: string;
  access: string | undefined;
  csrf: string | undefined;
  status: number;
  body: string;
}

/**
 * A loopback server in the way of a Laravel app: an API request needs a current CSRF token
 * (`X-CSRF-TOKEN`; 419 when stale, checked first) and a current access token (Bearer; 401 when
 * expired). `POST /refresh` rotates single-use refresh tokens; `GET /csrf-cookie` issues a new
 * CSRF token.
 */
export interface CsrfServer {
  readonly url: string;
  readonly seen: CsrfSeen[];
  readonly access: string;
  readonly refresh: string;
  readonly csrf: string;
  /** Refresh calls that presented an already rotated refresh token. */
  readonly reusedRefreshTokens: number;
  expireAccess(): void;
  expireCsrf(): void;
  /** The answers to `path`, one per arrival, before it is answered as usual. */
  script(path: string, statuses: number[]): void;
  /** Requests whose path starts with `path`, answered with `status` if given. */
  count(path: string, status?: number): number;
  /** The statuses of the requests to exactly `path`, in order. */
  statuses(path: string): number[];
  hold(path: string): Gate;
  close(): Promise<void>;
}

export async function startCsrfServer(): Promise<CsrfServer> {
  let generation = 0;
  let access = 'access-0';
  let refresh = 'refresh-0';
  let csrfGeneration = 0;
  let csrf = 'csrf-0';
  let reused = 0;
  const used = new Set<string>();
  const seen: CsrfSeen[] = [];
  const scripts = new Map<string, number[]>();
  const gates = pathGates();

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = await readBody(req);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const presentedCsrf = req.headers['x-csrf-token'] as string | undefined;
    const answer = async (status: number, payload: object, headers: http.OutgoingHttpHeaders = {}): Promise<void> => {
      seen.push({ method: req.method ?? '', path, access: bearer, csrf: presentedCsrf, status, body });
      await gates.passed(path);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (path === '/refresh' && req.method === 'POST') {
      const presented = (JSON.parse(body || '{}') as { refresh?: string }).refresh;
      if (presented !== undefined && used.has(presented)) reused += 1;
      if (presented !== refresh) return answer(401, { detail: 'refresh token invalid' });
      used.add(refresh);
      generation += 1;
      access = `access-${generation}`;
      refresh = `refresh-${generation}`;
      return answer(200, { access, refresh });
    }
    if (path === '/csrf-cookie' && req.method === 'GET') {
      csrfGeneration += 1;
      csrf = `csrf-${csrfGeneration}`;
      return answer(200, { csrf }, { 'set-cookie': `XSRF-TOKEN=${csrf}; Path=/` });
    }
    const scripted = scripts.get(path)?.shift();
    let status = 200;
    if (scripted !== undefined) status = scripted;
    else if (presentedCsrf !== csrf) status = 419;
    else if (bearer !== access) status = 401;
    return answer(status, { path, access: bearer, csrf: presentedCsrf, body });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const matching = (prefix: string, status?: number): CsrfSeen[] =>
    seen.filter((r) => r.path.startsWith(prefix) && (status === undefined || r.status === status));

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get access() {
      return access;
    },
    get refresh() {
      return refresh;
    },
    get csrf() {
      return csrf;
    },
    get reusedRefreshTokens() {
      return reused;
    },
    expireAccess() {
      access = `expired-${generation}`;
    },
    expireCsrf() {
      csrf = `stale-${csrfGeneration}`;
    },
    script(path, statuses) {
      scripts.set(path, [...statuses]);
    },
    count: (path, status) => matching(path, status).length,
    statuses: (path) => seen.filter((r) => r.path === path).map((r) => r.status),
    hold: (path) => gates.hold(path),
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
}
