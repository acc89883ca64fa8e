import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, tokenOf } from '../../helpers/auth-server.js';

/** A request as a loopback server sees it, once its whole body has arrived. */
export interface Arrival {
  readonly req: http.IncomingMessage;
  /** The path, without its query string. */
  readonly path: string;
  /** The access token it carried (Bearer header or cookie), if any. */
  readonly token: string | undefined;
  readonly body: string;
}

/** A listening loopback server: where to reach it, and how to stop it. */
export interface Loopback {
  readonly url: string;
  /** Drops open connections (a request left hanging included) and stops listening. */
  readonly close: () => Promise<void>;
}

/** Listens on 127.0.0.1 on a free port and hands `handle` each request once its body is read. */
export async function listen(handle: (arrival: Arrival, res: http.ServerResponse) => void): Promise<Loopback> {
  const server = http.createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        const path = (req.url ?? '/').split('?')[0]!;
        handle({ req, path, token: tokenOf(req, 'access_token'), body }, res);
      },
      () => {
        // The client went away before its body arrived: there is no one to answer.
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}

/** Answers with `status` and a JSON body (`payload` as is when it is a string, else serialized). */
export function replyJson(res: http.ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
}
