import type { AuthApi, AuthApiStats } from '../../../demo/server/index.js';

function copy(stats: AuthApiStats): AuthApiStats {
  return { ...stats, requests: { ...stats.requests } };
}

/** Starts counting now: the returned function tells what the server saw since. */
export function seenFrom(api: AuthApi): () => AuthApiStats {
  const before = copy(api.stats);
  return () => {
    const now = api.stats;
    const requests: Record<string, number> = {};
    for (const [route, count] of Object.entries(now.requests)) {
      const added = count - (before.requests[route] ?? 0);
      if (added > 0) requests[route] = added;
    }
    return {
      refreshCalls: now.refreshCalls - before.refreshCalls,
      refreshesRejected: now.refreshesRejected - before.refreshesRejected,
      refreshReuse: now.refreshReuse - before.refreshReuse,
      unauthorized: now.unauthorized - before.unauthorized,
      requests,
    };
  };
}
