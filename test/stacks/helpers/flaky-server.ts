import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback server whose every path fails a set number of times, then answers 200. */
export interface FlakyServer {
  readonly url: string;
  /** The statuses answered to `path`, in order. */
  answers(path: string): number[];
  close(): Promise<void>;
}

/** Answers each path `status` for its first `failures` requests, then 200. */
export async function startFlakyServer(failures: number, status: number): Promise<FlakyServer> {
  const answered = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const list = answered.get(path) ?? [];
    answered.set(path, list);
    const code = list.length < failures ? status : 200;
    list.push(code);
    req.resume();
    req.on('end', () => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, attempt: list.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers: (path) => [...(answered.get(path) ?? [])],
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}
