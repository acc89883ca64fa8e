import { Readable } from 'node:stream';
import axios from 'axios';
import type { AxiosError, AxiosInstance, AxiosRequestTransformer, AxiosResponse } from 'axios';
import NodeFormData from 'form-data';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERR_BODY_NOT_REPLAYABLE, createRefreshInterceptor } from '../../src/index.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer, SeenRequest } from '../helpers/auth-server.js';
import { bearerApp, bearerRefresh, refreshHeld } from '../helpers/clients.js';
import { turns } from '../helpers/gate.js';
import { rejection } from '../helpers/rejection.js';

/** Whether this axios can send a web ReadableStream: with its fetch adapter, from 1.7 on. */
const webStreams: boolean = (() => {
  try {
    axios.getAdapter('fetch');
    return true;
  } catch {
    return false;
  }
})();

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

/** What the loopback server echoes back. */
interface Echo {
  token: string | undefined;
  body: string;
}

/**
 * A bearer app with the interceptor attached and its access token already expired. With an app
 * response interceptor the library retries below the interceptors, at its adapter; alone with
 * it, its last response interceptor sends the request again through the instance.
 */
function attach(appResponse: boolean): AxiosInstance {
  const { api, store } = bearerApp(server);
  createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
  if (appResponse) api.interceptors.response.use((response) => response);
  server.expireAccess();
  return api;
}

const stacks = [
  { stack: 'alone with the library', appResponse: false },
  { stack: 'with an app response interceptor', appResponse: true },
];

/** Settles with the promise, or fails after `ms`: a hang is a failure, not a timeout of the test. */
async function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`still pending after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function attempts(path: string): SeenRequest[] {
  return server.seen.filter((r) => r.path === path);
}

/** A multipart body and content-type with its (per-attempt, random) boundary made a placeholder. */
function withoutBoundary(request: SeenRequest): { body: string; contentType: string } {
  const contentType = request.contentType ?? '';
  const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
  expect(boundary, `boundary in ${contentType}`).toBeDefined();
  expect(request.body).toContain(boundary);
  return {
    body: request.body.split(boundary!).join('<boundary>'),
    contentType: contentType.split(boundary!).join('<boundary>'),
  };
}

/**
 * Asserts the server saw `path` POSTed twice, [401 on the old token, 200 on the new one], with
 * the same body and content-type (boundary aside for multipart), that the caller got the second
 * answer, and that one refresh ran. Returns the attempt that succeeded.
 */
function expectReplayed(path: string, response: AxiosResponse<Echo>, multipart = false): SeenRequest {
  const seen = attempts(path);
  expect(seen.map((r) => [r.method, r.status])).toEqual([
    ['POST', 401],
    ['POST', 200],
  ]);
  const [first, second] = seen as [SeenRequest, SeenRequest];
  expect(first.token).not.toBe(server.access);
  expect(second.token).toBe(server.access);
  if (multipart) {
    expect(second.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(withoutBoundary(second)).toEqual(withoutBoundary(first));
  } else {
    expect(second.body).toBe(first.body);
    expect(second.contentType).toBe(first.contentType);
  }
  expect(response.status).toBe(200);
  expect(response.data).toMatchObject({ token: server.access, body: second.body });
  expect(server.refreshCalls()).toBe(1);
  return second;
}

/** A multipart text part as both axios's and form-data's encoders write it. */
function part(name: string, value: string): string {
  return `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

const bytes = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text).slice();

