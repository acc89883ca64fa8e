import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A third-party origin: refuses every request with a 401, recording the Authorization it got. */
export interface ThirdParty {
  readonly url: string;
  readonly authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

export async function thirdParty(): Promise<ThirdParty> {
  const authorizations: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"detail":"not signed in here"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
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
