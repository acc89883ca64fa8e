import type { ChannelLike, LockManagerLike } from '../../src/tabs.js';

type Mode = 'shared' | 'exclusive';

interface Request {
  name: string;
  mode: Mode;
  owner: object;
  grant(): void;
}

/** A tab's view of {@link FakeLocks}: closing the tab (or its crash) releases every lock it holds. */
export interface FakeTabLocks extends LockManagerLike {
  close(): void;
}

/**
 * One browser's Web Locks: exclusive and shared locks granted in request order, as
 * `navigator.locks` does for every tab of an origin.
 */
export class FakeLocks implements LockManagerLike {
  /**
   * How `request` fails, without running its callback: it `throws` at once (a sandboxed iframe's
   * SecurityError) or `rejects`.
   */
  failing: 'throws' | 'rejects' | undefined;
  /** Makes `query()` reject. */
  queryFails = false;
  /** Calls to `request` so far, from any tab. */
  requests = 0;
  private answers: Promise<void> | undefined;
  private readonly held: Array<Omit<Request, 'grant'>> = [];
  private readonly queue: Request[] = [];

  request(name: string, options: { signal?: AbortSignal; mode?: Mode }, callback: () => Promise<unknown>): Promise<unknown> {
    return this.requestAs(this, name, options, callback);
  }

  /** A lock manager for one tab, to close as the browser does when the tab closes. */
  tab(): FakeTabLocks {
    const owner = {};
    return {
      request: (name, options, callback) => this.requestAs(owner, name, options, callback),
      query: () => this.query(),
      close: () => {
        for (const lock of this.held.filter((held) => held.owner === owner)) this.release(lock);
        for (const request of this.queue.filter((queued) => queued.owner === owner)) this.queue.splice(this.queue.indexOf(request), 1);
      },
    };
  }

  /** How many requests wait for the lock `name`. */
  waiting(name: string): number {
    return this.queue.filter((request) => request.name === name).length;
  }

  /** The names of the locks held now. */
  names(): string[] {
    return this.held.map((lock) => lock.name);
  }

  query(): Promise<{ held: Array<{ name: string }> }> {
    if (this.queryFails) return Promise.reject(new Error('The lock manager is not available'));
    const answer = (): { held: Array<{ name: string }> } => ({ held: this.held.map(({ name }) => ({ name })) });
    return this.answers ? this.answers.then(answer) : Promise.resolve(answer());
  }

  /** Holds the answers to `query()` until the returned function is called, then answers with what is held then. */
  holdQueries(): () => void {
    let open = (): void => undefined;
    this.answers = new Promise((resolve) => {
      open = resolve;
    });
    return () => {
      this.answers = undefined;
      open();
    };
  }

  private requestAs(
    owner: object,
    name: string,
    { signal, mode = 'exclusive' }: { signal?: AbortSignal; mode?: Mode },
    callback: () => Promise<unknown>,
  ): Promise<unknown> {
    this.requests += 1;
    const refused = new DOMException('The request was denied.', 'SecurityError');
    if (this.failing === 'throws') throw refused;
    if (this.failing === 'rejects') return Promise.reject(refused);
    return this.acquire({ name, mode, owner }, signal).then(async (lock) => {
      try {
        return await callback();
      } finally {
        this.release(lock);
      }
    });
  }

  private acquire(lock: Omit<Request, 'grant'>, signal?: AbortSignal): Promise<Omit<Request, 'grant'>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const abort = (): void => {
        this.queue.splice(this.queue.indexOf(request), 1);
        reject(signal?.reason as Error);
      };
      const request: Request = {
        ...lock,
        grant: () => {
          signal?.removeEventListener('abort', abort);
          this.held.push(lock);
          resolve(lock);
        },
      };
      this.queue.push(request);
      signal?.addEventListener('abort', abort);
      this.grant();
    });
  }

  /** Grants every queued request that conflicts with no held lock and no earlier request. */
  private grant(): void {
    for (const request of [...this.queue]) {
      const conflicts = (other: { name: string; mode: Mode }): boolean =>
        other.name === request.name && (other.mode === 'exclusive' || request.mode === 'exclusive');
      const earlier = this.queue.slice(0, this.queue.indexOf(request));
      if (this.held.some(conflicts) || earlier.some(conflicts)) continue;
      this.queue.splice(this.queue.indexOf(request), 1);
      request.grant();
    }
  }

  private release(lock: Omit<Request, 'grant'>): void {
    const at = this.held.indexOf(lock);
    if (at === -1) return;
    this.held.splice(at, 1);
    this.grant();
  }
}

type Listener = (event: { data: unknown }) => void;

/** BroadcastChannels of one origin: a message reaches every other open channel of its name, a task later. */
export class FakeChannels {
  private readonly open = new Set<{ name: string; listeners: Set<Listener> }>();
  private held: Array<() => void> | undefined;
  readonly sent: unknown[] = [];

  /** Keeps messages from arriving until `deliver()`: a slow channel. */
  delay(): void {
    this.held ??= [];
  }

  deliver(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const send of held) send();
  }

  /** Keeps the messages `which` picks from arriving until the returned function is called: one slow tab. */
  holdWhere(which: (message: unknown) => boolean): () => void {
    const kept: Array<() => void> = [];
    this.kept = { which, sends: kept };
    return () => {
      this.kept = undefined;
      for (const send of kept) send();
    };
  }

  private kept: { which: (message: unknown) => boolean; sends: Array<() => void> } | undefined;

  channel = (name: string): ChannelLike => {
    const self = { name, listeners: new Set<Listener>() };
    this.open.add(self);
    return {
      postMessage: (message: unknown) => {
        this.sent.push(message);
        const data = structuredClone(message);
        for (const other of this.open) {
          if (other === self || other.name !== name) continue;
          const send = (): void => {
            setImmediate(() => {
              for (const listener of other.listeners) listener({ data });
            });
          };
          if (this.held) this.held.push(send);
          else if (this.kept?.which(message)) this.kept.sends.push(send);
          else send();
        }
      },
      addEventListener: (_type, listener) => self.listeners.add(listener),
      removeEventListener: (_type, listener) => self.listeners.delete(listener),
      close: () => this.open.delete(self),
    };
  };
}
