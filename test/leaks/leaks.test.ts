/**
 * Leak tests. They need `gc()`, which only `node --expose-gc` has, so each one runs a script of
 * ./scripts in a child process (through tsx, like the benchmarks) and checks the JSON line it
 * prints. A script can be run by hand the same way, for example:
 *
 *   node --expose-gc --import tsx test/leaks/scripts/instances.ts eject-while-waiting
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Far beyond what a script takes (a few seconds each); it bounds a script that hangs.
const LIMIT = 120_000;
const MiB = 1024 * 1024;

async function script(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const file = fileURLToPath(new URL(`./scripts/${name}.ts`, import.meta.url));
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: LIMIT,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const result: unknown = JSON.parse(last);
  if (typeof result !== 'object' || result === null) throw new Error(`unexpected output: ${stdout}`);
  return result as Record<string, unknown>;
}

describe('memory (child node --expose-gc)', () => {
  it(
    'grows the heap by less than 1 MiB over 100 000 refresh cycles',
    async () => {
      const result = await script('refresh-cycles');

      expect(result).toMatchObject({ cycles: 100_000, succeeded: 100_000, refreshes: 100_000 });
      expect(result.growth).toBeLessThan(MiB);
    },
    LIMIT,
  );

  it(
    'collects 10 000 instances attached with their own session, used and dropped',
    async () => {
      const result = await script('instances', ['own-sessions']);

      expect(result).toMatchObject({ instances: 10_000, refreshes: 10_000, alive: 0 });
    },
    LIMIT,
  );

  it(
    'collects 10 000 instances that shared a long-lived session once they are ejected',
    async () => {
      const result = await script('instances', ['shared-session-ejected']);

      expect(result).toMatchObject({ instances: 10_000, refreshes: 10_000, alive: 0, sessionInUse: true });
    },
    LIMIT,
  );

  // The session holds its instances' header trackers weakly: an instance that shares a
  // long-lived session and is dropped without eject() must be collected, and must not cost
  // every later refresh a look at its default headers.
  it(
    'collects instances that shared a long-lived session and were dropped without eject',
    async () => {
      const result = await script('instances', ['shared-session-dropped'], { COUNT: '500' });

      expect(result).toMatchObject({ instances: 500, aliveInstances: 0 });
    },
    LIMIT,
  );

  it(
    'leaves nothing behind when ejected 10 000 times with a failed and a held request waiting',
    async () => {
      const result = await script('instances', ['eject-while-waiting']);

      // Both requests settle at once with their own 401 (the held one is sent as it is).
      expect(result).toMatchObject({
        cycles: 10_000,
        outcomes: { '/failed 401': 10_000, '/held 401': 10_000 },
        alive: 0,
        handlersLeft: 0,
        timersLeft: 0,
      });
    },
    LIMIT,
  );

  it(
    'leaves nothing of 10 000 ejected instances once the shared refresh they waited on succeeds',
    async () => {
      const result = await script('instances', ['eject-while-shared-refresh-runs']);

      expect(result).toMatchObject({ instances: 10_000, passedThrough: 10_000, refreshing: false, alive: 0 });
    },
    LIMIT,
  );
});
