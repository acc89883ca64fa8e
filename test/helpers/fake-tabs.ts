import type { ChannelLike, LockManagerLike } from '../../src/tabs.js';

/**
 * One browser's Web Locks: exclusive locks granted in request order, as `navigator.locks` does
 * for every tab of an origin.
 */
export class FakeLocks implements LockManagerLike {
  private readonly held = new Set<string>();
  private readonly queues = new Map<string, Array<() => void>>();

  async request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown>): Promise<unknown> {
    await this.acquire(name, options.signal);
    try {
      return await callback();
    } finally {
      this.release(name);
    }
  }

  /** How many requests wait for the lock `name`. */
  waiting(name: string): number {
    return this.queues.get(name)?.length ?? 0;
  }

  query(): Promise<{ held: Array<{ name: string }> }> {
    return Promise.resolve({ held: [...this.held].map((name) => ({ name })) });
  }

  private acquire(name: string, signal?: AbortSignal): Promise<void> {
    if (!this.held.has(name)) {
      this.held.add(name);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(name) ?? [];
      this.queues.set(name, queue);
      const grant = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = (): void => {
        queue.splice(queue.indexOf(grant), 1);
        reject(signal?.reason as Error);
      };
      queue.push(grant);
      signal?.addEventListener('abort', abort);
    });
  }

  private release(name: string): void {
    const next = this.queues.get(name)?.shift();
    if (next) next();
    else this.held.delete(name);
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
          else send();
        }
      },
      addEventListener: (_type, listener) => self.listeners.add(listener),
      removeEventListener: (_type, listener) => self.listeners.delete(listener),
      close: () => this.open.delete(self),
    };
  };
}
