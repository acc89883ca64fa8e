import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './app.js';
import { Clock } from './clock.js';
import { parseCookies } from './cookies.js';
import { Gates } from './gates.js';
import type { Gate } from './gates.js';
import { BadRequest, json, readJson, send } from './http.js';
import type { Reply } from './http.js';
import { match } from './routes.js';
import { countRequest, emptyStats } from './stats.js';
import type { AuthApiStats } from './stats.js';
import { serveStatic } from './static.js';
import { Store } from './store.js';
import { Tokens } from './tokens.js';

export interface AuthApiOptions {
  /**
   * Lifetime of an access token.
   * @default 900_000 (15 minutes, as in the lesson)
   */
  accessTtlMs?: number | undefined;
  /**
   * Lifetime of a refresh token; each refresh issues a new one with a full lifetime.
   * @default 604_800_000 (7 days)
   */
  refreshTtlMs?: number | undefined;
  /** @default 0 (any free port) */
  port?: number | undefined;
  /** @default '127.0.0.1' */
  host?: string | undefined;
  /** A built web app to serve on every path outside `/api/`, from the same origin as the API. */
  staticDir?: string | undefined;
  /** Accounts that exist from the start, such as the web demo's demo account. */
  users?: readonly { email: string; password: string }[] | undefined;
  /** Told about a handler that threw; the client gets a 500 either way. */
  onError?: ((error: unknown) => void) | undefined;
}

export interface AuthApi {
  /** The server's origin, such as `http://127.0.0.1:41234`. */
  url: string;
  /** Where the routes live: `${url}/api/v1/`. */
  apiUrl: string;
  /** What the server saw so far: a live object. */
  stats: AuthApiStats;
  resetStats(): void;
  /** Moves the server's clock forward, expiring every token that `ms` outlives. */
  advanceClock(ms: number): void;
  /** Holds requests to one route (`POST /api/v1/users/refresh/`) until the gate is opened. */
  gate(route: string): Gate;
  close(): Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export async function startAuthApi(options: AuthApiOptions = {}): Promise<AuthApi> {
  const lifetimes = {
    accessTtlMs: options.accessTtlMs ?? 15 * 60_000,
    refreshTtlMs: options.refreshTtlMs ?? 7 * 24 * 60 * 60_000,
  };
  const clock = new Clock();
  const stats = emptyStats();
  const gates = new Gates();
  const app: App = { store: new Store(), tokens: new Tokens(lifetimes, clock), stats };
  // Emails are kept in lower case, as sign-up keeps them.
  for (const user of options.users ?? []) await app.store.addUser(user.email.toLowerCase(), user.password);

  async function answer(req: IncomingMessage, path: string): Promise<Reply> {
    const method = req.method ?? 'GET';
    const found = match(method, path);
    if (!found) return json(404, { detail: 'Not found', code: 'not_found' });
    if ('allowed' in found) {
      return { status: 405, body: { detail: `Method ${method} not allowed` }, headers: { allow: found.allowed.join(', ') } };
    }
    countRequest(stats, found.route.key);
    await gates.pass(found.route.key);
    try {
      const body = BODY_METHODS.has(method) ? await readJson(req) : {};
      const request = { params: found.params, body, cookies: parseCookies(req.headers.cookie), authorization: req.headers.authorization };
      return await found.route.handle(request, app);
    } catch (error) {
      if (error instanceof BadRequest) return json(400, { detail: error.message, code: 'invalid' });
      options.onError?.(error);
      return json(500, { detail: 'Internal server error' });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (!pathname.startsWith('/api/') && options.staticDir !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      await serveStatic(options.staticDir, pathname, req, res);
      return;
    }
    const reply = await answer(req, pathname);
    if (reply.status === 401) stats.unauthorized += 1;
    send(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;

  return {
    url,
    apiUrl: `${url}/api/v1/`,
    stats,
    resetStats() {
      Object.assign(stats, emptyStats());
    },
    advanceClock(ms) {
      clock.advance(ms);
    },
    gate(route) {
      return gates.close(route);
    },
    close() {
      gates.openAll();
      return new Promise((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // Clients keep connections alive; without this, close waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
