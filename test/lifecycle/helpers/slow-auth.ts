import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { readBody, tokenOf } from '../../helpers/auth-server.js';
import { bearer, createRefreshInterceptor, createRefreshSession, observe } from '../../../src/index.js';
import type { RefreshSession, SessionEvent, SessionOptions } from '../../../src/index.js';

/** What the refresh endpoint does with one call. */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'slow'; ms: number }
  /** Answered as `ok` would be, once `gate` resolves. */
  | { kind: 'gated'; gate: Promise<void> };

export interface RefreshSeen {
  at: number;
  status: number | 'hang' | 'reset';
  /** refresh calls open at the server when this one arrived (itself included) */
  concurrent: number;
  presented: string | undefined;
}

export interface ProbeServer {
  apiUrl: string;
  authUrl: string;
  access: string;
  refresh: string;
  behaviour: (n: number) => Behaviour;
  refreshes: RefreshSeen[];
  maxConcurrent: number;
  reused: number;
  apiSeen: Array<{ at: number; path: string; status: number }>;
  /** When set, the API's /login issues new tokens once it resolves. */
  loginGate: Promise<void> | undefined;
  /** Log-ins that reached the API. */
  logins: number;
  expireAccess(): void;
  revokeRefresh(): void;
  /** Stops the auth server listening (connection refused), keeping its port. */
  authDown(): Promise<void>;
  authUp(): Promise<void>;
  close(): Promise<void>;
}

function listenOn(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => { resolve(); }));
}

export async function startProbeServer(): Promise<ProbeServer> {
  let generation = 0;
  const used = new Set<string>();
  let open = 0;
  const hanging = new Set<http.ServerResponse>();
  const state: ProbeServer = {
    apiUrl: '',
    authUrl: '',
    access: 'access-0',
    refresh: 'refresh-0',
    behaviour: () => ({ kind: 'ok' }),
    refreshes: [],
    maxConcurrent: 0,
    reused: 0,
    apiSeen: [],
    loginGate: undefined,
    logins: 0,
    expireAccess() {
      state.access = `expired-${generation}`;
    },
    revokeRefresh() {
      state.refresh = `revoked-${generation}`;
    },
    authDown: async () => {
      await closeServer(auth);
      auth = makeAuth();
    },
    authUp: async () => {
      await listenOn(auth, authPort);
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      await Promise.all([closeServer(api), auth.listening ? closeServer(auth) : Promise.resolve()]);
    },
  };

  const issue = (res: http.ServerResponse): void => {
    used.add(state.refresh);
    generation += 1;
    state.access = `access-${generation}`;
    state.refresh = `refresh-${generation}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access: state.access, refresh: state.refresh }));
  };

  const handleAuth = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readBody(req).catch(() => '');
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/login') {
      issue(res);
      return;
    }
    const n = state.refreshes.length;
    open += 1;
    state.maxConcurrent = Math.max(state.maxConcurrent, open);
    let presented: string | undefined;
    try {
      presented = (JSON.parse(body) as { refresh?: string }).refresh;
    } catch {
      presented = undefined;
    }
    if (presented !== undefined && used.has(presented)) state.reused += 1;
    const seen: RefreshSeen = { at: Date.now(), status: 0, concurrent: open, presented };
    state.refreshes.push(seen);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        open -= 1;
      }
    };
    res.on('close', finish);
    const b = state.behaviour(n);
    if (b.kind === 'slow') await new Promise((r) => setTimeout(r, b.ms));
    if (b.kind === 'gated') await b.gate;
    if (b.kind === 'hang') {
      seen.status = 'hang';
      hanging.add(res);
      return;
    }
    if (b.kind === 'reset') {
      seen.status = 'reset';
      req.socket.destroy();
      return;
    }
    if (b.kind === 'status') {
      seen.status = b.status;
      res.writeHead(b.status, { 'content-type': 'application/json', ...(b.headers ?? {}) });
      res.end('{}');
      return;
    }
    if (presented !== state.refresh) {
      seen.status = 401;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"detail":"bad refresh"}');
      return;
    }
    seen.status = 200;
    issue(res);
  };

  const makeAuth = (): http.Server =>
    http.createServer((req, res) => {
      void handleAuth(req, res);
    });
  let auth = makeAuth();

  const api = http.createServer((req, res) => {
    void readBody(req).then(async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/login') {
        state.logins += 1;
        await state.loginGate;
        state.apiSeen.push({ at: Date.now(), path, status: 200 });
        issue(res);
        return;
      }
      const token = tokenOf(req, 'access_token');
      const status = token === state.access ? 200 : 401;
      state.apiSeen.push({ at: Date.now(), path, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, token }));
    });
  });
  const apiPort = await listenOn(api, 0);
  const authPort = await listenOn(auth, 0);
  state.apiUrl = `http://127.0.0.1:${apiPort}`;
  state.authUrl = `http://127.0.0.1:${authPort}`;
  return state;
}

export interface ProbeApp {
  api: AxiosInstance;
  session: RefreshSession;
  tokens: { access: string; refresh: string };
  expired: () => number;
  events: Array<SessionEvent & { at: number }>;
  logIn(): Promise<void>;
}

export function probeApp(server: ProbeServer, options: Partial<SessionOptions> & { passSignal?: boolean } = {}): ProbeApp {
  const tokens = { access: server.access, refresh: server.refresh };
  const api = axios.create({ baseURL: server.apiUrl });
  let expired = 0;
  const { passSignal = true, ...rest } = options;
  const session = createRefreshSession({
    refresh: async ({ client, signal }) => {
      const { data } = await client.post<{ access: string; refresh: string }>(
        `${server.authUrl}/refresh`,
        { refresh: tokens.refresh },
        passSignal ? { signal } : {},
      );
      Object.assign(tokens, data);
    },
    accessToken: bearer(() => tokens.access),
    credentialOrigins: [server.apiUrl],
    onSessionExpired: () => {
      expired += 1;
    },
    ...rest,
  });
  createRefreshInterceptor(api, { session });
  const events: Array<SessionEvent & { at: number }> = [];
  observe(session, (event) => events.push({ ...event, at: Date.now() }));
  return {
    api,
    session,
    tokens,
    expired: () => expired,
    events,
    async logIn() {
      const { data } = await api.post<{ access: string; refresh: string }>('/login', {}, { skipAuthRefresh: true });
      Object.assign(tokens, data);
    },
  };
}

/** Refresh calls that reached the server before the cooldown the client had announced was over. */
export function duringCooldown(server: ProbeServer, app: ProbeApp): Array<{ at: number; until: number }> {
  const windows = app.events
    .filter((e): e is Extract<SessionEvent, { type: 'refresh-failed' }> & { at: number } => e.type === 'refresh-failed' && e.retryAt !== undefined)
    .map((e) => ({ from: e.at, until: e.retryAt! }));
  const bad: Array<{ at: number; until: number }> = [];
  for (const r of server.refreshes) {
    for (const w of windows) if (r.at > w.from + 1 && r.at < w.until) bad.push({ at: r.at, until: w.until });
  }
  const starts = app.events.filter((e) => e.type === 'refresh-started');
  for (const s of starts) for (const w of windows) if (s.at > w.from && s.at < w.until) bad.push({ at: s.at, until: w.until });
  return bad;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Timers alive in the process now. */
export const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
