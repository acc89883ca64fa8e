/**
 * One refresh at a time across every browser tab of an origin, from the
 * `axios-refresh-interceptor/tabs` entry point: apps that do not use it do not bundle it.
 *
 * @module axios-refresh-interceptor/tabs
 */
import { SessionExpiredError } from './errors.js';
import { checkOptional, expected, validateSessionOptions } from './options.js';
import type { RefreshContext, SessionOptions } from './options.js';
import { createRefreshSession } from './session.js';
import type { RefreshSession } from './session.js';

/**
 * The part of the Web Locks API (`navigator.locks`) this module uses. Pass your own as
 * `locks` to test without a browser.
 */
export interface LockManagerLike {
  /** Runs `callback` while holding the lock `name`, as `navigator.locks.request` does. */
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<unknown>,
  ): Promise<unknown>;
  /** Lists the locks held in any tab of the origin (`held`, each with its `name`). */
  query(): Promise<{ held?: Array<{ name?: string | undefined }> | undefined }>;
}

/** The part of `BroadcastChannel` this module uses. */
export interface ChannelLike {
  /** Sends a message to the other tabs. */
  postMessage(message: unknown): void;
  /** Listens to the other tabs' messages. */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Stops listening. */
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Closes the channel. */
  close(): void;
}

/**
 * Hands tokens one tab obtained to the others, for apps that keep bearer tokens in memory.
 *
 * @example
 * ```ts
 * let tokens = { access: '', refresh: '' };
 * const session = createTabSession({
 *   refresh: async ({ client }) => {
 *     tokens = (await client.post('auth/refresh/', { refresh: tokens.refresh })).data;
 *   },
 *   shareTokens: { read: () => tokens, write: (next) => { tokens = next; } },
 * });
 * ```
 */
export interface TokenSharing<T> {
  /** Reads the tokens this tab holds now, right after its refresh; they must be structured-cloneable. */
  read: () => T;
  /** Installs tokens another tab obtained. */
  write: (tokens: T) => void;
}

/** Options of a session shared by every tab of an origin. */
export interface TabSessionOptions<T = unknown> extends SessionOptions {
  /**
   * Name of the Web Lock and the BroadcastChannel; sessions with the same name in any tab of
   * the origin refresh as one.
   * @default 'axios-refresh-interceptor'
   */
  name?: string | undefined;
  /**
   * For bearer tokens held in memory: how to hand new tokens to the other tabs. Cookie sessions
   * need nothing.
   * @default undefined
   */
  shareTokens?: TokenSharing<T> | undefined;
  /**
   * The lock manager.
   * @default globalThis.navigator?.locks
   */
  locks?: LockManagerLike | undefined;
  /**
   * Opens the channel to the other tabs.
   * @default (name) => new BroadcastChannel(name)
   */
  channel?: ((name: string) => ChannelLike) | undefined;
}

/**
 * A session whose refreshes, expiry and logout are shared by every tab of the origin.
 *
 * @example
 * ```ts
 * async function logOut() {
 *   try {
 *     await api.post('users/logout/');
 *   } finally {
 *     session.end(); // every tab's onSessionExpired runs once
 *   }
 * }
 * ```
 */
export interface TabSession extends RefreshSession {
  /** Ends the session in every tab, for example after logout: each tab's `onSessionExpired` runs once. */
  end(): void;
  /** Stops listening to the other tabs. */
  close(): void;
}

type Message = { type: 'refreshed'; generation: number; tokens?: unknown } | { type: 'ended'; generation: number };

function defaultChannel(name: string): ChannelLike | undefined {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined;
}

/**
 * Makes a session that every tab of the origin shares: refreshes run one at a time under a Web
 * Lock, a tab that waited while another refreshed takes that refresh instead of making its own
 * (so a rotated refresh token is never presented twice), and session expiry or logout reaches
 * every tab. Where Web Locks are missing (Node, React Native, old browsers) it behaves like
 * {@link createRefreshSession}.
 *
 * @param options The options of {@link createRefreshSession}, plus `name`, `shareTokens`,
 * `locks` and `channel`.
 * @returns A session to pass to
 * {@link axios-refresh-interceptor!createRefreshInterceptor} as `{ session }`.
 * @throws TypeError when an option is not what is expected, naming the option.
 *
 * @example
 * ```ts
 * import { createRefreshInterceptor } from 'axios-refresh-interceptor';
 * import { createTabSession } from 'axios-refresh-interceptor/tabs';
 *
 * const session = createTabSession({
 *   refresh: ({ client }) => client.post('users/refresh/'),
 *   onSessionExpired: () => router.navigate('/login'),
 * });
 * createRefreshInterceptor(api, { session });
 * ```
 */
