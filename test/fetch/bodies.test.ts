import { Readable } from 'node:stream';
import { isAxiosError } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshFetch } from '../../src/fetch.js';
import { ERR_BODY_NOT_REPLAYABLE, bearer, createRefreshSession, jwtExpiry } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer, SeenRequest } from '../helpers/auth-server.js';
import { turns } from '../helpers/gate.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * The README's fetch setup in Node: the session attaches the token, and the server's origin is
 * listed because Node has no page origin. The access token is expired, so the first attempt of
 * every call is refused.
 */
function app(): { authFetch: typeof fetch; store: { token: string } } {
  const store = { token: server.access, refresh: server.refresh };
  const session = createRefreshSession({
    refresh: async ({ client }) => {
      const { data } = await client.post<{ access: string; refresh: string }>(`${server.url}/refresh`, {
        refresh: store.refresh,
      });
      store.token = data.access;
      store.refresh = data.refresh;
    },
    accessToken: bearer(() => store.token), expiresAt: jwtExpiry(() => store.token),
    credentialOrigins: [server.url],
  });
  server.expireAccess();
  return { authFetch: createRefreshFetch(fetch, { session }), store };
}

const upload = (): string => `${server.url}/api/upload`;
const uploads = (): SeenRequest[] => server.seen.filter((r) => r.path === '/api/upload');
const bytes = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** Fails the test when `promise` resolves; gives what it rejected with. */
function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/** undici takes these with `duplex: 'half'`, which the DOM types do not know of. */
type StreamBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
function streamed(body: StreamBody): RequestInit {
  return { method: 'POST', body, duplex: 'half' } as unknown as RequestInit;
}

function readable(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(bytes(chunk));
      controller.close();
    },
  });
}

async function* generated(...chunks: string[]): AsyncGenerator<Uint8Array> {
  // Each chunk comes after a tick, as from a real producer, not all at once.
  for (const chunk of chunks) {
    await Promise.resolve();
    yield bytes(chunk);
  }
}

interface ReplayCase {
  name: string;
  send: (authFetch: typeof fetch, url: string) => Promise<Response>;
  body: string;
  contentType: string | undefined;
}

const text = 'title=Buy milk&note=café ☕';

