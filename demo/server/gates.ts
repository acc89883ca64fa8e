/** Holds the requests of one route until it is opened, so a test can line events up without sleeping. */
export interface Gate {
  /** Requests waiting at the gate now. */
  readonly waiting: number;
  /** Resolves once `count` requests in all have reached the gate. */
  reached(count?: number): Promise<void>;
  /** Lets every waiting and later request through. */
  open(): void;
}

interface GateState extends Gate {
  pass(): Promise<void>;
}

function createGate(): GateState {
  let isOpen = false;
  let arrivals = 0;
  const held: Array<() => void> = [];
  const watchers: Array<{ count: number; resolve: () => void }> = [];
  const notify = (): void => {
    for (const watcher of [...watchers]) {
      if (arrivals >= watcher.count) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
    }
  };
  return {
    get waiting() {
      return held.length;
    },
    reached(count = 1) {
      return new Promise((resolve) => {
        watchers.push({ count, resolve });
        notify();
      });
    },
    open() {
      isOpen = true;
      for (const release of held.splice(0)) release();
    },
    pass() {
      arrivals += 1;
      const passage = isOpen ? Promise.resolve() : new Promise<void>((resolve) => held.push(resolve));
      notify();
      return passage;
    },
  };
}

/** The gates of one server, by route key. */
export class Gates {
  readonly #gates = new Map<string, GateState>();

  /** Closes a gate on `route` (a key like `POST /api/v1/users/refresh/`), replacing any earlier one. */
  close(route: string): Gate {
    this.#gates.get(route)?.open();
    const gate = createGate();
    this.#gates.set(route, gate);
    return gate;
  }

  pass(route: string): Promise<void> {
    return this.#gates.get(route)?.pass() ?? Promise.resolve();
  }

  /** Opens every gate, so that closing the server never leaves a request hanging. */
  openAll(): void {
    for (const gate of this.#gates.values()) gate.open();
    this.#gates.clear();
  }
}
