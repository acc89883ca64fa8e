/** Bodies that can be sent only once, for every transport. */

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
