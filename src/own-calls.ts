/**
 * Tells the requests a refresh sends itself from all others: one sent through an intercepted
 * instance from within `refresh` must go straight out, or it would wait for the very refresh
 * it belongs to. A call made synchronously in `refresh` is told apart everywhere; in Node (and
 * other runtimes with `AsyncLocalStorage`) so is one made after an `await`.
 */

interface Storage {
  run<R>(store: object, callback: () => R): R;
  getStore(): unknown;
}

type BuiltinModules = { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: new () => Storage } | undefined };

// Looked up at run time, so that a browser bundle neither imports nor needs `node:async_hooks`.
const Local = (globalThis as { process?: BuiltinModules }).process?.getBuiltinModule?.('node:async_hooks')?.AsyncLocalStorage;
const context: Storage | undefined = Local && new Local();

/** The marker of one session's refresh, to run it with and to ask about later. */
export function ownCalls(): { run<R>(callback: () => R): R; active(): boolean } {
  const marker = {};
  let synchronous = false;
  return {
    run(callback) {
      synchronous = true;
      try {
        return context ? context.run(marker, callback) : callback();
      } finally {
        synchronous = false;
      }
    },
    active: () => synchronous || context?.getStore() === marker,
  };
}
