/**
 * One refresh at a time across every browser tab of an origin, from the
 * `axios-refresh-interceptor/tabs` entry point: apps that do not use it do not bundle it.
 *
 * @module axios-refresh-interceptor/tabs
 */
import { SessionExpiredError, isSessionExpiredError } from './errors.js';
import { checkOptional, expected, validateSessionOptions } from './options.js';
import type { RefreshContext, SessionOptions } from './options.js';
import { createSession, isRejection } from './session.js';
import { tabMarkers } from './tab-markers.js';
import type { Counts } from './tab-markers.js';
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

type Message = { type: 'refreshed'; count: number; tokens?: unknown } | { type: 'ended'; count: number };

function defaultChannel(name: string): ChannelLike | undefined {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined;
}

/**
 * Makes a session that every tab of the origin shares: refreshes run one at a time under a Web
 * Lock, a tab that waited while another refreshed takes that refresh instead of making its own
 * (so a rotated refresh token is never presented twice), and session expiry or logout reaches
 * every tab. Where Web Locks are missing (Node, React Native, old browsers) it behaves like
 * {@link axios-refresh-interceptor!createRefreshSession}.
 *
 * @param options The options of {@link axios-refresh-interceptor!createRefreshSession}, plus `name`, `shareTokens`,
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
  const markers = locks && tabMarkers(locks, name);

  // What this tab has heard of: refreshes and ends of the session, counted across all tabs.
  const seen: Counts = { refreshed: 0, ended: 0 };
  let fromAnotherTab = false;
  const endedElsewhere = new Error('The session ended in another tab');
  // Thrown by a refresh that the end of the session overtook; already reported, so not again.
  const overtaken = new SessionExpiredError(endedElsewhere);
  const heard = new Set<() => void>();

  const learn = (counts: Counts): void => {
    seen.refreshed = Math.max(seen.refreshed, counts.refreshed);
    seen.ended = Math.max(seen.ended, counts.ended);
  };

  // With tokens handed over by message, a tab that skipped its refresh must wait for them.
  function tokensOf(generation: number, signal: AbortSignal): Promise<void> {
    if (!shareTokens || !channel || seen.refreshed >= generation) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (seen.refreshed < generation) return;
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
    if (!locks || !markers) return options.refresh(context);
    const before = { ...seen };
    return locks.request(name, { signal: context.signal }, async () => {
      const now = await markers.read();
      if (seen.ended > before.ended) throw overtaken;
      if (now.ended > before.ended) {
        // The session ended while this tab waited, and no message has told it yet.
        seen.ended = now.ended;
        throw new SessionExpiredError(endedElsewhere);
      }
      if (now.refreshed > before.refreshed) {
        // Another tab refreshed after this tab's credentials were issued: take its refresh.
        await tokensOf(now.refreshed, context.signal);
        return;
      }
      try {
        await options.refresh(context);
      } catch (error) {
        if (seen.ended > before.ended) throw overtaken;
        if (isRejection(error)) {
          const count = Math.max(seen.ended, now.ended) + 1;
          await markers.record('ended', count);
          seen.ended = count;
        }
        throw error;
      }
      // Ended by the app (logout) while the refresh ran: the new credentials are not wanted.
      if (seen.ended > before.ended) throw overtaken;
      const generation = Math.max(seen.refreshed, now.refreshed) + 1;
      await markers.record('refreshed', generation);
      seen.refreshed = generation;
      channel?.postMessage({ type: 'refreshed', count: generation, tokens: shareTokens?.read() } satisfies Message);
    });
  }

  const session = createSession(
    {
      ...options,
      refresh,
      onSessionExpired: (error) => {
        if (!fromAnotherTab) channel?.postMessage({ type: 'ended', count: seen.ended } satisfies Message);
        return options.onSessionExpired?.(error);
      },
    },
    endedBy,
  );

  /** Who ended the session when a refresh failed with `cause`; nobody new for one that the end overtook. */
  function endedBy(cause: unknown): 'server' | 'app' | 'other-tab' | undefined {
    if (cause === overtaken) return undefined;
    if ((cause as { cause?: unknown } | null)?.cause === endedElsewhere) return 'other-tab';
    return isSessionExpiredError(cause) ? 'app' : 'server';
  }

  function endHere(cause: Error, by: 'app' | 'other-tab'): void {
    fromAnotherTab = true;
    try {
      session.expire(cause, by);
    } finally {
      fromAnotherTab = false;
    }
  }

  const onMessage = ({ data }: { data: unknown }): void => {
    const message = data as Partial<Message> | null;
    if (typeof message?.count !== 'number') return;
    if (message.type === 'refreshed' && message.count > seen.refreshed) {
      seen.refreshed = message.count;
      const { tokens } = message as { tokens?: T };
      session.adopt(shareTokens && (() => {
        shareTokens.write(tokens as T);
      }));
      for (const done of [...heard]) done();
    } else if (message.type === 'ended' && message.count > seen.ended) {
      seen.ended = message.count;
      endHere(endedElsewhere, 'other-tab');
    }
  };
  channel?.addEventListener('message', onMessage);
  markers?.read().then(learn, () => undefined);

  return Object.assign(session, {
    end() {
      seen.ended += 1;
      const count = seen.ended;
      channel?.postMessage({ type: 'ended', count } satisfies Message);
      // Recorded under the refresh lock, so a tab that gets it next does not refresh.
      void locks?.request(name, {}, () => markers?.record('ended', Math.max(count, seen.ended)) ?? Promise.resolve());
      endHere(new Error('The session was ended by the app'), 'app');
    },
    close() {
      channel?.removeEventListener('message', onMessage);
      channel?.close();
      markers?.close();
    },
  });
}
