import { parseArgs } from 'node:util';
import { startAuthApi } from './server.js';

const usage = `Usage: tsx demo/server/cli.ts [options]

Runs the reference auth API until interrupted.

  --port <n>          port to listen on (default: any free port)
  --host <address>    address to bind (default: 127.0.0.1)
  --access-ttl <ms>   access token lifetime (default: 900000)
  --refresh-ttl <ms>  refresh token lifetime (default: 604800000)
  --static <dir>      serve a built web app from this folder too
`;

function milliseconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number of milliseconds, got ${value}`);
  return parsed;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'access-ttl': { type: 'string' },
    'refresh-ttl': { type: 'string' },
    static: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help === true) {
  process.stdout.write(usage);
} else {
  const api = await startAuthApi({
    port: values.port === undefined ? undefined : Number(values.port),
    host: values.host,
    accessTtlMs: milliseconds(values['access-ttl'], 'access-ttl'),
    refreshTtlMs: milliseconds(values['refresh-ttl'], 'refresh-ttl'),
    staticDir: values.static,
    onError: (error) => {
      console.error(error);
    },
  });
  console.log(`Reference auth API listening on ${api.apiUrl}  (Ctrl-C stops it)`);
  process.once('SIGINT', () => {
    void api.close().then(() => process.exit(0));
  });
}
