import { AxiosError } from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import { ERR_BODY_NOT_REPLAYABLE } from './errors.js';

interface StreamLike {
  pipe?: unknown;
  getReader?: unknown;
}

/**
 * A Node stream (a `form-data` body is one), or a web `ReadableStream`, can be read once: sent
 * again it would hang or go out empty. Everything else axios sends (strings, buffers, Blobs,
 * FormData, URLSearchParams, plain objects) can be sent twice.
 */
export function isOneShot(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const stream = data as StreamLike;
  return typeof stream.pipe === 'function' || typeof stream.getReader === 'function';
}

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
