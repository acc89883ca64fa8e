import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the GraphQL server saw it. */
export interface GraphqlSeen {
  path: string;
  token: string | undefined;
  /** For `/graphql`: whether it answered UNAUTHENTICATED; for `/refresh`: whether it refused. */
  refused: boolean;
  body: string;
}

/**
 * A loopback GraphQL server: like most, it answers an expired token with a 200 whose body
 * carries `extensions.code: 'UNAUTHENTICATED'`, never with a 401. `/refresh` takes
 * `{ refresh }` and rotates both tokens (single-use refresh tokens; a reused one gets a 401).
 */
export interface GraphqlServer {
  readonly url: string;
  readonly seen: GraphqlSeen[];
  readonly access: string;
  readonly refresh: string;
  refreshCalls(): number;
  expireAccess(): void;
  close(): Promise<void>;
}

export const UNAUTHENTICATED_BODY = '{"errors":[{"extensions":{"code":"UNAUTHENTICATED"}}]}';

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startGraphqlServer(): Promise<GraphqlServer> {
  let generation = 0;
  let access = 'access-0';
  let refresh = 'refresh-0';
  const seen: GraphqlSeen[] = [];

  const server = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const reply = (status: number, payload: string): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload);
      };
      if (path === '/refresh') {
        const presented = body.startsWith('{') ? (JSON.parse(body) as { refresh?: string }).refresh : undefined;
        const refused = presented !== refresh;
        seen.push({ path, token, refused, body });
        if (refused) {
          reply(401, '{"detail":"refresh token invalid"}');
          return;
        }
        generation += 1;
        access = `access-${generation}`;
        refresh = `refresh-${generation}`;
        reply(200, JSON.stringify({ access, refresh }));
        return;
      }
      const refused = token !== access;
      seen.push({ path, token, refused, body });
      reply(200, refused ? UNAUTHENTICATED_BODY : JSON.stringify({ data: { me: { token } } }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get access() {
      return access;
    },
    get refresh() {
      return refresh;
    },
    refreshCalls: () => seen.filter((r) => r.path === '/refresh').length,
    expireAccess() {
      access = `expired-${generation}`;
    },
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
