import { byId } from './dom.js';

export type EventKind =
  | 'info'
  | 'refresh-started'
  | 'refresh-succeeded'
  | 'refresh-failed'
  | 'refresh-adopted'
  | 'session-expired'
  | 'error';

function clock(): string {
  const now = new Date();
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}

export function logEvent(kind: EventKind, text: string): void {
  const list = byId('events', HTMLOListElement);
  const item = document.createElement('li');
  item.dataset.kind = kind;
  item.textContent = `${clock()} ${text}`;
  list.append(item);
  item.scrollIntoView({ block: 'nearest' });
}
