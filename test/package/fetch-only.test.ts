import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packInto, sh, tsc } from '../helpers/pack.js';

// A fetch-only app, as users of openapi-fetch, ky or plain `fetch` build it: the packed tarball
// installed into a fresh project with no axios at all, which must load, type-check, refresh and
// bundle small.
let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'ari-fetch-only-'));
  const tarball = await packInto(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'fetch-only', private: true }));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`], project);
}, 120_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

// Run as ESM and as CommonJS: a real server on a free loopback port whose access token
// `access-1` has expired; `/refresh` hands out `access-2`, or refuses with a 401 when told to.
const scenario = `
const server = http.createServer((req, res) => {
  seen.push(req.method + ' ' + req.url + ' ' + (req.headers.authorization ?? '-'));
  if (req.url === '/refresh') {
    if (refuse) {
      res.writeHead(401).end();
      return;
    }
    token = 'access-2';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access: token }));
    return;
  }
  if (req.headers.authorization !== 'Bearer ' + current) {
    res.writeHead(401).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tasks: ['a'] }));
});
let current = 'access-2';
let token = 'access-1';
let refuse = false;
const seen = [];
const ended = [];
server.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const session = createRefreshSession({
    refresh: async ({ signal, error }) => {
      const res = await fetch(base + '/refresh', { method: 'POST', signal });
      if (!res.ok) return res;
      token = (await res.json()).access;
      seen.push('refresh started by ' + (error ? error.response.status : 'expiry'));
    },
    accessToken: bearer(() => token),
    credentialOrigins: [base],
    onSessionExpired: (error) => ended.push(error.name + ' ' + error.code),
  });
  const authFetch = createRefreshFetch(fetch, { session });
  const out = {};
  try {
    const res = await authFetch(base + '/api/tasks');
    out.refreshed = { status: res.status, body: await res.json() };
    token = 'access-3';
    current = 'access-4';
    refuse = true;
    const failure = await authFetch(base + '/api/tasks?secret=x').catch((e) => e);
    out.refused = {
      name: failure.name,
      code: failure.code,
      guard: isSessionExpiredError(failure),
      plainError: failure instanceof SessionExpiredError && failure instanceof Error,
      request: failure.request,
      status: failure.response && failure.response.status,
    };
    out.ended = ended;
    out.seen = seen;
  } finally {
    server.close();
  }
  console.log(JSON.stringify(out));
});
`;

const expected = (base: string): unknown => ({
  refreshed: { status: 200, body: { tasks: ['a'] } },
  refused: {
    name: 'SessionExpiredError',
    code: 'ERR_SESSION_EXPIRED',
    guard: true,
    plainError: true,
    request: { method: 'get', url: `${base}/api/tasks` },
    status: 401,
  },
  ended: ['SessionExpiredError ERR_SESSION_EXPIRED'],
  seen: [
    'GET /api/tasks Bearer access-1',
    'POST /refresh -',
    'refresh started by 401',
    'GET /api/tasks Bearer access-2',
    'GET /api/tasks?secret=x Bearer access-3',
    'POST /refresh -',
  ],
});

// The strict app a TypeScript user writes; it compiles against the package's declaration files alone.
const app = `import { bearer, createRefreshFetch, createRefreshSession, isSessionExpiredError } from 'axios-refresh-interceptor/fetch';
import type { FetchRefreshContext, SessionExpiredError } from 'axios-refresh-interceptor/fetch';

let token: string | undefined;
const session = createRefreshSession({
  refresh: async ({ signal, error }: FetchRefreshContext) => {
    const res = await fetch('/api/v1/auth/refresh/', { method: 'POST', signal });
    if (!res.ok) return res;
    token = ((await res.json()) as { access: string }).access;
    return error?.response?.status;
  },
  accessToken: bearer(() => token),
  onSessionExpired: (error: SessionExpiredError) => {
    const code: 'ERR_SESSION_EXPIRED' = error.code;
    return code;
  },
});
export const authFetch: typeof fetch = createRefreshFetch(fetch, { session });
export async function tasks(): Promise<unknown> {
  try {
    return await (await authFetch('/api/v1/tasks/')).json();
  } catch (error) {
    if (isSessionExpiredError(error)) return error.code;
    throw error;
  }
}
`;

describe('a fetch-only app, with no axios installed', () => {
  it('has no axios in its node_modules: the package asks for it only as an optional peer', async () => {
    await expect(access(join(project, 'node_modules/axios'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['ESM', 'mjs', "import http from 'node:http';\nimport { SessionExpiredError, bearer, createRefreshFetch, createRefreshSession, isSessionExpiredError } from 'axios-refresh-interceptor/fetch';\n"],
    ['CommonJS', 'cjs', "const http = require('node:http');\nconst { SessionExpiredError, bearer, createRefreshFetch, createRefreshSession, isSessionExpiredError } = require('axios-refresh-interceptor/fetch');\n"],
  ])('refreshes once on a 401 and retries, and ends the session with SessionExpiredError on a refused refresh, loaded as %s', async (_, ext, imports) => {
    await writeFile(join(project, `app.${ext}`), imports + scenario);
    const out = JSON.parse(await sh('node', [`app.${ext}`], project)) as { refused: { request: { url: string } } };
    const base = out.refused.request.url.replace(/\/api\/tasks$/, '');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toEqual(expected(base));
  });

  it('type-checks a strict app against the declaration files, which name no axios', async () => {
    await writeFile(join(project, 'app.ts'), app);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], module: 'esnext', moduleResolution: 'bundler', skipLibCheck: false },
        files: ['app.ts'],
      }),
    );
    await expect(sh('node', [tsc, '-p', 'tsconfig.json'], project)).resolves.toBe('');
  });

  it('bundles for production into a few kB, with nothing external', async () => {
    await writeFile(join(project, 'app.ts'), app);
    const result = await build({
      entryPoints: [join(project, 'app.ts')],
      absWorkingDir: project,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    const gzipped = gzipSync(output!.contents, { level: 9 }).byteLength;
    // Strings that only axios itself would bring.
    expect(output!.text).not.toMatch(/AxiosHeaders|ERR_BAD_RESPONSE|ECONNABORTED/);
    // With axios it was about 25.9 kB; without it, about 6.0 kB with bearer tokens.
    expect(gzipped).toBeLessThan(6_500);
  });
});
