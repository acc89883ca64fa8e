import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthApi } from '../../demo/server/index.js';
import { ACCESS_MS, ada, useAuthApi } from './helpers/auth-api.js';

const server = useAuthApi();

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(method: string, path: string, init: { body?: unknown; token?: string; cookie?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  const response = await fetch(`${server().apiUrl}${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function tokens(): Promise<{ access: string; refresh: string }> {
  return (await call('POST', 'users/create/', { body: ada })).body as { access: string; refresh: string };
}

describe('the reference auth API', () => {
  it('answers a request without credentials with 401, a JSON body and WWW-Authenticate', async () => {
    const answer = await call('GET', 'tasks/');

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'not_authenticated' });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(server().stats).toMatchObject({ unauthorized: 1, requests: { 'GET /api/v1/tasks/': 1 } });
  });

  it('accepts the access token as a bearer header or a cookie, and not in place of a refresh token', async () => {
    const { access, refresh } = await tokens();

    expect((await call('GET', 'users/', { token: access })).body).toEqual({ email: ada.email });
    expect((await call('GET', 'users/', { cookie: `access_token=${access}` })).body).toEqual({ email: ada.email });
    expect(await call('GET', 'users/', { token: refresh })).toMatchObject({ status: 401, body: { code: 'token_not_valid' } });
    expect(await call('POST', 'users/refresh/', { body: { refresh: access } })).toMatchObject({ status: 401, body: { code: 'token_not_valid' } });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const { access } = await tokens();
    const [header = '', payload = '', signature = ''] = access.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory@example.com' })).toString('base64url');

    expect(await call('GET', 'users/', { token: `${header}.${forged}.${signature}` })).toMatchObject({ status: 401, body: { code: 'token_not_valid' } });
  });

  it('answers 401 token_expired once the access lifetime has passed', async () => {
    const { access } = await tokens();
    server().advanceClock(ACCESS_MS / 2);
    expect((await call('GET', 'users/', { token: access })).status).toBe(200);

    // The exact boundary is the token's business: see the jwt tests.
    server().advanceClock(ACCESS_MS / 2);
    expect(await call('GET', 'users/', { token: access })).toMatchObject({ status: 401, body: { code: 'token_expired' } });
  });

  it('refuses a second sign-up with the same email, and invalid bodies, with 400', async () => {
    const { access } = await tokens();

    expect(await call('POST', 'users/create/', { body: ada })).toMatchObject({ status: 400, body: { code: 'email_taken' } });
    expect((await call('POST', 'users/login/', { body: { email: 'not an email', password: 'x' } })).status).toBe(400);
    expect((await call('POST', 'users/login/', { body: '{"email":' })).status).toBe(400);
    expect((await call('POST', 'tasks/', { token: access, body: { title: '' } })).status).toBe(400);
    expect((await call('POST', 'tasks/', { token: access, body: { title: 'x', due_date: 'tomorrow' } })).status).toBe(400);
  });

  it("keeps each user's tasks apart, and answers 404 for another user's task", async () => {
    const { access } = await tokens();
    const other = (await call('POST', 'users/create/', { body: { email: 'bob@example.com', password: 'hunter2' } })).body as { access: string };
    const task = (await call('POST', 'tasks/', { token: access, body: { title: 'Buy milk' } })).body as { id: number };

    expect((await call('GET', 'tasks/', { token: other.access })).body).toEqual([]);
    expect((await call('DELETE', `tasks/${task.id}/`, { token: other.access })).status).toBe(404);
    expect((await call('PUT', `tasks/${task.id}/`, { token: other.access, body: { title: 'Mine now' } })).status).toBe(404);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    expect((await call('GET', 'nothing/')).status).toBe(404);
    const wrong = await call('PATCH', 'tasks/1/');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('PUT, DELETE');
  });
});

describe('the reference auth API serving a built app', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'static-'));
    await writeFile(join(dir, 'index.html'), '<h1>app</h1>');
    await writeFile(join(dir, 'app.js'), 'export {};');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function get(url: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
    // Raw, so that the path reaches the server exactly as written, dot segments included.
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves files by type, index.html for other paths, and nothing outside its folder', async () => {
    const api = await startAuthApi({ staticDir: dir });
    try {
      expect(await get(api.url, '/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
      expect(await get(api.url, '/tasks/42')).toMatchObject({ status: 200, body: '<h1>app</h1>' });
      expect((await get(api.url, '/..%2f..%2fpackage.json')).status).toBe(404);
      expect((await get(api.url, '/api/v1/tasks/')).status).toBe(401);
    } finally {
      await api.close();
    }
  });
});