const replayable: ReplayCase[] = [
  {
    name: 'a string',
    send: (authFetch, url) => authFetch(url, { method: 'POST', body: text }),
    body: text,
    contentType: 'text/plain;charset=UTF-8',
  },
  {
    name: 'URLSearchParams',
    send: (authFetch, url) => authFetch(url, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two words é' }) }),
    body: 'a=1&b=two+words+%C3%A9',
    contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
  },
  {
    name: 'a Blob',
    send: (authFetch, url) => authFetch(url, { method: 'POST', body: new Blob([text], { type: 'application/x-notes' }) }),
    body: text,
    contentType: 'application/x-notes',
  },
  {
    name: 'an ArrayBuffer',
    send: (authFetch, url) => authFetch(url, { method: 'POST', body: bytes(text).buffer }),
    body: text,
    contentType: undefined,
  },
  {
    name: 'a Uint8Array',
    send: (authFetch, url) => authFetch(url, { method: 'POST', body: bytes(text) }),
    body: text,
    contentType: undefined,
  },
  {
    name: 'a DataView over part of a buffer',
    send: (authFetch, url) => {
      const padded = bytes(`xx${text}yy`);
      const length = padded.byteLength - 4;
      return authFetch(url, { method: 'POST', body: new DataView(padded.buffer, 2, length) });
    },
    body: text,
    contentType: undefined,
  },
  {
    name: 'a Request whose body is unread',
    send: (authFetch, url) =>
      authFetch(new Request(url, { method: 'POST', body: text, headers: { 'content-type': 'application/x-notes' } })),
    body: text,
    contentType: 'application/x-notes',
  },
  {
    name: 'a Request with an init that overrides its method and headers',
    send: (authFetch, url) =>
      authFetch(new Request(url, { method: 'PUT', body: text, headers: { 'content-type': 'text/plain' } }), {
        method: 'POST',
        headers: { 'content-type': 'application/x-notes' },
      }),
    body: text,
    contentType: 'application/x-notes',
  },
  {
    name: 'a Request whose body is a stream, unread',
    send: (authFetch, url) => authFetch(new Request(url, streamed(readable('streamed ', 'in a ', 'Request é')))),
    body: 'streamed in a Request é',
    contentType: undefined,
  },
  {
    name: 'a string sent to a URL object',
    send: (authFetch, url) => authFetch(new URL(url), { method: 'POST', body: text }),
    body: text,
    contentType: 'text/plain;charset=UTF-8',
  },
];

describe('createRefreshFetch: bodies that can be sent again', () => {
  it.each(replayable.map((entry) => [entry.name, entry] as const))(
    'sends %s again after the refresh, byte for byte, with the same content type',
    async (_name, entry) => {
      const { authFetch } = app();

      const response = await entry.send(authFetch, upload());

      expect(response.status).toBe(200);
      expect(uploads().map((r) => [r.method, r.status, r.token])).toEqual([
        ['POST', 401, 'access-0'],
        ['POST', 200, 'access-1'],
      ]);
      expect(uploads().map((r) => r.body)).toEqual([entry.body, entry.body]);
      expect(uploads().map((r) => r.contentType)).toEqual([entry.contentType, entry.contentType]);
      expect(server.refreshCalls()).toBe(1);
    },
  );

  it('sends FormData again with the same fields and file contents', async () => {
    const { authFetch } = app();
    const form = new FormData();
    form.append('title', 'Buy milk é');
    form.append('file', new Blob(['file contents ☕'], { type: 'text/plain' }), 'notes.txt');

    const response = await authFetch(upload(), { method: 'POST', body: form });

    expect(response.status).toBe(200);
    expect(uploads().map((r) => r.status)).toEqual([401, 200]);
    // Each encoding may draw its own boundary; everything between the boundaries must match.
    const parts = uploads().map(({ body, contentType }) => {
      const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(contentType ?? '')?.[1];
      expect(boundary, contentType).toBeDefined();
      return body.split(boundary!).join('<boundary>');
    });
    expect(parts[1]).toBe(parts[0]);
    expect(parts[1]).toContain('name="title"\r\n\r\nBuy milk é\r\n');
    expect(parts[1]).toContain('filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile contents ☕\r\n');
    expect(server.refreshCalls()).toBe(1);
  });
});

describe('createRefreshFetch: a Request whose body was already read', () => {
  it('rejects it with the TypeError fetch gives, sending nothing and starting no refresh', async () => {
    const { authFetch } = app();
    const read = new Request(upload(), { method: 'POST', body: text });
    await read.text();
    const expected = await failure(fetch(read));

    const error = await failure(authFetch(read));

    expect(expected).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe((expected as TypeError).message);
    expect(server.seen).toEqual([]);
    expect(server.refreshCalls()).toBe(0);
  });

  it('rejects one that an earlier call sent, as fetch would, though that call kept a copy for its own retry', async () => {
    const { authFetch } = app();
    const request = new Request(upload(), { method: 'POST', body: text });
    expect((await authFetch(request)).status).toBe(200);

    const error = await failure(authFetch(request));

    expect(request.bodyUsed).toBe(true);
    expect(error).toBeInstanceOf(TypeError);
    expect(uploads().map((r) => r.status)).toEqual([401, 200]);
    expect(server.refreshCalls()).toBe(1);
  });
});

const streams: Array<[string, () => RequestInit]> = [
  ['a ReadableStream', () => streamed(readable('chunk one, ', 'chunk two é'))],
  ['an async iterable', () => streamed(generated('chunk one, ', 'chunk two é'))],
  ['a Node Readable', () => streamed(Readable.from([bytes('chunk one, '), bytes('chunk two é')]))],
];

describe('createRefreshFetch: stream bodies, which can be read only once', () => {
  it.each(streams)(
    'rejects %s answered by a 401 with ERR_BODY_NOT_REPLAYABLE once the refresh it started succeeded, as the axios side does; later calls carry the new token',
    async (_kind, init) => {
      const { authFetch } = app();
      const refreshGate = server.hold('/refresh');
      let settled = false;
      const pending = failure(authFetch(upload(), init())).finally(() => {
        settled = true;
      });
      await server.arrived('/refresh', 1);
      await turns(10);
      // It waits for the refresh, which the server still holds: its outcome decides the error.
      expect(settled).toBe(false);
      refreshGate.open();

      const error = await pending;
      // A plain Error: the fetch side bundles no axios.
      expect(isAxiosError(error)).toBe(false);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ code: ERR_BODY_NOT_REPLAYABLE, response: { status: 401 } });
      expect(uploads().map((r) => [r.status, r.body])).toEqual([[401, 'chunk one, chunk two é']]);
      expect(server.refreshCalls()).toBe(1);

      expect((await authFetch(`${server.url}/api/later`)).status).toBe(200);
      expect(server.refreshCalls()).toBe(1);
      expect(server.seen.filter((r) => r.path === '/api/later').map((r) => [r.status, r.token])).toEqual([[200, 'access-1']]);
      expect(uploads()).toHaveLength(1);
    },
  );

  it.each(streams)('holds %s made while a refresh runs, then sends it once, intact, with the new token', async (_kind, init) => {
    const { authFetch } = app();
    const refreshGate = server.hold('/refresh');
    const first = authFetch(`${server.url}/api/first`);
    await server.arrived('/refresh', 1);

    const streaming = authFetch(upload(), init());
    await turns(10);
    expect(uploads()).toEqual([]);
    refreshGate.open();

    expect((await streaming).status).toBe(200);
    expect((await first).status).toBe(200);
    expect(uploads().map((r) => [r.status, r.token, r.body])).toEqual([[200, 'access-1', 'chunk one, chunk two é']]);
    expect(server.refreshCalls()).toBe(1);
  });
});
