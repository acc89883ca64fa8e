import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('tells its story and ends well, printing nothing that reads as a failure of its own', async () => {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'demo/run.ts'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/✓ demo finished in [\d.]+ s\n$/);
    // The hand-written pattern fails on purpose; the demo says so without a failure mark.
    expect(stdout).toMatch(/as expected of this pattern, \d+ requests failed/);
    expect(stdout).not.toMatch(/✗|demo failed/);
  }, 60_000);
});
