import { Readable } from 'node:stream';
import type { AxiosError } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERR_BODY_NOT_REPLAYABLE, createRefreshInterceptor } from '../src/index.js';
import { isOneShot } from '../src/one-shot.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { bearerApp, bearerRefresh } from './helpers/clients.js';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

function attach() {
  const { api, store } = bearerApp(server);
  createRefreshInterceptor(api, { refresh: bearerRefresh(server, store) });
  server.expireAccess();
  return api;
}

function posts() {
  return server.seen.filter((r) => r.path === '/api/upload');
}

describe('request bodies on retry', () => {
  it('replays a JSON body intact and performs the POST once', async () => {
    const api = attach();

    await api.post('/api/upload', { title: 'Buy milk', due: null, tags: ['a', 'é'] });

    const [failed, replayed] = posts();
    expect(posts()).toHaveLength(2);
    expect(failed?.status).toBe(401);
    expect(replayed?.status).toBe(200);
    expect(JSON.parse(replayed!.body)).toEqual({ title: 'Buy milk', due: null, tags: ['a', 'é'] });
    expect(replayed?.body).toBe(failed?.body);
    expect(replayed?.contentType).toMatch(/^application\/json/);
  });

  it('replays a URLSearchParams body intact', async () => {
    const api = attach();

    await api.post('/api/upload', new URLSearchParams({ a: '1', b: 'two words' }));

    expect(posts().map((r) => r.body)).toEqual(['a=1&b=two+words', 'a=1&b=two+words']);
    expect(posts()[1]?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('replays a FormData body intact', async () => {
    const api = attach();
    const form = new FormData();
    form.append('title', 'Buy milk');
    form.append('file', new Blob(['file contents']), 'notes.txt');

    await api.post('/api/upload', form);

    const replayed = posts()[1]!;
    expect(replayed.status).toBe(200);
    expect(replayed.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(replayed.body).toContain('Buy milk');
    expect(replayed.body).toContain('file contents');
  });

  it('fails the retry of a consumed stream body with a clear error instead of sending it empty', async () => {
    const api = attach();

    const error = (await api.post('/api/upload', Readable.from(['streamed data'])).catch((e: unknown) => e)) as AxiosError;

    expect(error.code).toBe(ERR_BODY_NOT_REPLAYABLE);
    expect(error.message).toMatch(/stream, which can be read only once/);
    expect(error.response?.status).toBe(401);
    expect(posts()).toHaveLength(1);
    // The credentials were still refreshed, so sending the upload again works.
    expect(server.refreshCalls()).toBe(1);
    await expect(api.post('/api/upload', Readable.from(['again']))).resolves.toMatchObject({ status: 200 });
  });
});

describe('which bodies can be sent twice', () => {
  it('finds a stream at any depth of a plain object or array, and stops at cycles', () => {
    const cyclic: Record<string, unknown> = { title: 'Buy milk' };
    cyclic.self = cyclic;
    expect(isOneShot(cyclic)).toBe(false);
    cyclic.attachments = [{ file: Readable.from(['x']) }];
    expect(isOneShot(cyclic)).toBe(true);
    expect(isOneShot({ blob: new Blob(['x']), form: new FormData(), list: [1, 'two'] })).toBe(false);
    expect(isOneShot('text')).toBe(false);
  });
});
