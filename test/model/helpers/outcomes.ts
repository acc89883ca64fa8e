import axios, { isAxiosError } from 'axios';
import type { AxiosResponse } from 'axios';
import { isRefreshFailedError, isSessionExpiredError } from '../../../src/index.js';
import type { Log } from './model-server.js';
import type { RequestRecord } from './record.js';

/** What a caller ended up with, sorted into the kinds the README documents. */
export type OutcomeKind =
  | 'ok'
  | 'session-expired'
  | 'refresh-failed'
  | 'canceled'
  | 'retry-401'
  | 'original-401'
  | 'skipped-401'
  | 'undocumented';

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'ok',
  'session-expired',
  'refresh-failed',
  'canceled',
  'retry-401',
  'original-401',
  'skipped-401',
  'undocumented',
];

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return typeof error === 'string' ? error : typeof error;
}

/** Whether `cause` is what a refresh fails with in this model when it does not end the session. */
function transientCause(cause: unknown): boolean {
  if (cause instanceof Error && cause.name === 'TimeoutError') return true;
  // A refresh that did not take: its credentials were refused when a retry carried them.
  if (cause instanceof Error && cause.message === 'The server refused the refreshed credentials') return true;
  if (!isAxiosError(cause) || cause.config?.url !== '/refresh') return false;
  // A 429 or 5xx answer, the connection dropped (no response at all), or the call aborted after
  // a timeout and settled so (the world checks it was that call's own outcome).
  return cause.response ? cause.response.status === 429 || cause.response.status >= 500 : true;
}

/** Whether `cause` is the 401 answer to a refresh call. */
function rejectionCause(cause: unknown): boolean {
  return isAxiosError(cause) && cause.config?.url === '/refresh' && cause.response?.status === 401;
}

export function is401(error: unknown): boolean {
  return isAxiosError(error) && error.response?.status === 401;
}

/** What a caller that resolved got: the answer to its last attempt, as it was. */
export function classifyResponse(record: RequestRecord, response: AxiosResponse, log: Log): OutcomeKind {
  const data = response.data as { id?: unknown } | undefined;
  if (response.status !== 200 || data?.id !== record.id) {
    log.violation(`r${record.id} resolved with status ${response.status} and the data of ${String(data?.id)}`);
    return 'undocumented';
  }
  if (response !== record.responses[record.sends - 1]) {
    log.violation(`r${record.id} resolved with a response other than the one its last attempt got`);
    return 'undocumented';
  }
  return 'ok';
}

/** What a caller that rejected got; `ejected` when the request's instance has been ejected. */
export function classifyError(record: RequestRecord, error: unknown, ejected: boolean, log: Log): OutcomeKind {
  const { id } = record;
  const own = isAxiosError(error) && error.config?.url === `/r/${id}`;
  if (axios.isCancel(error)) {
    if (!record.abortFired) log.violation(`r${id} was canceled, but the app never aborted it`);
    return 'canceled';
  }
  if (record.plan.skip) return classifySkipped(record, error, log);
  const held = record.heldBy !== undefined && record.sends === 0;
  // A request held before it was sent carries the refresh's own answer, if it had one.
  const foreign = (failure: { response?: unknown; cause?: unknown }): boolean =>
    held && failure.response !== undefined && failure.response !== (failure.cause as { response?: unknown } | undefined)?.response;
  if (isSessionExpiredError(error)) {
    if (!own || !rejectionCause(error.cause) || foreign(error)) {
      log.violation(`r${id} got a SessionExpiredError that is not about it or not caused by a rejected refresh: ${describe(error.cause)}`);
    }
    return 'session-expired';
  }
  if (isRefreshFailedError(error)) {
    if (!own || !transientCause(error.cause) || foreign(error)) {
      log.violation(`r${id} got a RefreshFailedError that is not about it or not caused by a transient failure: ${describe(error.cause)}`);
    }
    return 'refresh-failed';
  }
  if (own && is401(error)) {
    if (record.sends === 2 && error === record.rejections[1]) return 'retry-401';
    if (record.sends === 1 && error === record.rejections[0]) {
      if (!ejected) {
        log.violation(`r${id} got its first 401 back although its instance was not ejected`);
      }
      return 'original-401';
    }
    log.violation(`r${id} got a 401 that is neither its own first one nor its retry's (sent ${record.sends} times)`);
    return 'undocumented';
  }
  log.violation(`r${id} failed with an undocumented error: ${describe(error)}`);
  return 'undocumented';
}

/** A skipAuthRefresh request's caller gets the answer to its only attempt, as it was. */
function classifySkipped(record: RequestRecord, error: unknown, log: Log): OutcomeKind {
  if (record.sends === 1 && error === record.rejections[0] && is401(error)) return 'skipped-401';
  log.violation(`r${record.id} has skipAuthRefresh but did not get its own 401 as it was: ${describe(error)}`);
  return 'undocumented';
}
