import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

// The library's argument checks follow the bundler convention: present in development, dropped
// where `process.env.NODE_ENV` is defined as "production", and harmless where there is no
// `process` at all (plain ESM in a browser, without a bundler).
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
// Inside the package, so that the bundles' bare `axios` import resolves to the installed one.
const scratch = join(root, 'node_modules/.cache/plain-esm-test');

const ENTRIES = ['index', 'fetch', 'tabs'] as const;

async function bundle(source: string, nodeEnv: string | undefined, minify = true): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: 'app.ts', loader: 'ts' },
    bundle: true,
    minify,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['axios'],
    define: nodeEnv === undefined ? {} : { 'process.env.NODE_ENV': JSON.stringify(nodeEnv) },
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no output');
  return output.text;
}

const everyEntry = ENTRIES.map((entry) => `export * from './src/${entry}.ts';`).join('\n');

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('argument checks in development and production builds', () => {
  it('drops every argument check from a production build, and keeps them in a development build', async () => {
    const production = await bundle(everyEntry, 'production');
    const development = await bundle(everyEntry, 'development');
    for (const message of ['an axios instance', 'a session from createRefreshSession()', 'a function such as `fetch`', 'a non-empty string', 'an array of origins']) {
      expect(development).toContain(message);
      expect(production).not.toContain(message);
    }
  });

  it('runs as plain ESM with no `process`: every entry point works, unchecked, and nothing throws a ReferenceError', async () => {
    await mkdir(scratch, { recursive: true });
    const library = join(scratch, 'library.js');
    await writeFile(library, await bundle(everyEntry, undefined, false));
    const app = join(scratch, 'app.mjs');
    await writeFile(
      app,
      `import axios from 'axios';
delete globalThis.process;
const outcome = { process: typeof process };
try {
  const lib = await import(${JSON.stringify(library)});
  const refresh = async () => {};
  const interceptor = lib.createRefreshInterceptor(axios.create(), { refresh });
  // Unchecked here: a wrong option is not caught at attach time, but nothing crashes either.
  lib.createRefreshInterceptor(axios.create(), { refresh, refreshTimeout: 'soon' }).eject();
  const refreshFetch = lib.createRefreshFetch(async () => new Response('ok'), { session: interceptor.session });
  outcome.fetched = await (await refreshFetch('https://api.example/x')).text();
  const tabs = lib.createTabSession({ refresh, locks: undefined, channel: () => ({ postMessage() {}, addEventListener() {}, removeEventListener() {}, close() {} }) });
  tabs.close();
  interceptor.eject();
  outcome.state = interceptor.session.state;
} catch (error) {
  outcome.error = String(error);
}
console.log(JSON.stringify(outcome));
`,
    );
    const { stdout } = await run(process.execPath, [app], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ process: 'undefined', fetched: 'ok', state: 'live' });
  });
});
