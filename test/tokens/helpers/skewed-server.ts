import { jwt } from '../../bearer/helpers/jwt-server.js';
import type { Tokens } from '../../bearer/helpers/jwt-server.js';
import { listen } from '../../stacks/helpers/loopback.js';
import type { Loopback } from '../../stacks/helpers/loopback.js';

/** A request as the server saw it. */
export interface SkewedSeen {
  readonly path: string;
  readonly status: number;
}

/**
 * A loopback API whose clock is `skew` ms off the client's: it writes `exp` and `iat` of its JWT
 * access tokens, its `Date` headers and its judgement of expiry in its own time. `POST /refresh`
 * rotates single-use refresh tokens; any other path answers 200 to the current access token
 * before its `exp`, and 401 otherwise.
 */
export interface SkewedServer extends Loopback {
  readonly seen: SkewedSeen[];
  readonly issued: Tokens;
  /** The server's clock minus the client's, in milliseconds. */
  skew: number;
  /** Whether the server writes `iat` into its tokens. */
  iat: boolean;
  logIn(): Tokens;
  count(path: string, status?: number): number;
}

export async function startSkewedServer(options: { skew: number; lifetime: number }): Promise<SkewedServer> {
  const seen: SkewedSeen[] = [];
  let generation = 0;
  let current: Tokens & { exp: number } = { access: '', refresh: '', exp: 0 };
  const now = (): number => Date.now() + server.skew;

  const issue = (): Tokens => {
    generation += 1;
    const exp = now() + options.lifetime;
    const claims = { sub: 'ada', jti: `access-${generation}`, exp: exp / 1000, ...(server.iat ? { iat: Math.floor(now() / 1000) } : {}) };
    current = { access: jwt(claims), refresh: `refresh-${generation}`, exp };
    return { access: current.access, refresh: current.refresh };
  };

  const loopback = await listen(({ path, body, req }, res) => {
    const answer = (status: number, payload: unknown): void => {
      seen.push({ path, status });
      res.sendDate = false;
      res.writeHead(status, { 'content-type': 'application/json', date: new Date(now()).toUTCString() });
      res.end(JSON.stringify(payload));
    };
    if (path === '/refresh') {
      const presented = (JSON.parse(body || '{}') as { refresh?: string }).refresh;
      if (presented !== current.refresh) answer(401, { detail: 'refresh token invalid' });
      else answer(200, issue());
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    answer(token === current.access && now() < current.exp ? 200 : 401, { path });
  });

  const server: SkewedServer = {
    ...loopback,
    seen,
    skew: options.skew,
    iat: true,
    get issued() {
      return { access: current.access, refresh: current.refresh };
    },
    logIn: issue,
    count: (path, status) => seen.filter((r) => r.path === path && (status === undefined || r.status === status)).length,
  };
  return server;
}
