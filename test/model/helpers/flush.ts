// Taken when this module loads, before any test fakes the timers: a real macrotask lets every
// pending microtask run first, however long the promise chains are.
const realSetImmediate = globalThis.setImmediate;

/** Resolves once everything already set in motion by promises has run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => {
    realSetImmediate(resolve);
  });
}

/** Runs `check` once everything already set in motion by promises has run. */
export function afterMicrotasks(check: () => void): void {
  realSetImmediate(check);
}
