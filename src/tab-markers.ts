import type { LockManagerLike } from './tabs.js';

/** What every tab of the origin has done so far: successful refreshes and ends of the session. */
export interface Counts {
  refreshed: number;
  ended: number;
}

/**
 * Records counts as held Web Locks named `<name>#r<n>` and `<name>#e<n>`, each held until this
 * tab records a newer one or closes. The lock manager answers `query()` consistently with the
 * grants it makes, so a tab that gets the refresh lock sees what the previous holder recorded
 * before it let go, which a BroadcastChannel message could not promise.
 */
export function tabMarkers(
  locks: LockManagerLike,
  name: string,
): { read(): Promise<Counts>; record(kind: keyof Counts, count: number): Promise<void>; close(): void } {
  const prefix = `${name}#`;
  const releases = new Map<keyof Counts, () => void>();
  return {
    async read() {
      const counts: Counts = { refreshed: 0, ended: 0 };
      const { held = [] } = await locks.query();
      for (const { name: lock } of held) {
        if (!lock?.startsWith(prefix)) continue;
        const kind = lock[prefix.length] === 'r' ? 'refreshed' : 'ended';
        counts[kind] = Math.max(counts[kind], Number(lock.slice(prefix.length + 1)) || 0);
      }
      return counts;
    },
    record(kind, count) {
      releases.get(kind)?.();
      return new Promise((granted) => {
        void locks.request(`${prefix}${kind[0] ?? ''}${count}`, {}, () => {
          granted();
          return new Promise<void>((release) => releases.set(kind, release));
        });
      });
    },
    close() {
      for (const release of releases.values()) release();
    },
  };
}
