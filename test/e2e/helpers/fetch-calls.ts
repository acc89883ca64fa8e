/**
 * The `fetch` calls of the page's storm, apart from its script: the test compares what the
 * server received with them, and must not run the page script to read them.
 */

/** The `fetch` calls of a storm: a name (the last part of its path) and how it is made. */
export const FETCH_CALLS = [
  'get-string',
  'get-url',
  'get-request',
  'post-json',
  'post-form',
  'post-blob',
  'post-params',
  'put-bytes',
  'patch-buffer',
  'post-request',
] as const;

/** A kind of `fetch` call of a storm. */
export type FetchCall = (typeof FETCH_CALLS)[number];

/** The `fetch` calls of a storm that send a body the server can compare as text. */
export type TextBodyCall = Exclude<FetchCall, 'get-string' | 'get-url' | 'get-request' | 'post-form'>;

/** The body each `fetch` call of a storm sends, as text, where it is not multipart. */
export const BODIES: Readonly<Record<TextBodyCall, string>> = {
  'post-json': JSON.stringify({ title: 'Ada’s task', done: false }),
  'post-blob': 'blob body: ✓',
  'post-params': 'q=a+b&lang=%C3%A9',
  'put-bytes': 'typed array body',
  'patch-buffer': 'array buffer body',
  'post-request': JSON.stringify({ from: 'a Request' }),
};
