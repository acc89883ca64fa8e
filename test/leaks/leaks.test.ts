/**
 * Leak tests. They need `gc()`, which only `node --expose-gc` has, so each one runs a script of
 * ./scripts in a child process (through tsx, like the benchmarks) and checks the JSON line it
 * prints. A script can be run by hand the same way, for example:
 *
 *   node --expose-gc --import tsx test/leaks/scripts/instances.ts eject-while-waiting
 *
 * `npm test` runs each scenario at a fifth of its full size (helpers/scale.ts): what a dropped
 * instance or an ejected interceptor leaves behind is counted exactly, and the heap bound is the
 * same per cycle. `npm run test:stress` runs them at full size (LEAK_SCALE=1).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { count, formatCount } from './helpers/scale.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Far beyond what a script takes (a few seconds each); it bounds a script that hangs.
const LIMIT = 120_000;
const KiB = 1024;

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

// Full size: 100 000 refresh cycles within 1 MiB of heap growth (about 10 bytes a cycle), and
// 10 000 instances or ejects per scenario.
const CYCLES = count(100_000);
const GROWTH_LIMIT = Math.round((1024 * KiB * CYCLES) / 100_000);
const INSTANCES = count(10_000);
// Fewer for instances dropped without eject: until they are collected, each refresh still
// looks at every one of them, so the scenario takes time that grows with the square of them.
const DROPPED = count(500);
// Instances whose errors the app keeps after dropping them, for each way a refresh fails.
const KEPT = count(500);

describe('memory (child node --expose-gc)', () => {
  it(
    `grows the heap by less than ${Math.round(GROWTH_LIMIT / KiB)} KiB over ${formatCount(CYCLES)} refresh cycles`,
    async () => {
      const result = await script('refresh-cycles', [], { CYCLES: String(CYCLES) });

      expect(result).toMatchObject({ cycles: CYCLES, succeeded: CYCLES, refreshes: CYCLES });
      expect(result.growth).toBeLessThan(GROWTH_LIMIT);
    },
    LIMIT,
  );

  it(
    `collects ${formatCount(INSTANCES)} instances attached with their own session, used and dropped`,
    async () => {
      const result = await script('instances', ['own-sessions'], { COUNT: String(INSTANCES) });

      expect(result).toMatchObject({ instances: INSTANCES, refreshes: INSTANCES, alive: 0 });
    },
    LIMIT,
  );

  it(
    `collects ${formatCount(INSTANCES)} instances that shared a long-lived session once they are ejected`,
    async () => {
      const result = await script('instances', ['shared-session-ejected'], { COUNT: String(INSTANCES) });

      expect(result).toMatchObject({ instances: INSTANCES, refreshes: INSTANCES, alive: 0, sessionInUse: true });
    },
    LIMIT,
  );

  // The session holds its instances' header trackers weakly: an instance that shares a
  // long-lived session and is dropped without eject() must be collected, and must not cost
  // every later refresh a look at its default headers.
  it(
    'collects instances that shared a long-lived session and were dropped without eject',
    async () => {
      const result = await script('instances', ['shared-session-dropped'], { COUNT: String(DROPPED) });

      expect(result).toMatchObject({ instances: DROPPED, aliveInstances: 0 });
    },
    LIMIT,
  );

  it(
    `leaves nothing behind when ejected ${formatCount(INSTANCES)} times with a failed and a held request waiting`,
    async () => {
      const result = await script('instances', ['eject-while-waiting'], { COUNT: String(INSTANCES) });

      // Both requests settle at once with their own 401 (the held one is sent as it is).
      expect(result).toMatchObject({
        cycles: INSTANCES,
        outcomes: { '/failed 401': INSTANCES, '/held 401': INSTANCES },
        alive: 0,
        handlersLeft: 0,
        timersLeft: 0,
      });
    },
    LIMIT,
  );

  // An error made while the session's own functions run records them in its stack until the
  // stack is read: kept by the app, it must not keep the session, nor the instance its `refresh`
  // closes over.
  it.each([
    ['timeout', { RefreshFailedError: KEPT }],
    ['failed-answer', { RefreshFailedError: KEPT }],
    ['session-ended', { SessionExpiredError: 2 * KEPT }],
    ['thrown-at-once', { SessionExpiredError: KEPT }],
    ['thrown-with-cause', { SessionExpiredError: KEPT }],
    ['get-access-token', { RefreshFailedError: 2 * KEPT }],
    ['ejected', { RefreshFailedError: KEPT, AxiosError: KEPT }],
    ['fetch-get-access-token', { RefreshFailedError: KEPT }],
  ])(
    `collects ${formatCount(KEPT)} dropped instances and sessions whose errors the app keeps: %s`,
    async (name, outcomes) => {
      const result = await script('kept-errors', [name], { COUNT: String(KEPT) });

      expect(result).toMatchObject({ made: KEPT, outcomes, alive: 0 });
    },
    LIMIT,
  );

  it(
    `leaves nothing of ${formatCount(INSTANCES)} ejected instances once the shared refresh they waited on succeeds`,
    async () => {
      const result = await script('instances', ['eject-while-shared-refresh-runs'], { COUNT: String(INSTANCES) });

      expect(result).toMatchObject({ instances: INSTANCES, passedThrough: INSTANCES, refreshing: false, alive: 0 });
    },
    LIMIT,
  );
});
