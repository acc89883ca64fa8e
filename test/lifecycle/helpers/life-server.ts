import type http from 'node:http';
import { listen } from '../../stacks/helpers/loopback.js';
import { pathGates } from '../../helpers/gate.js';
import type { Gate } from '../../helpers/gate.js';

/** How `/refresh` answers when the refresh token it is given is the current one. */
export interface RefreshReply {
  status: number;
  headers?: Record<string, string>;
}

/**
 * An auth server for a session's whole life: bearer access tokens, rotating single-use refresh
 * tokens sent in the body, a log-in that starts a new token family, and a count of refresh
 * tokens presented twice (a server with OAuth 2.1 reuse detection would log the user out).
 */
export interface LifeServer {
  readonly url: string;
  readonly access: string;
  readonly refresh: string;
  /** What `/refresh` answers to the current refresh token; a used or unknown one gets 401. */
  reply: (() => RefreshReply) | RefreshReply;
  refreshCalls(): number;
  /** Refresh calls by status, in order. */
  refreshStatuses(): number[];
  reused(): number;
  /** Requests to paths starting with `path`, with `status` if given. */
  count(path: string, status?: number): number;
  expireAccess(): void;
  /** Makes the current refresh token dead, as when it expired or was revoked. */
  revokeRefresh(): void;
  hold(path: string): Gate;
  /** Requests to paths starting with `path` that have arrived, answered or not. */
  arrived(path: string): number;
  close(): Promise<void>;
}

export async function startLifeServer(): Promise<LifeServer> {
  let generation = 0;
  let access = 'access-0';
  let refresh = 'refresh-0';
  let reused = 0;
  const used = new Set<string>();
  const seen: Array<{ path: string; status: number }> = [];
  const gates = pathGates();
  const arrivals: string[] = [];

  const issue = (res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void => {
    if (refresh !== '') used.add(refresh);
    generation += 1;
    access = `access-${generation}`;
    refresh = `refresh-${generation}`;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ access, refresh }));
  };

  const { url, close } = await listen(({ path, token, body }, res) => {
    arrivals.push(path);
    // A refresh token counts as presented twice when it was already used as the request arrived.
    const presented = path === '/refresh' && body.startsWith('{') ? (JSON.parse(body) as { refresh?: string }).refresh : undefined;
    if (presented !== undefined && used.has(presented)) reused += 1;
    void gates.passed(path).then(() => {
      if (path === '/login') {
        seen.push({ path, status: 200 });
        issue(res, 200);
        return;
      }
      if (path === '/refresh') {
        const { status, headers = {} } = typeof server.reply === 'function' ? server.reply() : server.reply;
        const live = presented !== undefined && presented === refresh;
        const answer = status >= 200 && status < 300 && !live ? 401 : status;
        seen.push({ path, status: answer });
        if (answer >= 200 && answer < 300) {
          issue(res, answer, headers);
          return;
        }
        res.writeHead(answer, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ detail: `refresh answered ${answer}` }));
        return;
      }
      const status = token === access ? 200 : 401;
      seen.push({ path, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, token }));
    });
  });

  const server: LifeServer = {
    url,
    get access() {
      return access;
    },
    get refresh() {
      return refresh;
    },
    reply: { status: 200 },
    refreshCalls: () => seen.filter((r) => r.path === '/refresh').length,
    refreshStatuses: () => seen.filter((r) => r.path === '/refresh').map((r) => r.status),
    reused: () => reused,
    count: (path, status) => seen.filter((r) => r.path.startsWith(path) && (status === undefined || r.status === status)).length,
    expireAccess() {
      access = `expired-${generation}`;
    },
    revokeRefresh() {
      refresh = `revoked-${generation}`;
    },
    hold: (path) => gates.hold(path),
    arrived: (path) => arrivals.filter((p) => p.startsWith(path)).length,
    close() {
      gates.openAll();
      return close();
    },
  };
  return server;
}