describe.each(stacks)('bodies replayed after a refresh, $stack (issue point 7)', ({ appResponse }) => {
  it.each([
    {
      kind: 'a plain object (JSON)',
      send: (api: AxiosInstance, url: string) => api.post<Echo>(url, { title: 'Buy milk', due: null, tags: ['a', 'é'] }),
      body: '{"title":"Buy milk","due":null,"tags":["a","é"]}',
      contentType: /^application\/json/,
    },
    {
      kind: 'a JSON string with its content-type set',
      send: (api: AxiosInstance, url: string) =>
        api.post<Echo>(url, '{"title":"Buy milk"}', { headers: { 'Content-Type': 'application/json' } }),
      body: '{"title":"Buy milk"}',
      contentType: /^application\/json/,
    },
    {
      kind: 'URLSearchParams',
      send: (api: AxiosInstance, url: string) => api.post<Echo>(url, new URLSearchParams({ a: '1', b: 'two words' })),
      body: 'a=1&b=two+words',
      contentType: /^application\/x-www-form-urlencoded/,
    },
    {
      kind: 'a Blob',
      send: (api: AxiosInstance, url: string) => api.post<Echo>(url, new Blob(['blob,body'], { type: 'text/csv' })),
      body: 'blob,body',
      contentType: /^text\/csv/,
    },
    {
      kind: 'an ArrayBuffer',
      send: (api: AxiosInstance, url: string) => api.post<Echo>(url, bytes('array buffer').buffer),
      body: 'array buffer',
      contentType: undefined,
    },
    {
      kind: 'a Uint8Array',
      send: (api: AxiosInstance, url: string) => api.post<Echo>(url, bytes('typed array')),
      body: 'typed array',
      contentType: undefined,
    },
    {
      kind: 'a Buffer',
      send: (api: AxiosInstance, url: string) => api.post<Echo>(url, Buffer.from('node buffer')),
      body: 'node buffer',
      contentType: undefined,
    },
    {
      kind: 'a string sent as text/plain',
      send: (api: AxiosInstance, url: string) =>
        api.post<Echo>(url, 'plain text\nline 2', { headers: { 'Content-Type': 'text/plain' } }),
      body: 'plain text\nline 2',
      contentType: /^text\/plain/,
    },
  ])('replays $kind with the bytes of the first attempt', async ({ send, body, contentType }) => {
    const api = attach(appResponse);

    const response = await within(send(api, '/api/body'));

    const replayed = expectReplayed('/api/body', response);
    expect(replayed.body).toBe(body);
    if (contentType) expect(replayed.contentType).toMatch(contentType);
  });

  it('replays a native FormData with a text field and a Blob file part', async () => {
    const api = attach(appResponse);
    const form = new FormData();
    form.append('title', 'Buy milk');
    form.append('file', new Blob(['file contents'], { type: 'text/plain' }), 'notes.txt');

    const response = await within(api.post<Echo>('/api/form', form));

    const replayed = expectReplayed('/api/form', response, true);
    expect(replayed.body).toContain(part('title', 'Buy milk'));
    expect(replayed.body).toContain(
      'Content-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile contents\r\n',
    );
  });

  it('replays the multipart body postForm builds from an object in Node', async () => {
    const api = attach(appResponse);

    const response = await within(api.postForm<Echo>('/api/form', { a: '1', b: 'two' }));

    const replayed = expectReplayed('/api/form', response, true);
    expect(replayed.body).toContain(part('a', '1'));
    expect(replayed.body).toContain(part('b', 'two'));
  });

  it('replays the multipart body postForm builds from an object holding a Buffer file', async () => {
    const api = attach(appResponse);

    const response = await within(api.postForm<Echo>('/api/form', { a: '1', file: Buffer.from('file bytes') }));

    const replayed = expectReplayed('/api/form', response, true);
    expect(replayed.body).toContain(part('a', '1'));
    expect(replayed.body).toContain(
      'Content-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream\r\n\r\nfile bytes\r\n',
    );
  });

  it('leaves to axios a postForm with a Blob in Node, which axios refuses before sending', async () => {
    // In Node, postForm serialises into a form-data package instance, which takes no Blob:
    // axios's transformRequest throws before any adapter runs. Nothing to replay; the library
    // must not refresh or hold the request.
    const api = attach(appResponse);

    const error = await within(rejection(api.postForm('/api/form', { a: '1', file: new Blob(['blob']) })));

    expect(error.message).toMatch(/Blob is not supported/);
    expect(error.code).not.toBe(ERR_BODY_NOT_REPLAYABLE);
    expect(attempts('/api/form')).toHaveLength(0);
    expect(server.refreshCalls()).toBe(0);
  });
});

