/**
 * A page and the JWT API on one origin, for the e2e tests of pages that hold bearer tokens: the
 * tabs need no CORS.
 */
import http from 'node:http';
import type { JwtServer } from '../../bearer/helpers/jwt-server.js';
import { listen } from '../../stacks/helpers/loopback.js';
import type { Loopback } from '../../stacks/helpers/loopback.js';

const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">' +
  '<script src="/page.js"></script></head><body></body></html>';

/** Serves the page at `/` and its script at `/page.js`, and passes every other request on to `api`. */
export function serveJwtSite(api: JwtServer, script: string): Promise<Loopback> {
  return listen(({ req, body }, res) => {
    const url = req.url ?? '/';
    if (url === '/' || url === '/page.js') {
      res.writeHead(200, { 'content-type': url === '/' ? 'text/html; charset=utf-8' : 'text/javascript' });
      res.end(url === '/' ? PAGE : script);
      return;
    }
    const upstream = http.request(
      `${api.url}${url}`,
      { method: req.method, headers: { ...req.headers, connection: 'close' }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  });
}
