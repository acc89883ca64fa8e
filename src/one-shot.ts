/** Bodies that can be sent only once, for every transport. */

interface StreamLike {
  pipe?: unknown;
  getReader?: unknown;
}

/**
 * A Node stream (a `form-data` body is one), or a web `ReadableStream`, can be read once: sent
 * again it would hang or go out empty. So can a plain object or array that holds one at any
 * depth, since axios builds a multipart body around it (`postForm({ file: fs.createReadStream(...) })`).
 * Everything else axios sends (strings, buffers, Blobs, FormData, URLSearchParams, other plain
 * objects) can be sent twice.
 */
export function isOneShot(data: unknown, seen?: Set<unknown>): boolean {
  if (typeof data !== 'object' || data === null || seen?.has(data)) return false;
  const { pipe, getReader } = data as StreamLike;
  if (typeof pipe === 'function' || typeof getReader === 'function') return true;
  const proto: unknown = Object.getPrototypeOf(data);
  if (!Array.isArray(data) && proto !== Object.prototype && proto !== null) return false;
  // Made only for a plain object or array, which the fetch side never sends: its bodies pay nothing.
  const visited = seen ?? new Set<unknown>();
  visited.add(data);
  return Object.values(data).some((value) => isOneShot(value, visited));
}
