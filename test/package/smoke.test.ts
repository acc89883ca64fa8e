import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packInto, sh, tsc } from '../helpers/pack.js';

// Installs the packed tarball into a fresh project, with axios beside it.
let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'ari-smoke-'));
  const tarball = await packInto(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'smoke', private: true }));
  const axiosVersion = (await import('axios')).default.VERSION;
  await sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`, `axios@${axiosVersion}`],
    project,
  );
}, 120_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

const usage = `
import axios from 'axios';
import { createRefreshInterceptor, isSessionExpiredError } from 'axios-refresh-interceptor';
import { createTabSession } from 'axios-refresh-interceptor/tabs';
import { createRefreshFetch } from 'axios-refresh-interceptor/fetch';
import type { RefreshFetchOptions } from 'axios-refresh-interceptor/fetch';
import type { RefreshContext } from 'axios-refresh-interceptor';

const api = axios.create({ baseURL: '/api/v1/' });
const handle = createRefreshInterceptor(api, {
  refresh: ({ client }: RefreshContext) => client.post('users/refresh/'),
});
void api.get('/public', { skipAuthRefresh: true });
const expired: boolean = isSessionExpiredError(new Error('x'));
handle.eject();
createRefreshInterceptor(axios.create(), { session: createTabSession({ refresh: () => undefined }) });
const options: RefreshFetchOptions = { session: handle.session, shouldRefresh: (response) => response.status === 401 };
const authFetch: typeof fetch = createRefreshFetch(fetch, options);
void authFetch('/api/v1/tasks/', { method: 'POST', body: JSON.stringify({ title: 'x' }) });
export { expired };
`;

describe('the packed package', () => {
  it('loads with ESM import', async () => {
    await writeFile(
      join(project, 'esm.mjs'),
      "import { createRefreshInterceptor, isSessionExpiredError } from 'axios-refresh-interceptor';\n" +
        "import { createTabSession } from 'axios-refresh-interceptor/tabs';\n" +
        "import { createRefreshFetch } from 'axios-refresh-interceptor/fetch';\n" +
        'console.log(typeof createRefreshInterceptor, typeof isSessionExpiredError, typeof createTabSession, typeof createRefreshFetch);\n',
    );
    expect(await sh('node', ['esm.mjs'], project)).toBe('function function function function\n');
  });

  it('loads with CommonJS require', async () => {
    await writeFile(
      join(project, 'cjs.cjs'),
      "const { createRefreshInterceptor, SessionExpiredError } = require('axios-refresh-interceptor');\n" +
        "const { createTabSession } = require('axios-refresh-interceptor/tabs');\n" +
        "const { createRefreshFetch } = require('axios-refresh-interceptor/fetch');\n" +
        'console.log(typeof createRefreshInterceptor, typeof SessionExpiredError, typeof createTabSession, typeof createRefreshFetch);\n',
    );
    expect(await sh('node', ['cjs.cjs'], project)).toBe('function function function function\n');
  });

  // Each entry point works on sessions made by another: with a copy of the session code in each
  // CommonJS file, a failed refresh of a tab session reached axios as an internal error.
  it.each([
    ['CommonJS', 'cjs', "const axios = require('axios');\nconst { createRefreshInterceptor, createRefreshSession } = require('axios-refresh-interceptor');\nconst { createTabSession } = require('axios-refresh-interceptor/tabs');\nconst { createRefreshFetch } = require('axios-refresh-interceptor/fetch');\n"],
    ['ESM', 'mjs', "import axios from 'axios';\nimport { createRefreshInterceptor, createRefreshSession } from 'axios-refresh-interceptor';\nimport { createTabSession } from 'axios-refresh-interceptor/tabs';\nimport { createRefreshFetch } from 'axios-refresh-interceptor/fetch';\n"],
  ])('ends the session with SessionExpiredError across entry points, loaded as %s', async (_, ext, imports) => {
    const script = `${imports}
