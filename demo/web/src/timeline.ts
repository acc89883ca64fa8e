import type { BurstTrace, RefreshMark, RequestMark } from './burst-trace.js';

/** A stretch of a lane (a bar) or a moment in it (a tick), as the key names it. */
interface Piece {
  kind: string;
  from: number;
  to?: number;
}

/** The pieces of one request's lane: sent, 401, waiting, sent again, done. */
function requestPieces(marks: readonly RequestMark[]): Piece[] {
  const pieces: Piece[] = [];
  let sends = 0;
  marks.forEach((mark, i) => {
    const next = marks[i + 1];
    if (mark.step === 'sent') {
      sends += 1;
      // A request the library held while a refresh ran passes the request interceptors twice.
      const kind = next?.step === 'sent' ? 'held' : sends === 1 ? 'sent' : 'sent-again';
      pieces.push({ kind, from: mark.at, to: next?.at ?? mark.at });
    } else {
      pieces.push({ kind: mark.step, from: mark.at });
      if (mark.step === '401' && next) pieces.push({ kind: 'waiting', from: mark.at, to: next.at });
    }
  });
  return pieces;
}

/** The pieces of the refresh lane: this tab's refresh, or the other tab's it took over. */
function refreshPieces(marks: readonly RefreshMark[], own: boolean): Piece[] {
  const pieces: Piece[] = [];
  let started: number | undefined;
  for (const mark of marks) {
    if (mark.step === 'started') started = mark.at;
    else if (mark.step === 'succeeded' || mark.step === 'failed') {
      const kind = own ? (mark.step === 'failed' ? 'refresh-failed' : 'refresh') : 'other-tab-refresh';
      pieces.push({ kind, from: started ?? mark.at, to: mark.at });
      started = undefined;
    } else pieces.push({ kind: mark.step, from: mark.at });
  }
  // A refresh still out when the burst ended, as when the session ended meanwhile.
  if (started !== undefined) pieces.push({ kind: own ? 'refresh' : 'other-tab-refresh', from: started, to: started });
  return pieces.sort((a, b) => a.from - b.from);
}

const LABELS: Record<string, string> = {
  sent: 'sent',
  held: 'held until the refresh',
  '401': '401: access token expired',
  waiting: 'waiting for the refresh',
  'sent-again': 'sent again',
  done: 'done',
  failed: 'failed',
  refresh: 'refresh (this tab)',
  'refresh-failed': 'refresh failed',
  'other-tab-refresh': "another tab's refresh",
  adopted: "another tab's tokens taken",
  ended: 'session ended',
};

function lane(name: string, kind: 'request' | 'refresh', pieces: readonly Piece[], span: number): HTMLElement {
  const row = document.createElement('div');
  row.className = 'lane';
  row.dataset.lane = kind;
  row.dataset.steps = pieces.map((piece) => piece.kind).join(' ');
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = name;
  const track = document.createElement('div');
  track.className = 'track';
  for (const piece of pieces) {
    const element = document.createElement('span');
    element.dataset.kind = piece.kind;
    element.dataset.from = piece.from.toFixed(1);
    if (piece.to !== undefined) element.dataset.to = piece.to.toFixed(1);
    element.style.left = `${(piece.from / span) * 100}%`;
    if (piece.to === undefined) {
      element.className = 'tick';
      element.title = `${LABELS[piece.kind] ?? piece.kind} at ${Math.round(piece.from)} ms`;
    } else {
      element.className = 'bar';
      element.style.width = `${((piece.to - piece.from) / span) * 100}%`;
      element.title = `${LABELS[piece.kind] ?? piece.kind}: ${Math.round(piece.from)}–${Math.round(piece.to)} ms`;
    }
    track.append(element);
  }
  row.append(label, track);
  return row;
}

function key(kinds: readonly string[]): HTMLElement {
  const list = document.createElement('ul');
  list.className = 'key';
  for (const kind of kinds) {
    const item = document.createElement('li');
    item.dataset.kind = kind;
    item.textContent = LABELS[kind] ?? kind;
    list.append(item);
  }
  return list;
}

/**
 * Draws a burst as one lane per request under a lane for the refresh, on one time axis, so
 * that ten requests meeting one refresh are seen at a glance.
 */
export function drawTimeline(figure: HTMLElement, trace: BurstTrace & { refreshLanes?: RefreshMark[][] }, caption: string): void {
  const own = trace.own.calls > 0;
  // A burst through the hand-written interceptor makes one refresh per 401, each on a lane of its own.
  const refreshes = (trace.refreshLanes ?? [trace.refresh]).map((marks) => refreshPieces(marks, own));
  const requests = trace.lanes.map(requestPieces);
  const ends = [...refreshes.flat(), ...requests.flat()].map((piece) => piece.to ?? piece.from);
  // Tiny bursts still get a visible axis.
  const span = Math.max(1, ...ends);
  const lanes = document.createElement('div');
  lanes.className = 'lanes';
  const refreshLanes = refreshes.map((pieces, i) => {
    const row = lane(refreshes.length > 1 ? `refresh ${i + 1}` : 'refresh', 'refresh', pieces, span);
    row.dataset.by = own ? 'this-tab' : pieces.length > 0 ? 'another-tab' : 'none';
    return row;
  });
  lanes.append(...refreshLanes, ...requests.map((pieces, i) => lane(`request ${i + 1}`, 'request', pieces, span)));
  const axis = document.createElement('p');
  axis.className = 'axis';
  const start = document.createElement('span');
  start.textContent = '0 ms';
  const end = document.createElement('span');
  end.textContent = `${Math.round(span)} ms`;
  axis.append(start, end);
  const title = document.createElement('figcaption');
  title.textContent = caption;
  const used = new Set([...refreshes.flat(), ...requests.flat()].map((piece) => piece.kind));
  figure.replaceChildren(title, lanes, axis, key(Object.keys(LABELS).filter((kind) => used.has(kind))));
  figure.hidden = false;
}
