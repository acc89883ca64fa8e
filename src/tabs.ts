/**
 * One refresh at a time across every browser tab of an origin, from the
 * `axios-refresh-interceptor/tabs` entry point: apps that do not use it do not bundle it.
 *
 * @module axios-refresh-interceptor/tabs
 */
import { SessionExpiredError, isSessionExpiredError } from './errors.js';
import { checkTabOptions, rethrowMistake } from './checks.js';
import type { RefreshContext } from './options.js';
import { backoff, isRejection } from './refresh-outcome.js';
import { axiosTransport, failedAnswer } from './axios-session.js';
import { HANDED, createSession } from './session.js';
import type { SessionState } from './session.js';
import { noCounts, raise, tabLocks } from './tab-markers.js';
import type { Counts } from './tab-markers.js';
import type { ChannelLike, LockManagerLike, TabSession, TabSessionOptions } from './tab-options.js';

// `env` is read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string }; versions?: { node?: string; electron?: string } };

/**
 * Node has no tabs, even with a `document` (jsdom or happy-dom in a test runner): its Web Locks
 * and BroadcastChannels reach every worker thread of the process, which are other test files,
 * or on a server other users' sessions. Electron's windows are tabs.
 */
const inNode = (): boolean => typeof process === 'object' && !!process.versions?.node && !process.versions.electron;

export type { ChannelLike, LockManagerLike, TabSession, TabSessionOptions, TokenSharing } from './tab-options.js';

/** What a tab tells the others of a move of its own, with all it knows (see {@link Counts}). */
type Message = {
  // `asked`: a tab with no tokens asks for them; `tokens`: a tab that has the latest hands them
  // over; `none`: a tab with none answers the ask `to`.
  type: 'refreshed' | 'began' | 'ended' | 'cooling' | 'asked' | 'tokens' | 'none';
  counts: Counts;
  tokens?: unknown;
  until?: number | undefined;
  to?: number | undefined;
};

function defaultLocks(): LockManagerLike | undefined {
  if (inNode()) return undefined;
  try {
    return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  } catch {
    // A sandboxed iframe may refuse even to hand them out.
    return undefined;
  }
}