const rejected = () => Promise.reject(Object.assign(new Error('refresh token invalid'), { response: { status: 401 } }));
const unauthorized = async (config) => {
  throw new axios.AxiosError('401', 'ERR_BAD_REQUEST', config, null, { status: 401, statusText: '', config, headers: {}, data: '' });
};
const shown = (error) => \`\${error.name} \${error.code}\`;
const api = axios.create({ adapter: unauthorized });
createRefreshInterceptor(api, { session: createTabSession({ refresh: rejected }) });
const session = createRefreshSession({ refresh: rejected });
const authFetch = createRefreshFetch(async () => new Response(null, { status: 401 }), { session });
Promise.allSettled([api.get('/x'), authFetch('http://127.0.0.1/x')]).then((outcomes) => {
  console.log(outcomes.map((outcome) => shown(outcome.reason)).join(', '));
});
`;
    await writeFile(join(project, `across.${ext}`), script);
    expect(await sh('node', [`across.${ext}`], project)).toBe(
      'SessionExpiredError ERR_SESSION_EXPIRED, SessionExpiredError ERR_SESSION_EXPIRED\n',
    );
  });

  // An app whose dependencies load the library both ways gets two copies, each with its own
  // hooks: on one instance they took each other's requests, and two sessions refreshed twice for
  // one expiry, which spends a rotating refresh token.
  it('refuses a second copy of the library (the CommonJS build beside the ESM one) on an instance the first wired, which keeps refreshing once per expiry', async () => {
    const script = `import axios from 'axios';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createRefreshInterceptor } from 'axios-refresh-interceptor';
const commonjs = createRequire(import.meta.url)('axios-refresh-interceptor');
let valid = 'first';
let token = valid;
let refreshes = 0;
const server = createServer((request, response) => {
  if (request.url === '/refresh') {
    refreshes += 1;
    valid = 'token' + refreshes;
    response.end(JSON.stringify({ token: valid }));
    return;
  }
  response.statusCode = request.headers.authorization === valid ? 200 : 401;
  response.end('{}');
});
await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
const api = axios.create({ baseURL: 'http://127.0.0.1:' + server.address().port });
api.interceptors.request.use((config) => {
  config.headers.authorization = token;
  return config;
});
const refresh = async ({ client }) => {
  token = (await client.post('/refresh')).data.token;
};
const interceptor = createRefreshInterceptor(api, { refresh });
try {
  commonjs.createRefreshInterceptor(api, { refresh });
  console.log('attached');
} catch (error) {
  console.log(error.name + ': ' + error.message);
}
for (const expiry of ['one', 'two']) {
  valid = expiry;
  const outcomes = await Promise.allSettled([api.get('/a'), api.get('/b'), api.get('/c')]);
  console.log(outcomes.map((outcome) => outcome.status).join(' ') + ', refreshes ' + refreshes);
}
interceptor.eject();
commonjs.createRefreshInterceptor(api, { refresh }).eject();
console.log('the other copy attaches once the first let go');
server.close();
`;
    await writeFile(join(project, 'two-copies.mjs'), script);
    expect(await sh('node', ['two-copies.mjs'], project)).toBe(
      'TypeError: axios-refresh-interceptor is loaded twice (ESM and CommonJS, or two versions)\n' +
        'fulfilled fulfilled fulfilled, refreshes 1\n' +
        'fulfilled fulfilled fulfilled, refreshes 2\n' +
        'the other copy attaches once the first let go\n',
    );
  });

  async function typecheck(file: string, source: string, moduleResolution: string, module: string): Promise<string> {
    await writeFile(join(project, file), source);
    const config = `tsconfig.${file}.json`;
    // Every declaration file is checked, the package's and axios's among them, except
    // TypeScript's own lib files: they say nothing about the package, and take most of the time.
    await writeFile(
      join(project, config),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: 'es2022', types: [], moduleResolution, module, skipDefaultLibCheck: true },
        files: [file],
      }),
    );
    return sh('node', [tsc, '-p', config], project);
  }

  it.each([
    ['node16', 'node16', 'usage.mts'],
    ['node16', 'node16', 'usage.cts'],
    ['bundler', 'esnext', 'usage.ts'],
  ])('type-checks under moduleResolution %s (module %s, %s) with skipAuthRefresh and no cast', async (resolution, module, file) => {
    await expect(typecheck(file, usage, resolution, module)).resolves.toBe('');
  });

  it('fails the type check when skipAuthRefresh is given a wrong type, so the check above means something', async () => {
    const wrong = "import axios from 'axios';\nimport 'axios-refresh-interceptor';\nvoid axios.get('/', { skipAuthRefresh: 'yes' });\n";
    await expect(typecheck('wrong.ts', wrong, 'bundler', 'esnext')).rejects.toMatchObject({
      stdout: expect.stringMatching(/^wrong.ts\(3,.*TS2322/) as unknown,
    });
  });
});
