import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./scripts/kept-fetch-errors.ts', import.meta.url));
const COUNT = 100;

async function scenario(name: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT, name], {
    cwd: ROOT,
    env: { ...process.env, COUNT: String(COUNT) },
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
}

describe('errors an app keeps from the fetch side (child node --expose-gc)', () => {
  const cases: Array<[string, Record<string, number>]> = [
    ['timeout', { 'RefreshFailedError:ERR_REFRESH_FAILED': COUNT }],
    ['failed-answer', { 'RefreshFailedError:ERR_REFRESH_FAILED': COUNT }],
    ['session-ended', { 'SessionExpiredError:ERR_SESSION_EXPIRED': 3 * COUNT }],
    ['cooling-down', { 'RefreshFailedError:ERR_REFRESH_FAILED': 2 * COUNT }],
    ['thrown-at-once', { 'SessionExpiredError:ERR_SESSION_EXPIRED': COUNT }],
    ['held-aborted', { 'AbortError:20': COUNT, 'RefreshFailedError:ERR_REFRESH_FAILED': COUNT }],
    ['not-replayable', { 'Error:ERR_BODY_NOT_REPLAYABLE': COUNT }],
    ['refresh-context-error', { Error: COUNT }],
  ];
  for (const [name, outcomes] of cases) {
    it(`keeps no wrapped fetch or session alive: ${name}`, async () => {
      const result = await scenario(name);
      expect(result).toMatchObject({ made: COUNT, outcomes, alive: 0 });
    }, 120_000);
  }
});
