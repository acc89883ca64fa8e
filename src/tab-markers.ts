import type { LockManagerLike } from './tab-options.js';

/**
 * What the tabs of an origin know of their session, each the highest any tab has seen:
 * refreshes and log-ins that gave new credentials (`refreshed`) and when the latest of them was
 * recorded (`issuedAt`, ms since the epoch), ends (`ended`), the end the latest log-in followed
 * (`began`: the session is over while `ended > began`), transient refresh failures (`cooled`),
 * the count of those at the latest new credentials (`steady`: `cooled - steady` failed in a row,
 * which the backoff doubles with), and when the latest cooldown ends (`until`, ms since the epoch).
 */
export interface Counts {
  refreshed: number;
  issuedAt: number;
  ended: number;
  began: number;
  cooled: number;
  steady: number;
  until: number;
}

type Kind = keyof Counts;

const kinds: readonly Kind[] = ['refreshed', 'issuedAt', 'ended', 'began', 'cooled', 'steady', 'until'];

export const noCounts = (): Counts => ({ refreshed: 0, issuedAt: 0, ended: 0, began: 0, cooled: 0, steady: 0, until: 0 });

/** Raises each of `counts` to what `more` says, ignoring anything in it that is not a number. */
export function raise(counts: Counts, more: Partial<Record<Kind, unknown>>): void {
  for (const kind of kinds) counts[kind] = Math.max(counts[kind], Number(more[kind]) || 0);
}

/** What this module asks of the lock manager, safe against one that is missing, throws or rejects. */
export interface TabLocks {
  /** Runs `callback` holding the refresh lock; without it once the lock manager has failed to grant a lock. */
  exclusive(signal: AbortSignal, callback: () => Promise<unknown>): Promise<unknown>;
  /**
   * The counts held in any tab, and how many other tabs of the origin are open (`others`, unknown
   * until this tab's own lock that says it is open was granted); zeros for what the lock manager
   * cannot tell.
   */
  read(): Promise<Counts & { others: number | undefined }>;
  /** Holds `counts` in this tab until it holds higher ones or closes; settles once held, or refused. */
  hold(counts: Counts): Promise<void>;
  close(): void;
}

/**
 * The refresh lock `<name>`, and counts recorded as shared locks `<name>#<letter><count>` that every
 * tab holds for the highest counts it knows, so that they outlive the tab that recorded them. The
 * lock manager answers `query()` consistently with the grants it makes: a tab that gets the
 * refresh lock sees what the previous holder recorded before it let go, which a BroadcastChannel
 * message could not promise.
 */
export function tabLocks(locks: LockManagerLike | undefined, name: string): TabLocks {
  const prefix = `${name}#`;
  // A lock manager that failed to grant a lock once (a sandboxed iframe) is not asked again.
  let broken = !locks;
  let closed = false;
  const held = new Map<Kind, { count: number; release: () => void }>();
  const asked = new Map<Kind, { count: number; granted: Promise<void> }>();
  // Every open tab holds this shared lock until it closes: a new tab can tell whether others are
  // open, which before any refresh no count says.
  const presence = `${prefix}open`;
  let here = 0;
  let leave = (): void => {};

  /** `locks.request`, with a synchronous throw turned into a rejection. */
  const request = (lock: string, options: { signal?: AbortSignal; mode?: 'shared' }, callback: () => Promise<unknown>): Promise<unknown> =>
    new Promise((resolve) => {
      resolve(locks?.request(lock, options, callback));
    });

  function hold(kind: Kind, count: number): Promise<void> {
    // `refreshed` and `ended` are spelled as in 0.1.0, which reads every other letter as an end:
    // the colon makes it read the others as 0 while tabs of both versions are open.
    const lock = `${prefix}${kind[0] ?? ''}${kind === 'refreshed' || kind === 'ended' ? '' : ':'}${count}`;
    return new Promise<void>((settle) => {
      request(lock, { mode: 'shared' }, () => {
        settle();
        const previous = held.get(kind);
        if (closed || (previous && previous.count >= count)) return Promise.resolve();
        previous?.release();
        return new Promise<void>((release) => held.set(kind, { count, release }));
      }).catch(() => {
        broken = true;
        settle();
      });
    });
  }

  if (locks) {
    request(presence, { mode: 'shared' }, () => {
      if (closed) return Promise.resolve();
      here = 1;
      return new Promise<void>((release) => {
        leave = release;
      });
    }).catch(() => undefined);
  }

  return {
    exclusive(signal, callback) {
      if (broken) return callback();
      let ran = false;
      return request(name, { signal }, () => {
        ran = true;
        return callback();
      }).catch((error: unknown) => {
        if (ran || signal.aborted) throw error;
        broken = true;
        return callback();
      });
    },
    async read() {
      const counts: Counts & { others: number | undefined } = { ...noCounts(), others: undefined };
      // Whether its own is held as the query starts, and so among those it lists.
      const mine = here;
      let open = 0;
      try {
        for (const { name: lock } of (await locks?.query())?.held ?? []) {
          if (lock === presence) open += 1;
          const [, letter, count] = /^(\w):?(\d+)$/.exec(lock?.startsWith(prefix) ? lock.slice(prefix.length) : '') ?? [];
          const kind = kinds.find((k) => k[0] === letter);
          if (kind) counts[kind] = Math.max(counts[kind], Number(count));
        }
      } catch {
        // Counts unknown: the tab goes by what it heard.
        return counts;
      }
      // Not known before its own lock was granted: the lock manager may not be working.
      if (mine) counts.others = open - 1;
      return counts;
    },
    async hold(counts) {
      if (broken || closed) return;
      for (const kind of kinds) {
        const count = counts[kind];
        if (count > (asked.get(kind)?.count ?? 0)) asked.set(kind, { count, granted: hold(kind, count) });
      }
      await Promise.all([...asked.values()].map(({ granted }) => granted));
    },
    close() {
      closed = true;
      leave();
      for (const { release } of held.values()) release();
    },
  };
}