export function createTabSession<T = unknown>(options: TabSessionOptions<T>): TabSession {
  validateSessionOptions(options);
  const name = options.name ?? 'axios-refresh-interceptor';
  if (typeof name !== 'string' || name === '') throw expected('name', 'a non-empty string', name);
  checkOptional('channel', options.channel);
  const { shareTokens } = options;
  if (shareTokens !== undefined && (typeof shareTokens.read !== 'function' || typeof shareTokens.write !== 'function')) {
    throw expected('shareTokens', 'an object with read and write functions', shareTokens);
  }
  const locks =
    options.locks ?? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  const channel = locks ? (options.channel ?? defaultChannel)(name) : undefined;
  const marker = `${name}#`;

  // The newest generation (count of successful refreshes across tabs) this tab has heard of.
  let known = 0;
  // Ends of the session this tab has seen; a refresh that waited through one is not sent.
  let ends = 0;
  let fromAnotherTab = false;
  const endedElsewhere = new Error('The session ended in another tab');
  let releaseMarker: (() => void) | undefined;
  const heard = new Set<() => void>();

  async function newestGeneration(manager: LockManagerLike): Promise<number> {
    const { held = [] } = await manager.query();
    let newest = 0;
    for (const lock of held) {
      if (lock.name?.startsWith(marker)) newest = Math.max(newest, Number(lock.name.slice(marker.length)) || 0);
    }
    return newest;
  }

  // Holds a lock named after the generation until this tab refreshes again or closes: the lock
  // manager then tells every tab that the refresh happened, before the refresh lock is released,
  // which a message could not promise.
  function mark(manager: LockManagerLike, generation: number): Promise<void> {
    releaseMarker?.();
    return new Promise((granted) => {
      void manager.request(`${marker}${generation}`, {}, () => {
        granted();
        return new Promise<void>((release) => {
          releaseMarker = release;
        });
      });
    });
  }

  // With tokens handed over by message, a tab that skipped its refresh must wait for them.
  function tokensOf(generation: number, signal: AbortSignal): Promise<void> {
    if (!shareTokens || !channel || known >= generation) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (known < generation) return;
        heard.delete(done);
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = (): void => {
        heard.delete(done);
        reject(signal.reason as Error);
      };
      heard.add(done);
      signal.addEventListener('abort', aborted);
    });
  }

  async function refresh(context: RefreshContext): Promise<unknown> {
    if (!locks) return options.refresh(context);
    const seen = known;
    const endsBefore = ends;
    return locks.request(name, { signal: context.signal }, async () => {
      const newest = await newestGeneration(locks);
      if (newest > seen) {
        // Another tab refreshed after this tab's credentials were issued: take its refresh.
        await tokensOf(newest, context.signal);
        return;
      }
      if (ends !== endsBefore) throw new SessionExpiredError(endedElsewhere);
      await options.refresh(context);
      const generation = newest + 1;
      await mark(locks, generation);
      known = Math.max(known, generation);
      channel?.postMessage({ type: 'refreshed', generation, tokens: shareTokens?.read() } satisfies Message);
    });
  }

  const session = createRefreshSession({
    ...options,
    refresh,
    onSessionExpired: (error) => {
      // This end was reported when the other tab's message came.
      if (error.cause === endedElsewhere && !fromAnotherTab) return undefined;
      ends += 1;
      if (!fromAnotherTab) channel?.postMessage({ type: 'ended', generation: known } satisfies Message);
      return options.onSessionExpired?.(error);
    },
  });

  function endHere(cause: Error, remote: boolean): void {
    fromAnotherTab = remote;
    try {
      session.expire(cause);
    } finally {
      fromAnotherTab = false;
    }
  }

  const onMessage = ({ data }: { data: unknown }): void => {
    const message = data as Partial<Message> | null;
    if (typeof message?.generation !== 'number') return;
    if (message.type === 'refreshed' && message.generation > known) {
      known = message.generation;
      const { tokens } = message as { tokens?: T };
      session.adopt(shareTokens && (() => {
        shareTokens.write(tokens as T);
      }));
      for (const done of [...heard]) done();
    } else if (message.type === 'ended' && message.generation >= known) {
      known = message.generation;
      endHere(endedElsewhere, true);
    }
  };
  channel?.addEventListener('message', onMessage);
  if (locks) {
    void newestGeneration(locks).then(
      (newest) => {
        known = Math.max(known, newest);
      },
      () => undefined,
    );
  }

  return Object.assign(session, {
    end() {
      channel?.postMessage({ type: 'ended', generation: known } satisfies Message);
      endHere(new Error('The session was ended by the app'), true);
    },
    close() {
      channel?.removeEventListener('message', onMessage);
      channel?.close();
      releaseMarker?.();
    },
  });
}