/** A BroadcastChannel where there are tabs: with a document, or in a worker of a page that has Web Locks. */
function defaultChannel(name: string, locks: unknown): ChannelLike | undefined {
  try {
    return typeof BroadcastChannel === 'function' && (locks || typeof document === 'object') && !inNode() ? new BroadcastChannel(name) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes a session that every tab of the origin shares: refreshes run one at a time under a Web
 * Lock, a tab that waited while another refreshed takes that refresh instead of making its own
 * (so a rotated refresh token is never presented twice), a log-out, a log-in or a cooldown in
 * one tab reaches every tab, and a tab opened later knows what happened before it. Where Web
 * Locks are missing or refused (Node, React Native, old browsers, sandboxed iframes) each tab
 * refreshes on its own, as {@link axios-refresh-interceptor!createRefreshSession} does, and the
 * tabs still tell each other through a BroadcastChannel where there is one.
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
  try {
    if (process.env.NODE_ENV !== 'production') checkTabOptions(options);
  } catch (error) {
    rethrowMistake(error);
  }
  const name = options.name ?? 'axios-refresh-interceptor';
  const { shareTokens } = options;
  const locks = options.locks ?? defaultLocks();
  // Taken before the channel opens: whatever is recorded later, this tab hears of by message too.
  const opened = Date.now();
  let channel = options.channel ? options.channel(name) : defaultChannel(name, locks);
  const tab = tabLocks(locks, name);

  // What this tab knows of every tab's moves; see Counts.
  const seen = noCounts();
  // The latest `refreshed` whose credentials this tab has: made here, or handed over by message.
  let applied = 0;
  // A bearer session's token when this tab learned that the session was over.
  let endedToken: string | undefined;
  // Set while a message moves this session, so that the move is not told back.
  let quiet = false;
  // What this tab's own refresh call failed with last: only its cooldown is told to the others.
  let failedHere: unknown;
  // Ends of this tab's session, made here or told by another tab. A refresh reads them once its
  // call is done instead of the session's state, which would take the tokens the call stored for
  // a log-in.
  let ends = 0;
  const waiting = new Set<() => void>();
  // A request for tokens that no tab answered: the next refresh goes ahead without them.
  let unanswered = false;
  // This tab's latest ask for tokens, and how many tabs answered it that they have none.
  let asking = 0;
  let nones = 0;
  const ask = (): void => {
    asking = Math.random();
    nones = 0;
    post('asked', { to: asking });
  };
  const endedElsewhere = new Error('The session ended in another tab');
  const cooledElsewhere = new Error('A refresh failed in another tab');

  const over = (): boolean => seen.ended > seen.began;

  function learn(counts: Partial<Counts>): Promise<void> {
    const was = over();
    raise(seen, counts);
    if (!was && over()) endedToken = token();
    // Held by every tab that knows them, they survive the tab that recorded them.
    return tab.hold(seen);
  }

  function post(type: Message['type'], more?: Omit<Message, 'type' | 'counts'>): void {
    channel?.postMessage({ type, counts: seen, ...more } satisfies Message);
  }

  let read = false;
  // The credentials this tab opened with, from its first read.
  let first = 0;
  const ready = tab.read().then((counts) => {
    read = true;
    // Credentials recorded after this tab opened may be newer than the ones its first requests
    // carried; their message is on its way, as the channel was open before they were recorded.
    first = counts.refreshed - (counts.issuedAt > opened ? 1 : 0);
    applied = Math.max(applied, first);
    void learn(counts);
    // Opened during another tab's cooldown: no refresh from here before it ends either.
    session.pause(seen.until, cooledElsewhere);
    // Tokens held in memory are in the open tabs, not in this one.
    if (tokenless()) ask();
  });

  /** Runs `move` once the first read is in, so that the counts it tells carry on from the highest. */
  const known = (move: () => void): void => {
    if (read) move();
    else void ready.then(move);
  };

  /** A log-in in this tab: the other tabs are live again, with its credentials. */
  const logIn = (): void => {
    known(() => {
      applied = seen.refreshed + 1;
      void learn({ refreshed: applied, issuedAt: Date.now(), began: seen.ended, steady: seen.cooled });
      const tell = (): void => {
        post('began', { tokens: shareTokens?.read() });
      };
      // A log-in request succeeds before the app's code reads its answer and stores the tokens:
      // they are read a turn later, once that code has run.
      if (shareTokens) setTimeout(tell, 0);
      else tell();
    });
  };

  /**
   * True while the session is over in every tab: it ended, and nobody logged in since. A tab that
   * opened after the end knows it from the markers alone; its own session ends at its first 401.
   */
  function lapsed(): boolean {
    // A new token is a log-in for a bearer session; its own session sees that once it has ended.
    if (over() && coreState() !== 'ended' && token() !== endedToken) logIn();
    return over();
  }

  /** Takes another tab's refresh or log-in: cookies are in the jar already, tokens come by message. */
  function take(signal: AbortSignal): Promise<void> | undefined {
    const target = seen.refreshed;
    if (!shareTokens) {
      // As its message would, whichever comes first.
      if (applied < target) {
        applied = target;
        session.adopt(undefined, true);
      }
      return undefined;
    }
    return when(() => applied >= target, signal);
  }

  /** Resolves once a message made `done` true, or rejects when `signal` aborts first. */
  function when(done: () => boolean, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        waiting.delete(check);
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = (): void => {
        waiting.delete(check);
        reject(signal.reason as Error);
      };
      waiting.add(check);
      signal.addEventListener('abort', aborted);
      check();
    });
  }

  async function refresh(context: RefreshContext): Promise<unknown> {
    // The credentials the failed request may have carried: taken before the first read, the
    // count might be one this tab's credentials predate; after it, a message may have raised it.
    const start = applied;
    // The failed request went out with no token: tokens handed over since are what it needed.
    const without = tokenless();
    await ready;
    const had = Math.max(start, first);
    const failures = seen.cooled;
    return tab.exclusive(context.signal, async () => {
      const { others, ...counts } = await tab.read();
      void learn(counts);
      if (lapsed() || coreState() === 'ended') throw new SessionExpiredError(endedElsewhere);
      if (seen.refreshed > had || (without && !tokenless())) return take(context.signal);
      // A tab that opened after a log-in in another, with tokens held in memory, has none: a
      // refresh without them would be rejected, and the rejection would end every tab's session.
      // It asks when other tabs are open, and goes on without tokens once they all said they have
      // none; where it cannot tell, when the tabs have refreshed since a log-in.
      if (channel && tokenless() && (others ?? seen.refreshed) > 0 && !unanswered) {
        ask();
        try {
          await when(() => !!token() || (others !== undefined && nones >= others), context.signal);
        } catch (error) {
          unanswered = true;
          throw error;
        }
        if (token()) return HANDED;
      }
      // Another tab's refresh failed while this one waited: the server is not back yet.
      if (seen.cooled > failures) throw cooledElsewhere;
      // A log-out or a log-in while the call is out makes its outcome one of a session gone by,
      // which no tab is to hear of.
      const life = seen.ended + seen.began;
      const endsBefore = ends;
      const renewed = seen.refreshed;
      const before = token();
      const current = (): boolean => ends === endsBefore && seen.ended + seen.began === life;
      let value: unknown;
      try {
        value = await options.refresh(context);
        const failed = failedAnswer(value);
        if (failed) throw failed;
      } catch (error) {
        // A log-in here or in another tab while the call was out (with `accessToken`, a new token
        // here): it presented the credentials from before, and its rejection ends nothing, here
        // as in a session of one tab. The tabs go on with the log-in's.
        if (isRejection(error) && current() && (seen.refreshed > renewed || (token() ?? before) !== before)) {
          if (seen.refreshed === renewed) logIn();
          await take(context.signal);
          coreBegin();
          throw error;
        }
        if (current()) {
          failedHere = error;
          const rejected = isRejection(error);
          const now = Date.now();
          const cooled = seen.cooled + 1;
          // Recorded before the lock goes, so that a tab that waited for it knows when the tabs
          // may refresh again: the backoff of the failures in a row in every tab, or Retry-After.
          await learn(rejected ? { ended: seen.ended + 1 } : { cooled, until: Math.max(seen.until, now + backoff(error, cooled - seen.steady, now)) });
          if (rejected) post('ended');
        }
        throw error;
      }
      // Ended by the app (logout) while the refresh ran: the new credentials are not wanted.
      if (ends !== endsBefore) throw new SessionExpiredError(endedElsewhere);
      if (!current()) return value;
      applied = seen.refreshed + 1;
      await learn({ refreshed: applied, issuedAt: Date.now(), steady: seen.cooled });
      post('refreshed', { tokens: shareTokens?.read() });
      return value;
    });
  }

  const session = createSession(
    { ...options, refresh },
    axiosTransport,
    {
      endedBy: (cause) =>
        (cause as { cause?: unknown } | null)?.cause === endedElsewhere ? 'other-tab' : isSessionExpiredError(cause) ? 'app' : 'server',
      cooled(until, cause) {
        // The tabs back off together: this tab's own count of failures in a row leaves out those
        // of the others, which the cooldown they record counts.
        const later = Math.max(until, seen.until);
        if (cause === failedHere) {
          void learn({ until: later });
          post('cooling', { until: later });
        }
        return later;
      },
      began() {
        if (!quiet) logIn();
      },
    },
  );
  // What the session of this tab alone says; `state` says `ended` too where only the markers know.
  const coreState = Object.getOwnPropertyDescriptor(session, 'state')?.get?.bind(session) as () => SessionState;
  const coreBegin = session.begin.bind(session);
  const coreEnd = session.end.bind(session);

  /** A bearer session whose tokens are handed between tabs, with no token in this one. */
  const tokenless = (): boolean => !!shareTokens && !!session.bearer && !token();

  function token(): string | undefined {
    try {
      return session.bearer?.token();
    } catch {
      return undefined;
    }
  }

  const onMessage = ({ data }: { data: unknown }): void => {
    const { type, counts, tokens, until, to } = (data ?? {}) as Partial<Message>;
    if (typeof counts?.refreshed !== 'number') return;
    const fresh = counts.refreshed > applied;
    void learn(counts);
    // Read before `quiet`: a bearer session may find a log-in of its own here, to be told.
    const ended = coreState() === 'ended';
    quiet = true;
    try {
      if (type === 'ended' && over()) {
        ends += 1;
        session.expire(endedElsewhere, 'other-tab');
      }
      if (type === 'cooling') {
        void learn({ until: Number(until) || 0 });
        session.pause(seen.until, cooledElsewhere);
      }
      if (shareTokens && !over()) {
        if (type === 'asked') {
          if (token() && applied === seen.refreshed) post('tokens', { tokens: shareTokens.read() });
          else post('none', { to });
        }
        if (type === 'none' && to === asking) nones += 1;
        if (type === 'tokens' && tokenless()) {
          applied = Math.max(applied, counts.refreshed);
          session.adopt(() => {
            shareTokens.write(tokens as T);
          });
          // Handed over, not new: a cooldown in force holds, which new credentials would end.
          session.pause(seen.until, cooledElsewhere);
        }
      }
      // New credentials: a log-in makes an ended session live again; a refresh does not.
      if (fresh && !over() && (type === 'began' || (type === 'refreshed' && !ended))) {
        applied = counts.refreshed;
        const write = shareTokens && ((): void => { shareTokens.write(tokens as T); });
        if (ended) {
          write?.();
          coreBegin();
        } else {
          // A log-in elsewhere supersedes a refresh out here, as one here would.
          if (type === 'began') coreBegin();
          session.adopt(write, type === 'refreshed');
        }
      }
    } finally {
      quiet = false;
    }
    for (const check of [...waiting]) check();
  };
  channel?.addEventListener('message', onMessage);

  const tabSession: TabSession = Object.assign(session, {
    begin() {
      const state = coreState();
      if (state === 'ended') coreBegin();
      else {
        // A call out here presented the credentials from before; the other tabs hear of the
        // log-in, and a refresh out in one of them ends nothing when it is rejected.
        if (state === 'refreshing') coreBegin();
        logIn();
      }
    },
    end() {
      ends += 1;
      coreEnd();
      known(() => {
        void learn({ ended: seen.ended + 1 });
        post('ended');
      });
    },
    close() {
      channel?.removeEventListener('message', onMessage);
      const shut = (): void => {
        channel?.close();
        channel = undefined;
        tab.close();
      };
      // A refresh call out now is still recorded and told when it settles: the other tabs take it
      // instead of presenting its rotated refresh token again.
      const call = session.lingering();
      if (call) void call.settled.then(shut);
      else shut();
    },
  });
  return Object.defineProperty(tabSession, 'state', { get: () => (lapsed() ? 'ended' : coreState()) });
}
