/** Bodies that can be sent only once, for every transport. */

interface StreamLike {
  pipe?: unknown;
  getReader?: unknown;
}

const isStream = (value: object): boolean =>
  typeof (value as StreamLike).pipe === 'function' || typeof (value as StreamLike).getReader === 'function';

const isPlain = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
};

/**
 * A Node stream (a `form-data` body is one), or a web `ReadableStream`, can be read once: sent
 * again it would hang or go out empty. So can a plain object or array that holds one at any
 * depth, since axios builds a multipart body around it (`postForm({ file: fs.createReadStream(...) })`).
 * Everything else axios sends (strings, buffers, Blobs, FormData, URLSearchParams, other plain
 * objects) can be sent twice.
 */
export function isOneShot(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  if (isStream(data)) return true;
  if (!isPlain(data)) return false;
  const seen = new Set<object>([data]);
  const todo: object[] = [data];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    for (const value of Object.values(next) as unknown[]) {
      if (typeof value !== 'object' || value === null || seen.has(value)) continue;
      if (isStream(value)) return true;
      seen.add(value);
      if (isPlain(value)) todo.push(value);
    }
  }
  return false;
}
