import type { AxiosInstance } from 'axios';
import { pathGates, until } from '../../helpers/gate.js';
import type { Gate } from '../../helpers/gate.js';
import { listen, replyJson } from '../../stacks/helpers/loopback.js';
import type { Loopback } from '../../stacks/helpers/loopback.js';

/** A JWT-shaped token: base64url JSON header and payload, and a signature nobody checks here. */
export function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

/** One request as the server saw it. */
export interface Seen {
  readonly path: string;
  /** The `Authorization` header as it arrived, if any. */
  readonly authorization: string | undefined;
  readonly status: number;
}

/** A token pair as the refresh endpoint returns it. */
export interface Tokens {
  access: string;
  refresh: string;
}

/**
 * A loopback API with JWT access tokens (`exp` in seconds) and rotating, single-use refresh
 * tokens presented in the body of `POST /refresh`. Any other path answers 200 to the current
 * access token before its `exp`, and 401 otherwise.
 */
export interface JwtServer extends Loopback {
  readonly seen: Seen[];
  /** The tokens issued last: what a client holds after logging in or refreshing. */
  readonly issued: Tokens;
  /** Lifetime in milliseconds of the access tokens issued from now on. */
  lifetime: number;
  /** Refresh calls that presented a refresh token already used. */
  readonly reused: number;
  /** Issues a new pair, as a log-in does. */
  logIn(): Tokens;
  /** Refuses the current access token from now on, as a server that revoked it would. */
  revoke(): void;
  /** Requests to paths starting with `path`, answered with `status` if given. */
  count(path: string, status?: number): number;
  /** The `Authorization` headers that requests to paths starting with `path` carried. */
  authorizations(path: string): Array<string | undefined>;
  /** Moves the server's clock on by `ms`, as a sleep of the client's machine passes for the server too. */
  sleep(ms: number): void;
  /** Answers the next request to a path starting with `path` (`/refresh` too) with `status`, whatever its token. */
  failOnce(path: string, status: number): void;
  /** Holds answers to paths starting with `path` until the gate opens. */
  hold(path: string): Gate;
  /** Resolves once `n` requests to paths starting with `path` have arrived. */
  arrived(path: string, n: number): Promise<void>;
}

export async function startJwtServer(lifetime = 15 * 60_000): Promise<JwtServer> {
  let generation = 0;
  let current: Tokens = { access: '', refresh: '' };
  let revoked = false;
  let reused = 0;
  const used = new Set<string>();
  const seen: Seen[] = [];
  const arrivals: string[] = [];
  const gates = pathGates();
  const failures = new Map<string, number>();
  // How far the server's clock was moved on from the process's, by `sleep`.
  let slept = 0;
  const now = (): number => Date.now() + slept;

  const issue = (): Tokens => {
    generation += 1;
    revoked = false;
    const exp = (now() + server.lifetime) / 1000;
    current = { access: jwt({ sub: 'ada', jti: `access-${generation}`, exp }), refresh: `refresh-${generation}` };
    return current;
  };

  const loopback = await listen(({ req, path, token, body }, res) => {
    arrivals.push(path);
    const authorization = req.headers.authorization;
    const answer = async (status: number, payload: unknown): Promise<void> => {
      seen.push({ path, authorization, status });
      await gates.passed(path);
      replyJson(res, status, payload);
    };
    const failure = [...failures].find(([prefix]) => path.startsWith(prefix));
    if (failure) {
      failures.delete(failure[0]);
      void answer(failure[1], { path, authorization });
      return;
    }
    if (path === '/refresh') {
      const presented = (JSON.parse(body || '{}') as { refresh?: string }).refresh;
      if (presented !== undefined && used.has(presented)) reused += 1;
      if (presented === undefined || presented !== current.refresh) {
        void answer(401, { detail: 'refresh token invalid' });
        return;
      }
      used.add(presented);
      void answer(200, issue());
      return;
    }
    const exp = token === current.access ? expiryOf(token) : 0;
    const ok = !revoked && exp > now();
    void answer(ok ? 200 : 401, { path, authorization });
  });

  const matching = (prefix: string, status?: number): Seen[] =>
    seen.filter((r) => r.path.startsWith(prefix) && (status === undefined || r.status === status));

  const server: JwtServer = {
    ...loopback,
    seen,
    lifetime,
    get issued() {
      return current;
    },
    get reused() {
      return reused;
    },
    logIn: issue,
    revoke() {
      revoked = true;
    },
    count: (path, status) => matching(path, status).length,
    authorizations: (path) => matching(path).map((r) => r.authorization),
    sleep(ms) {
      slept += ms;
    },
    failOnce(path, status) {
      failures.set(path, status);
    },
    hold: (path) => gates.hold(path),
    arrived: (path, n) => until(() => arrivals.filter((p) => p.startsWith(path)).length >= n),
    close: async () => {
      gates.openAll();
      await loopback.close();
    },
  };
  return server;
}

function expiryOf(token: string | undefined): number {
  const payload = token?.split('.')[1];
  if (!payload) return 0;
  const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
  return exp * 1000;
}

/** The app's side: the tokens it holds, and the `refresh` of the README's bearer quick start. */
export function tokenStore(server: JwtServer): {
  tokens: Tokens;
  refresh: (context: { client: AxiosInstance }) => Promise<void>;
} {
  const store = {
    tokens: server.logIn(),
    refresh: async ({ client }: { client: AxiosInstance }) => {
      store.tokens = (await client.post<Tokens>('/refresh', { refresh: store.tokens.refresh })).data;
    },
  };
  return store;
}
