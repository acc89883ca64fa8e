// Runs the test suite against the lowest axios version that the peer range allows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { peerDependencies } = JSON.parse(readFileSync('package.json', 'utf8'));
const lowest = /^\^(\d+\.\d+\.\d+)$/.exec(peerDependencies.axios)?.[1];
if (!lowest) throw new Error(`Cannot read the lowest version from the peer range ${peerDependencies.axios}`);

const dir = mkdtempSync(join(tmpdir(), 'axios-min-'));
try {
  writeFileSync(join(dir, 'package.json'), '{"private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `axios@${lowest}`], { cwd: dir, stdio: 'inherit' });
  const axiosDir = join(dir, 'node_modules', 'axios');
  const installed = JSON.parse(readFileSync(join(axiosDir, 'package.json'), 'utf8')).version;
  console.log(`Testing against axios ${installed}`);
  execFileSync('npx', ['vitest', 'run', '--config', 'vitest.axios-min.config.ts', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, AXIOS_DIR: axiosDir },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
