import { AxiosError } from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import { ERR_BODY_NOT_REPLAYABLE } from './codes.js';
import { isOneShot } from './one-shot.js';

/**
 * The error a retry fails with at once, instead of sending again a body that was given as a
 * stream and has been read; undefined when the body as the caller gave it can be sent again.
 */
export function replayError(
  data: unknown,
  config: InternalAxiosRequestConfig,
  cause: AxiosError,
): AxiosError | undefined {
  if (!isOneShot(data)) return undefined;
  const failure = new AxiosError(
    'Cannot replay the request after the refresh: its body is a stream, which can be read only once',
    ERR_BODY_NOT_REPLAYABLE,
    config,
    cause.request,
    cause.response,
  );
  (failure as { cause?: unknown }).cause = cause;
  return failure;
}
