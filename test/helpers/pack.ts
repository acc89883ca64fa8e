import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// Packs the library as npm would publish it, so that what package tests check is what users
// get, not the source tree.
const run = promisify(execFile);

/** The package root. */
export const root: string = resolve(import.meta.dirname, '../..');
/** TypeScript as the package's own tests run it. */
export const tsc: string = join(root, 'node_modules/typescript/bin/tsc');

/** Runs `command` in `cwd` and gives its standard output. */
export async function sh(command: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

// What the build writes, and what it is built from.
const OUTPUTS = ['index', 'tabs', 'fetch'].flatMap((entry) => ['.js', '.cjs', '.d.ts', '.d.cts'].map((ext) => `dist/${entry}${ext}`));
const INPUTS = ['package.json', 'tsup.config.ts', 'tsconfig.json', 'tsconfig.build.json'];

async function mtimes(files: string[]): Promise<number[]> {
  return Promise.all(files.map(async (file) => (await stat(join(root, file))).mtimeMs));
}

/**
 * Whether dist/ was built after the last change to anything it is built from. `npm test` builds
 * it just before the tests (in check:package), and the package tests pack that build instead of
 * making the same one again; run on their own, or after an edit, they build first.
 */
async function buildIsCurrent(): Promise<boolean> {
  let built: number[];
  try {
    built = await mtimes(OUTPUTS);
  } catch {
    return false;
  }
  const sources = (await readdir(join(root, 'src'), { recursive: true })).map((file) => join('src', file));
  const changed = await mtimes([...INPUTS, 'src', ...sources]);
  return Math.min(...built) > Math.max(...changed);
}

/** Builds the package unless dist/ is current, packs it into `project`, and gives the tarball's name. */
export async function packInto(project: string): Promise<string> {
  if (!(await buildIsCurrent())) await sh('npm', ['run', 'build', '--silent'], root);
  await sh('npm', ['pack', '--silent', '--pack-destination', project], root);
  const tarball = (await readdir(project)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  return tarball;
}
