/**
 * The instances a session tells of its refreshes, so that each can see what a refresh changed in
 * its default headers, and the bare client of the one attached last.
 */

/** @internal Told about each refresh, so an instance can see what it changed in its defaults. */
export interface SessionListener {
  started(): void;
  /** `epoch`: the session's count of moves after the refresh (see session.ts). */
  succeeded(epoch: number): void;
  /** The bare client a refresh started from this instance gets. */
  readonly client: () => unknown;
}

type Ref = { deref(): SessionListener | undefined };

/**
 * A session's listeners, held weakly: an instance that shares a long-lived session and is
 * dropped without `eject` must still be collected, and must not cost every later refresh a look
 * at its headers.
 */
export type Listeners = Set<Ref>;

// Drops the entry of a collected listener at once, not at the next refresh: a server that makes
// an instance per request would otherwise pile them up between refreshes. Marked pure so that an
// app that imports only a guard does not bundle it.
const forget =
  typeof FinalizationRegistry === 'function'
    ? /* @__PURE__ */ new FinalizationRegistry<[Listeners, Ref]>(([listeners, ref]) => listeners.delete(ref))
    : undefined;

/** Adds `listener`; the function returned removes it. */
export function listen(listeners: Listeners, listener: SessionListener): () => void {
  const ref: Ref = typeof WeakRef === 'function' ? new WeakRef(listener) : { deref: () => listener };
  listeners.add(ref);
  forget?.register(listener, [listeners, ref], ref);
  return () => {
    listeners.delete(ref);
    forget?.unregister(ref);
  };
}

export function notify(listeners: Listeners, event: 'started' | 'succeeded', epoch: number): void {
  for (const ref of listeners) {
    const listener = ref.deref();
    if (listener) listener[event](epoch);
    else listeners.delete(ref);
  }
}

/** The listener added last that is still alive. */
export function lastListener(listeners: Listeners): SessionListener | undefined {
  let found: SessionListener | undefined;
  for (const ref of listeners) found = ref.deref() ?? found;
  return found;
}
