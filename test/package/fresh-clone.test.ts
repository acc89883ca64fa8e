import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm pack` and `npm install <git URL>` work from a fresh clone, where there is no dist/: npm
// runs the `prepare` script for both, and that must build what the package ships.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let scratch: string;
let clone: string;
let project: string;
let listed: string;

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** The files a clone has: what git tracks, or, outside a git checkout, the tree without builds. */
async function cloneFiles(): Promise<string[]> {
  if (existsSync(join(root, '.git'))) {
    return (await sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)).split('\0').filter(Boolean);
  }
  const skip = /^(node_modules|dist|docs\/api|\.git)(\/|$)/;
  return (await readdir(root, { recursive: true })).filter((file) => !skip.test(file));
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ari-clone-'));
  clone = join(scratch, 'clone');
  project = join(scratch, 'app');
  await mkdir(project);
  for (const file of await cloneFiles()) {
    if (!existsSync(join(root, file))) continue; // deleted, not yet committed
    await mkdir(dirname(join(clone, file)), { recursive: true });
    await cp(join(root, file), join(clone, file), { recursive: true });
  }
  // The clone's `npm install` would fetch what the root already has.
  await symlink(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  await sh('npm', ['pack', '--silent', '--pack-destination', project], clone);
  const tarball = (await readdir(project)).find((name) => name.endsWith('.tgz'))!;
  listed = await sh('tar', ['-tzf', tarball], project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'fresh-clone-app', private: true }));
  const axiosVersion = (await import('axios')).default.VERSION;
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`, `axios@${axiosVersion}`], project);
}, 180_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('npm pack on a fresh clone, with no dist/', () => {
  it('builds before packing: the tarball holds every entry point in ESM, CommonJS and their types', () => {
    for (const entry of ['index', 'tabs', 'fetch']) {
      for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(listed).toContain(`package/dist/${entry}${ext}`);
    }
  });

  it('installs into an app that imports every entry point, as ESM and as CommonJS', async () => {
    await writeFile(
      join(project, 'esm.mjs'),
      "import { createRefreshInterceptor } from 'axios-refresh-interceptor';\n" +
        "import { createTabSession } from 'axios-refresh-interceptor/tabs';\n" +
        "import { createRefreshFetch } from 'axios-refresh-interceptor/fetch';\n" +
        'console.log(typeof createRefreshInterceptor, typeof createTabSession, typeof createRefreshFetch);\n',
    );
    await writeFile(
      join(project, 'cjs.cjs'),
      "const { createRefreshInterceptor } = require('axios-refresh-interceptor');\n" +
        "const { createTabSession } = require('axios-refresh-interceptor/tabs');\n" +
        "const { createRefreshFetch } = require('axios-refresh-interceptor/fetch');\n" +
        'console.log(typeof createRefreshInterceptor, typeof createTabSession, typeof createRefreshFetch);\n',
    );
    expect(await sh('node', ['esm.mjs'], project)).toBe('function function function\n');
    expect(await sh('node', ['cjs.cjs'], project)).toBe('function function function\n');
  });
});
