import { parseArgs } from 'node:util';
import { startAuthApi } from '../server/index.js';
import { buildWebApp } from './build.js';
import { DEMO_ACCOUNT } from './demo-account.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'access-ttl': { type: 'string', default: '15000' },
    'refresh-ttl': { type: 'string', default: '120000' },
  },
});

const staticDir = await buildWebApp();
const api = await startAuthApi({
  port: Number(values.port),
  accessTtlMs: Number(values['access-ttl']),
  refreshTtlMs: Number(values['refresh-ttl']),
  staticDir,
  users: [DEMO_ACCOUNT],
  onError: (error) => {
    console.error(error);
  },
});

console.log(`\nTask list demo: open ${api.url}/`);
console.log(`access token ${Number(values['access-ttl']) / 1000} s, refresh token ${Number(values['refresh-ttl']) / 1000} s`);
console.log(`demo account: ${DEMO_ACCOUNT.email}, password ${DEMO_ACCOUNT.password} (or sign up with any email)`);
console.log('(--port, --access-ttl <ms> and --refresh-ttl <ms> change these; Ctrl-C stops the server)');
process.once('SIGINT', () => {
  void api.close().then(() => process.exit(0));
});
