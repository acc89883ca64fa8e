/** What the server saw; counters only grow until `reset`. */
export interface AuthApiStats {
  /** Calls to the refresh endpoint, whatever their outcome. */
  refreshCalls: number;
  /** Refresh calls answered 401: missing, malformed, expired or revoked token. */
  refreshesRejected: number;
  /** Refresh calls that presented a token already spent by an earlier rotation. */
  refreshReuse: number;
  /** 401 responses on any route. */
  unauthorized: number;
  /** Requests per route, keyed like `GET /api/v1/tasks/` or `PUT /api/v1/tasks/:id/`. */
  requests: Record<string, number>;
}

export function emptyStats(): AuthApiStats {
  return { refreshCalls: 0, refreshesRejected: 0, refreshReuse: 0, unauthorized: 0, requests: {} };
}

export function countRequest(stats: AuthApiStats, route: string): void {
  stats.requests[route] = (stats.requests[route] ?? 0) + 1;
}