describe.each(stacks)('bodies given as streams, $stack (issue point 7)', ({ appResponse }) => {
  const webStream = (text: string): ReadableStream<Uint8Array> =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes(text));
        controller.close();
      },
    });

  it.each([
    {
      kind: 'a form-data package instance',
      adapter: 'http' as const,
      body: () => {
        const form = new NodeFormData();
        form.append('title', 'Buy milk');
        return form;
      },
      sent: part('title', 'Buy milk'),
    },
    { kind: 'a Node Readable', adapter: 'http' as 'fetch' | 'http', body: () => Readable.from(['x']), sent: 'x' },
    // axios's http adapter (Node's default) refuses a web ReadableStream on the first attempt
    // (see the test below); its fetch adapter sends one (duplex: 'half'), so that is where a
    // web stream can meet a 401 and a retry. axios before 1.7 has no fetch adapter, and its
    // http adapter sends a web stream as the JSON `{}`: not a body it can send at all.
    ...(webStreams
      ? [{ kind: 'a web ReadableStream', adapter: 'fetch' as 'fetch' | 'http', body: () => webStream('web'), sent: 'web' }]
      : []),
  ])('fails the retry of $kind at once with ERR_BODY_NOT_REPLAYABLE, after the refresh', async ({ adapter, body, sent }) => {
    const api = attach(appResponse);
    api.defaults.adapter = adapter;

    const error = await within(rejection(api.post('/api/stream', body())));

    expect(error.code).toBe(ERR_BODY_NOT_REPLAYABLE);
    expect(error.response?.status).toBe(401);
    const seen = attempts('/api/stream');
    expect(seen.map((r) => r.status)).toEqual([401]);
    expect(seen[0]?.body).toContain(sent);
    expect(server.refreshCalls()).toBe(1);

    // The refresh happened: the same upload sent again goes out once, with the new token.
    const again = await within(api.post<Echo>('/api/stream', body()));
    expect(again.status).toBe(200);
    expect(again.data.token).toBe(server.access);
    expect(attempts('/api/stream').map((r) => [r.status, r.token])).toEqual([
      [401, seen[0]?.token],
      [200, server.access],
    ]);
    expect(server.refreshCalls()).toBe(1);
  });

  it.each([
    { kind: 'a field of postForm', data: () => ({ title: 'Buy milk', file: Readable.from(['file-bytes']) }) },
    { kind: 'an array item of postForm', data: () => ({ title: 'Buy milk', files: [Readable.from(['file-bytes'])] }) },
  ])('fails the retry of a Node Readable given as $kind at once with ERR_BODY_NOT_REPLAYABLE, never hanging', async ({ data }) => {
    const api = attach(appResponse);

    const error = await within(rejection(api.postForm('/api/stream', data())));

    expect(error.code).toBe(ERR_BODY_NOT_REPLAYABLE);
    expect(error.response?.status).toBe(401);
    const seen = attempts('/api/stream');
    expect(seen.map((r) => r.status)).toEqual([401]);
    expect(seen[0]?.body).toContain('file-bytes');
    expect(server.refreshCalls()).toBe(1);
  });

  it.skipIf(!webStreams)('leaves to axios a web ReadableStream on the http adapter, which axios refuses before sending', async () => {
    // axios 1.x's http adapter accepts strings, buffers, Blobs, FormData and Node streams only;
    // a web ReadableStream fails the first attempt with ERR_BAD_REQUEST, as without the library.
    const api = attach(appResponse);

    const error = await within(rejection(api.post('/api/stream', webStream('web'))));

    expect(error.code).toBe('ERR_BAD_REQUEST');
    expect(error.message).toMatch(/Data after transformation must be/);
    expect(error.response).toBeUndefined();
    expect(attempts('/api/stream')).toHaveLength(0);
    expect(server.refreshCalls()).toBe(0);
  });
});

