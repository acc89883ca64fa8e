import { byId } from './dom.js';

/**
 * What an entry of the log is about: the type of the session event it tells (the library's
 * names), or something the page did.
 */
export type EventKind =
  | 'refresh-started'
  | 'refresh-succeeded'
  | 'refresh-failed'
  | 'session-ended'
  | 'tokens-adopted'
  | 'burst'
  | 'info'
  | 'error';

export interface Entry {
  kind: EventKind;
  text: string;
  /** Further `data-` attributes of the entry, such as `by` for `session-ended`. */
  data?: Record<string, string>;
  /** When it happened, in epoch milliseconds. */
  at: number;
}

function clock(at: number): string {
  const time = new Date(at);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
}

let held: Entry[] | undefined;

function append({ kind, text, data = {}, at }: Entry): void {
  const list = byId('events', HTMLOListElement);
  const item = document.createElement('li');
  item.dataset.kind = kind;
  Object.assign(item.dataset, data);
  item.textContent = `${clock(at)} ${text}`;
  list.append(item);
  item.scrollIntoView({ block: 'nearest' });
}

export function logEvent(kind: EventKind, text: string, data?: Record<string, string>): void {
  const entry: Entry = { kind, text, at: Date.now(), ...(data && { data }) };
  if (held) held.push(entry);
  else append(entry);
}

/** Keeps the entries from now on out of the page until {@link release}: their story may not be worth telling. */
export function hold(): void {
  held ??= [];
}

/** Ends {@link hold}: shows the entries kept since, or drops them. */
export function release(show: boolean): void {
  const kept = held ?? [];
  held = undefined;
  if (show) kept.forEach(append);
}
