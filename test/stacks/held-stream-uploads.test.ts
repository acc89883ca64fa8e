/**
 * A request whose body is (or holds) a stream, started while a refresh is in flight, has not been
 * sent yet: it should be held and then sent once, whole, with the new token. The retry-after-401
 * case is documented to fail with ERR_BODY_NOT_REPLAYABLE; the held case is not a replay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import NodeFormData from 'form-data';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeApp, settle, startProbe, within } from './helpers/request-probe.js';
import type { ProbeServer } from './helpers/request-probe.js';

let server: ProbeServer;
beforeEach(async () => {
  server = await startProbe();
});
afterEach(async () => {
  await server.close();
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-held-'));
const small = path.join(tmp, 'small.txt');
const big = path.join(tmp, 'big.bin');
const BIG = 3 * 1024 * 1024;
fs.writeFileSync(small, 'small-file-contents');
fs.writeFileSync(big, Buffer.alloc(BIG, 0x61));

async function refreshRunning(api: ReturnType<typeof probeApp>['api']) {
  server.expire();
  const release = server.holdRefresh();
  const first = settle(api.get('/api/first'));
  while (server.hits.filter((h) => h.path === '/refresh').length === 0) await new Promise((r) => setTimeout(r, 5));
  return { release, first };
}

const count = (body: Buffer, byte: number) => body.reduce((n, b) => n + (b === byte ? 1 : 0), 0);

describe.each([false, true])('a stream upload started during a refresh (app response interceptor: %s)', (ri) => {
  it.each([
    { kind: 'an fs stream (small)', make: () => fs.createReadStream(small), postForm: false },
    { kind: 'an fs stream (3 MB)', make: () => fs.createReadStream(big), postForm: false },
    { kind: 'Readable.from', make: () => Readable.from([Buffer.from('abc'), Buffer.from('def')]), postForm: false },
    {
      kind: 'a form-data package instance with a 3 MB fs stream',
      make: () => {
        const f = new NodeFormData();
        f.append('file', fs.createReadStream(big));
        return f;
      },
      postForm: false,
    },
    { kind: 'postForm({ file: small fs stream })', make: () => ({ file: fs.createReadStream(small) }), postForm: true },
    { kind: 'postForm({ file: 3 MB fs stream })', make: () => ({ file: fs.createReadStream(big) }), postForm: true },
  ])('is held, then sent once and whole with the new token: $kind', async ({ kind, make, postForm }) => {
    const { api } = probeApp(server, {}, { responseInterceptor: ri });
    const { release, first } = await refreshRunning(api);
    const held = settle(postForm ? api.postForm('/api/up', make()) : api.post('/api/up', make(), { maxBodyLength: Infinity }));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.api('/api/up')).toHaveLength(0);
    release();
    const [a, b] = await within(Promise.all([first, held]), 8000);
    expect(a.ok).toBe(true);
    expect(b.ok ? b.value.status : `${b.error.code} ${b.error.message}`).toBe(200);
    const hits = server.api('/api/up');
    expect(hits.map((h) => [h.status, h.auth])).toEqual([[200, `Bearer ${server.access}`]]);
    const body = hits[0]!.body;
    if (kind.includes('small')) expect(body.toString()).toContain('small-file-contents');
    else if (kind.includes('3 MB')) expect(count(body, 0x61)).toBeGreaterThanOrEqual(BIG);
    else expect(body.toString()).toBe('abcdef');
  });

  it('is held, then sent whole when an app interceptor gzips the stream body', async () => {
    const { api } = probeApp(server, {}, { responseInterceptor: ri });
    api.interceptors.request.use((config) => {
      if (config.data instanceof fs.ReadStream) {
        config.data = config.data.pipe(zlib.createGzip());
        config.headers.set('Content-Encoding', 'gzip');
      }
      return config;
    });
    const { release, first } = await refreshRunning(api);
    const held = settle(api.post('/api/up', fs.createReadStream(big), { maxBodyLength: Infinity }));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const [, b] = await within(Promise.all([first, held]), 8000);
    const hits = server.api('/api/up');
    const sizes = hits.map((h) => [h.status, h.body.length, zlib.gunzipSync(h.body).length]);
    expect({ outcome: b.ok ? b.value.status : b.error.code, sizes }).toEqual({ outcome: 200, sizes: [[200, expect.any(Number), BIG]] });
  });
});