describe.each(stacks)('bodies shaped by the app, $stack (issue point 7)', ({ appResponse }) => {
  it('replays a body shaped by a transformRequest that is not idempotent without shaping it twice', async () => {
    const api = attach(appResponse);
    const wrap: AxiosRequestTransformer = (data: unknown) => JSON.stringify({ wrapped: data });

    const response = await within(
      api.post<Echo>('/api/shaped', { n: 1 }, { transformRequest: [wrap], headers: { 'Content-Type': 'application/json' } }),
    );

    expect(expectReplayed('/api/shaped', response).body).toBe('{"wrapped":{"n":1}}');
  });

  it("replays a body that a transform appends to after axios's own, with the same bytes", async () => {
    const api = attach(appResponse);
    const own = axios.defaults.transformRequest;
    const base: AxiosRequestTransformer[] = Array.isArray(own) ? own : own ? [own] : [];
    // Not JSON, so axios's transform would pass an already shaped string through unchanged and
    // a second pass would show as a second newline.
    const newline: AxiosRequestTransformer = (data: unknown) => `${String(data)}\n`;

    const response = await within(
      api.post<Echo>('/api/shaped', { n: 1 }, {
        transformRequest: [...base, newline],
        headers: { 'Content-Type': 'application/x-ndjson' },
      }),
    );

    const replayed = expectReplayed('/api/shaped', response);
    expect(replayed.body).toBe('{"n":1}\n');
    expect(replayed.contentType).toMatch(/^application\/x-ndjson/);
  });

  it('replays a body an app request interceptor wraps without wrapping it twice', async () => {
    const api = attach(appResponse);
    api.interceptors.request.use((config) => {
      config.data = { envelope: config.data as unknown };
      return config;
    });

    const response = await within(api.post<Echo>('/api/envelope', { n: 1 }));

    expect(expectReplayed('/api/envelope', response).body).toBe('{"envelope":{"n":1}}');
  });

  it('sends the whole body an app interceptor rebuilds longer for the retry', async () => {
    const api = attach(appResponse);
    let attempt = 8;
    api.interceptors.request.use((config) => {
      attempt += 1;
      config.data = { envelope: config.data as unknown, attempt };
      return config;
    });

    // A body that depends on the attempt (a nonce, a signature, the token itself) can change
    // length: the retry must not go out with the first attempt's Content-Length.
    const outcome = await within(
      api.post<Echo>('/api/envelope', { n: 1 }).then(
        (response) => [response.status, response.data.body],
        (error: unknown) => [(error as AxiosError).response?.status, (error as AxiosError).message],
      ),
    );

    expect(attempts('/api/envelope').map((r) => [r.status, r.body])).toEqual([
      [401, '{"envelope":{"n":1},"attempt":9}'],
      [200, '{"envelope":{"n":1},"attempt":10}'],
    ]);
    expect(outcome).toEqual([200, '{"envelope":{"n":1},"attempt":10}']);
    expect(server.refreshCalls()).toBe(1);
  });

  it.each([
    {
      kind: 'postForm',
      send: (api: AxiosInstance) => api.postForm<Echo>('/api/held', { a: '1', b: 'two' }),
      check: (seen: SeenRequest) => {
        expect(seen.contentType).toMatch(/^multipart\/form-data; boundary=/);
        expect(seen.body).toContain(part('a', '1'));
        expect(seen.body).toContain(part('b', 'two'));
        expect(seen.body.trimEnd()).toMatch(/--$/);
      },
    },
    {
      kind: 'JSON',
      send: (api: AxiosInstance) => api.post<Echo>('/api/held', { title: 'Buy milk', n: 1 }),
      check: (seen: SeenRequest) => {
        expect(seen.contentType).toMatch(/^application\/json/);
        expect(seen.body).toBe('{"title":"Buy milk","n":1}');
      },
    },
  ])('sends a $kind request held during a refresh once, with the new token and its whole body', async ({ send, check }) => {
    const api = attach(appResponse);
    const { first, refreshGate } = await refreshHeld(server, api);
    const held = send(api);
    await turns(50);
    expect(attempts('/api/held')).toHaveLength(0);
    refreshGate.open();

    const [, response] = await within(Promise.all([first, held]));

    const seen = attempts('/api/held');
    expect(seen.map((r) => [r.method, r.status, r.token])).toEqual([['POST', 200, server.access]]);
    check(seen[0]!);
    expect(response.status).toBe(200);
    expect(response.data.body).toBe(seen[0]!.body);
    expect(server.refreshCalls()).toBe(1);
  });
});
