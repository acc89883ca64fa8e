import type { BurstTrace } from './burst-trace.js';
import { plural } from './session-log.js';

/**
 * What the burst cost in refreshes, from this tab's point of view. A tab that waited while
 * another tab refreshed made no call of its own, yet its requests were saved by a refresh: that
 * is told as such, not as "no refresh".
 */
function refreshes(trace: BurstTrace): string {
  const { own, endedBy, refresh } = trace;
  if (endedBy === 'other-tab') return 'session ended in another tab';
  if (endedBy === 'app') return 'logged out';
  if (own.calls > 0) {
    const calls = plural(own.calls, 'refresh', 'refreshes');
    if (own.failed === 0) return calls;
    return own.failed === own.calls ? `${calls} failed` : `${calls} (${own.failed} failed)`;
  }
  if (refresh.some((mark) => mark.step === 'adopted' || mark.step === 'succeeded')) return 'refreshed by another tab';
  return 'no refresh';
}

/** One line for a burst, such as `10 requests got 401, 1 refresh, 10 succeeded`. */
export function describeBurst(trace: BurstTrace): string {
  const total = trace.lanes.length;
  const unauthorized = trace.lanes.filter((lane) => lane.some((mark) => mark.step === '401')).length;
  const succeeded = trace.lanes.filter((lane) => lane.some((mark) => mark.step === 'done')).length;
  const requests =
    unauthorized === 0
      ? plural(total, 'request')
      : unauthorized === total
        ? `${plural(total, 'request')} got 401`
        : `${plural(total, 'request')}, ${unauthorized} got 401`;
  const outcome = succeeded === total ? `${succeeded} succeeded` : `${succeeded} of ${total} succeeded`;
  return `${requests}, ${refreshes(trace)}, ${outcome}`;
}
