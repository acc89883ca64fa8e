import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the server saw since the last reset. */
export interface ServerStats {
  /** Every request, API and refresh alike. */
  requests: number;
  refreshCalls: number;
  /** Refreshes that presented a refresh token that had already been exchanged. */
  reuses: number;
  /** API requests answered 401 because their access token had expired or was unknown. */
  unauthorized: number;
  /** Refreshes parked by `hold` right now. */
  held: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds the access token stays valid. */
  expiresIn: number;
}

/**
 * An access token shaped as a JWT, as most servers issue them: its `exp` (seconds) lets a client
 * that reads it refresh ahead; the others treat it as an opaque string.
 */
function accessToken(generation: number, exp: number): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ jti: `a${generation}`, exp })}.c2ln`;
}

/** The tokens a client holds when a storm starts: its access token has just expired. */
export const EXPIRED_ACCESS = accessToken(0, 1_000_000_000);
export const FIRST_REFRESH = 'r0';
const ACCESS_LIFETIME_MS = 15 * 60_000;
// A refresh costs a real server a database round trip and a signature; without a delay every
// refresh would finish before the next 401 arrives and hide how clients behave meanwhile.
export const REFRESH_LATENCY_MS = 20;

export interface AuthServer {
  readonly server: http.Server;
  stats(): ServerStats;
  /** Parks every refresh that arrives until `release`, so that a storm stalls on its refresh. */
  hold(): void;
  release(): void;
  /** Forgets every token and count: the next client starts from `EXPIRED_ACCESS` again. */
  reset(): void;
}

/**
 * An API whose refresh tokens rotate: each one may be exchanged once, and presenting it again
 * is answered 401 and counted as reuse, as auth servers with reuse detection do. Access tokens
 * stay valid until they expire, so a request that carries any token issued by a refresh passes.
 */
export function createAuthServer(): AuthServer {
  let stats: ServerStats;
  let generation: number;
  let validAccess: Set<string>;
  let spentRefresh: Set<string>;
  let parked: Array<() => void> = [];
  let holding = false;
  const latency = new Set<NodeJS.Timeout>();

  const reset = (): void => {
    stats = { requests: 0, refreshCalls: 0, reuses: 0, unauthorized: 0, held: 0 };
    generation = 0;
    validAccess = new Set();
    spentRefresh = new Set();
  };
  reset();

  const release = (): void => {
    holding = false;
    const waiting = parked;
    parked = [];
    for (const resume of waiting) resume();
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const exchange = (presented: unknown): [number, unknown] => {
    const current = `r${generation}`;
    if (presented !== current) {
      if (typeof presented === 'string' && spentRefresh.has(presented)) {
        stats.reuses += 1;
        return [401, { error: 'refresh token reused' }];
      }
      return [401, { error: 'unknown refresh token' }];
    }
    spentRefresh.add(current);
    generation += 1;
    const access = accessToken(generation, Math.floor((Date.now() + ACCESS_LIFETIME_MS) / 1000));
    validAccess.add(access);
    const pair: TokenPair = {
      accessToken: access,
      refreshToken: `r${generation}`,
      expiresIn: ACCESS_LIFETIME_MS,
    };
    return [200, pair];
  };

  const refresh = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.refreshCalls += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (holding) {
      stats.held += 1;
      await new Promise<void>((resume) => parked.push(resume));
      stats.held -= 1;
    }
    let presented: unknown;
    try {
      presented = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { refreshToken?: unknown }).refreshToken;
    } catch {
      presented = undefined;
    }
    // Decided on arrival, as a database transaction would: of two refreshes with one token,
    // exactly one wins.
    const [status, body] = exchange(presented);
    const timer = setTimeout(() => {
      latency.delete(timer);
      send(res, status, body);
    }, REFRESH_LATENCY_MS);
    latency.add(timer);
  };

  const server = http.createServer((req, res) => {
    stats.requests += 1;
    if (req.method === 'POST' && req.url === '/auth/refresh') {
      refresh(req, res).catch(() => res.destroy());
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/api/') === true) {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (token !== undefined && validAccess.has(token)) {
        send(res, 200, { ok: true });
      } else {
        stats.unauthorized += 1;
        send(res, 401, { error: 'access token expired' });
      }
      return;
    }
    send(res, 404, { error: 'not found' });
  });
  server.on('close', () => {
    release();
    for (const timer of latency) clearTimeout(timer);
    latency.clear();
  });

  return {
    server,
    stats: () => ({ ...stats }),
    hold: () => {
      holding = true;
    },
    release,
    reset: () => {
      release();
      reset();
    },
  };
}
