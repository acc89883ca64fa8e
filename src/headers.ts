/**
 * An axios instance's default headers, and what a refresh changed in them. Typed by shape, so
 * that bearer.ts, which reads them too, needs no axios.
 */

/** An instance as far as its default headers go. */
export interface WithDefaults {
  readonly defaults: { readonly headers: unknown };
}

/** A request's headers, as `AxiosHeaders` has them. */
export interface HeaderBag {
  get(name: string): unknown;
  set(name: string, value: string, rewrite?: boolean): unknown;
  delete(name: string): unknown;
}

type Change = [name: string, before: string | undefined, after: string | undefined];

// A request seldom outlives more than one or two refreshes; older changes are dropped.
const HISTORY = 8;

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

/**
 * The instance's default headers that every request gets: `common`, then top-level ones
 * (the per-method maps there are objects, so `text` passes over them).
 */
function defaultHeaders(instance: WithDefaults): Map<string, string> {
  const found = new Map<string, string>();
  const all = instance.defaults.headers as Record<string, unknown>;
  for (const source of [all.common, all]) {
    for (const [name, value] of Object.entries(source ?? {})) {
      const shown = text(value);
      if (shown !== undefined) found.set(name.toLowerCase(), shown);
    }
  }
  return found;
}

/** Whether `value` is what the instance's defaults give every request as header `name`. */
export function isDefaultHeader(instance: WithDefaults, name: string, value: unknown): boolean {
  return text(value) !== undefined && defaultHeaders(instance).get(name) === text(value);
}

/**
 * Tracks what each refresh wrote into the instance's default headers (typically
 * `defaults.headers.common.Authorization`). axios copies defaults into a request's own headers
 * before interceptors run, so a request built before a refresh carries the old value and
 * replaying it would send the dead token: `apply` swaps in the new one.
 */
export function trackDefaultHeaders(instance: WithDefaults): {
  started: () => void;
  /** `epoch`: the count of moves of the refresh that succeeded; see `apply`. */
  succeeded: (epoch: number) => void;
  apply: (config: { readonly headers: HeaderBag }, since: number) => void;
} {
  let before: Map<string, string> | undefined;
  const history: Array<{ epoch: number; changes: Change[] }> = [];
  return {
    started() {
      before = defaultHeaders(instance);
    },
    succeeded(epoch) {
      if (!before) return;
      const after = defaultHeaders(instance);
      const changes: Change[] = [];
      for (const name of new Set([...before.keys(), ...after.keys()])) {
        if (before.get(name) !== after.get(name)) changes.push([name, before.get(name), after.get(name)]);
      }
      before = undefined;
      if (changes.length === 0) return;
      history.push({ epoch, changes });
      if (history.length > HISTORY) history.shift();
    },
    apply(config, since) {
      for (const { epoch, changes } of history) {
        if (epoch <= since) continue;
        for (const [name, old, fresh] of changes) {
          // Only a value that came from the defaults is replaced; one set for this request stays.
          if (text(config.headers.get(name)) !== old) continue;
          if (fresh === undefined) config.headers.delete(name);
          else config.headers.set(name, fresh);
        }
      }
    },
  };
}
