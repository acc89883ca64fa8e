import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '../../helpers/gate.js';

/** A request for the stream as the server saw it. */
export interface StreamRequest {
  readonly token: string | undefined;
  readonly lastEventId: string | undefined;
  readonly status: number;
}

/** A text/event-stream endpoint at `/events` that takes a bearer token and resumes from `Last-Event-ID`. */
export interface StreamServer {
  readonly url: string;
  readonly requests: StreamRequest[];
  /** Sends event `id` to every open stream, and keeps it for those that resume before it. */
  publish(): void;
  /** Resolves once `n` streams are open. */
  open(n: number): Promise<void>;
  /** Ends every open stream, as a server does when the token it was opened with expires. */
  kick(): void;
  close(): Promise<void>;
}

/** @param valid Whether the auth server takes `token` now. */
export async function startStreamServer(valid: (token: string | undefined) => Promise<boolean>): Promise<StreamServer> {
  const requests: StreamRequest[] = [];
  const streams = new Set<http.ServerResponse>();
  let last = 0;
  const event = (id: number): string => `id: ${id}\ndata: event ${id}\n\n`;

  const server = http.createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' ? header : undefined;
    void valid(token).then((ok) => {
      requests.push({ token, lastEventId, status: ok ? 200 : 401 });
      if (!ok) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('token expired');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      for (let id = Number(lastEventId ?? 0) + 1; id <= last; id++) res.write(event(id));
      streams.add(res);
      res.on('close', () => streams.delete(res));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    requests,
    publish() {
      last += 1;
      for (const res of streams) res.write(event(last));
    },
    open: (n) => until(() => streams.size === n),
    kick() {
      for (const res of streams) res.end();
      streams.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}
