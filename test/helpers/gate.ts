/** A promise that a test opens by hand, to order events without sleeping. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once `condition` holds, checking after every macrotask; fails after `limit` checks. */
export async function until(condition: () => boolean, limit = 5_000): Promise<void> {
  for (let i = 0; i < limit; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}

/** Lets `n` macrotasks run, so that anything that was going to happen by now has happened. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Gates by path prefix, for a test server whose answers to some paths wait for the test. */
export interface PathGates {
  /** Holds answers to paths starting with `path` until the returned gate opens. */
  hold(path: string): Gate;
  /** Resolves at once, or when the gate holding `path` opens. */
  passed(path: string): Promise<void>;
  /** Opens every gate, so that a server can close. */
  openAll(): void;
}

export function pathGates(): PathGates {
  const holds = new Map<string, Gate>();
  return {
    hold(path) {
      const g = gate();
      holds.set(path, g);
      return {
        promise: g.promise,
        open() {
          holds.delete(path);
          g.open();
        },
      };
    },
    async passed(path) {
      await [...holds].find(([prefix]) => path.startsWith(prefix))?.[1].promise;
    },
    openAll() {
      for (const g of holds.values()) g.open();
    },
  };
}
