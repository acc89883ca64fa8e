import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function decode(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/**
 * Serves a built single-page app. Any path that is not a file gets index.html, so that a
 * reload on a client-side route still loads the app.
 */
export async function serveStatic(dir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const root = resolve(dir);
  const decoded = decode(pathname);
  const wanted = decoded === undefined ? root : resolve(root, `.${decoded}`);
  if (decoded === undefined || (wanted !== root && !wanted.startsWith(root + sep))) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const file = (await isFile(wanted)) ? wanted : join(root, 'index.html');
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': content.length,
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : content);
}
