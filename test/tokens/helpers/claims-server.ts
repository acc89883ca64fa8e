import { jwt } from '../../bearer/helpers/jwt-server.js';
import type { Tokens } from '../../bearer/helpers/jwt-server.js';
import { listen } from '../../stacks/helpers/loopback.js';
import type { Loopback } from '../../stacks/helpers/loopback.js';

/** What the server decided about a token when it minted it, in its own clock (ms). */
export interface Minted {
  readonly access: string;
  /** The server accepts the token from this moment (nbf)... */
  readonly from: number;
  /** ...until this one (exp), exclusive. */
  readonly until: number;
}

/** How the server writes a token: `now` is its own time, `lifetime` how long it accepts the token. */
export type Mint = (now: number, lifetime: number, generation: number) => Minted;

/** The well-behaved mint: `exp` and `iat` in seconds, as RFC 7519 writes them. */
export const secondsMint: Mint = (now, lifetime, n) => ({
  access: jwt({ sub: 'ada', jti: `access-${n}`, iat: Math.floor(now / 1000), exp: (now + lifetime) / 1000 }),
  from: -Infinity,
  until: now + lifetime,
});

export interface ClaimsServer extends Loopback {
  readonly seen: Array<{ path: string; status: number }>;
  readonly issued: Tokens;
  /** The server's clock minus the client's, in ms. */
  skew: number;
  /** Whether answers carry a `Date` header in the server's time. */
  date: boolean;
  logIn(): Tokens;
  count(path: string, status?: number): number;
}

/**
 * A loopback API whose refresh endpoint (`POST /refresh`, single-use rotating refresh tokens)
 * writes access tokens with `mint`; any other path answers 200 to the current access token within
 * the window the mint gave it, in the server's clock, and 401 otherwise.
 */
export async function startClaimsServer(options: { mint: Mint; lifetime: number; skew?: number }): Promise<ClaimsServer> {
  const seen: Array<{ path: string; status: number }> = [];
  let generation = 0;
  let current: Minted & { refresh: string } = { access: '', refresh: '', from: 0, until: 0 };
  const now = (): number => Date.now() + server.skew;

  const issue = (): Tokens => {
    generation += 1;
    current = { ...options.mint(now(), options.lifetime, generation), refresh: `refresh-${generation}` };
    return { access: current.access, refresh: current.refresh };
  };

  const loopback = await listen(({ path, body, req }, res) => {
    const answer = (status: number, payload: unknown): void => {
      seen.push({ path, status });
      res.sendDate = false;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (server.date) headers.date = new Date(now()).toUTCString();
      if (status === 401 && path !== '/refresh') headers['www-authenticate'] = 'Bearer error="invalid_token"';
      res.writeHead(status, headers);
      res.end(JSON.stringify(payload));
    };
    if (path === '/refresh') {
      const presented = (JSON.parse(body || '{}') as { refresh?: string }).refresh;
      if (presented !== current.refresh) answer(401, { error: 'invalid_grant' });
      else answer(200, issue());
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const t = now();
    answer(token === current.access && current.from <= t && t < current.until ? 200 : 401, { path });
  });

  const server: ClaimsServer = {
    ...loopback,
    seen,
    skew: options.skew ?? 0,
    date: true,
    get issued() {
      return { access: current.access, refresh: current.refresh };
    },
    logIn: issue,
    count: (path, status) => seen.filter((r) => r.path === path && (status === undefined || r.status === status)).length,
  };
  return server;
}
