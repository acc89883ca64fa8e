/**
 * The options and the session of `createTabSession`, re-exported by the
 * `axios-refresh-interceptor/tabs` entry point.
 */
import type { SessionOptions } from './options.js';
import type { RefreshSession } from './session.js';

/**
 * The part of the Web Locks API (`navigator.locks`) this module uses. Pass your own as
 * `locks` to test without a browser.
 */
export interface LockManagerLike {
  /** Runs `callback` while holding the lock `name`, as `navigator.locks.request` does. */
  request(
    name: string,
    options: { signal?: AbortSignal; mode?: 'shared' },
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
  /**
   * Ends the session in every tab, for example after logout: each tab's `onSessionExpired` runs
   * once, and no tab refreshes until a log-in.
   */
  end(): void;
  /** As {@link RefreshSession.begin}; the other tabs are live again too. */
  begin(): void;
  /** Stops listening to the other tabs. */
  close(): void;
}
