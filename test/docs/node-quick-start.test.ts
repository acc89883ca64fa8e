import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAuthApi } from '../../demo/server/index.js';
import type { AuthApi } from '../../demo/server/index.js';
import { ROOT, blocksOf } from './helpers/blocks.js';

const run = promisify(execFile);
let api: AuthApi;
let dir: string;

beforeEach(async () => {
  // As the README starts it: access tokens that live 2 s.
  api = await startAuthApi({ accessTtlMs: 2_000 });
  dir = await mkdtemp(join(tmpdir(), 'ari-node-quick-start-'));
});

afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

/** The README's Node script, run as a user runs it, with the package's name mapped to its source. */
async function runScript(): Promise<string> {
  const [script] = blocksOf('README.md').filter((block) => block.code.includes('http-cookie-agent/http') && block.code.includes('requests after expiry'));
  if (!script) throw new Error("the README's Node quick start script is missing");
  await writeFile(join(dir, 'quick-start.mts'), script.code);
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { baseUrl: ROOT, paths: { 'axios-refresh-interceptor': ['src/index.ts'] } } }),
  );
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.json', 'quick-start.mts'], {
    cwd: dir,
    env: { ...process.env, API_URL: api.apiUrl },
  });
  return stdout;
}

describe("the README's Node quick start", () => {
  it('signs up, and after the access token expires sends 5 requests that share one refresh', async () => {
    expect(await runScript()).toBe('5 requests after expiry: 200 200 200 200 200\n');
    expect(api.stats.refreshCalls).toBe(1);
    expect(api.stats.refreshReuse).toBe(0);
    expect(api.stats.requests['GET /api/v1/tasks/']).toBe(10);
    expect(api.stats.unauthorized).toBe(5);
  }, 20_000);

  it('logs in when the account exists, and refreshes once again', async () => {
    await runScript();
    await rm(join(dir, 'node_modules'));
    expect(await runScript()).toBe('5 requests after expiry: 200 200 200 200 200\n');
    expect(api.stats.requests['POST /api/v1/users/login/']).toBe(1);
    expect(api.stats.refreshCalls).toBe(2);
    expect(api.stats.refreshReuse).toBe(0);
  }, 30_000);
});
