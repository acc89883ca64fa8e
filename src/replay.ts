import { AxiosError } from 'axios';
import { ERR_BODY_NOT_REPLAYABLE } from './errors.js';

interface StreamLike {
  pipe?: unknown;
  getReader?: unknown;
  readableDidRead?: unknown;
  readableEnded?: unknown;
  destroyed?: unknown;
  locked?: unknown;
}

/** A Node or web stream that has been read cannot be sent again: a retry would send it empty. */
function isSpent(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const stream = data as StreamLike;
  if (typeof stream.pipe === 'function') {
    return stream.readableDidRead === true || stream.readableEnded === true || stream.destroyed === true;
  }
  return typeof stream.getReader === 'function' && stream.locked === true;
}

/** The error a retry fails with instead of sending a spent body; undefined when it can be replayed. */
export function replayError(error: AxiosError): AxiosError | undefined {
  if (!isSpent(error.config?.data)) return undefined;
  const failure = new AxiosError(
    'Cannot replay the request after the refresh: its body is a stream that was already read',
    ERR_BODY_NOT_REPLAYABLE,
    error.config,
    error.request,
    error.response,
  );
  (failure as { cause?: unknown }).cause = error;
  return failure;
}
