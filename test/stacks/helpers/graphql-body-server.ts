import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a GraphQL server answers: data, or errors with a code in their extensions. */
export interface GraphqlBody {
  data?: unknown;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

/** One request as the GraphQL server saw it. */
export interface GraphqlSeen {
  path: string;
  token: string | undefined;
  body: string;
  /** `data` or `unauthenticated` for `/graphql`; `refreshed` for `/refresh`. */
  answer: 'data' | 'unauthenticated' | 'refreshed';
}

/**
 * A GraphQL-style server: `POST /graphql` always answers 200, with
 * `{"errors":[{"extensions":{"code":"UNAUTHENTICATED"}}]}` when the bearer token is stale;
 * `POST /refresh` issues a new access token `access-N`.
 */
export interface GraphqlServer {
  readonly url: string;
  readonly access: string;
  readonly seen: GraphqlSeen[];
  refreshCalls(): number;
  expireAccess(): void;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startGraphqlServer(): Promise<GraphqlServer> {
  let generation = 0;
  let access = 'access-0';
  const seen: GraphqlSeen[] = [];

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readBody(req);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    res.setHeader('content-type', 'application/json');
    if (path === '/refresh') {
      generation += 1;
      access = `access-${generation}`;
      seen.push({ path, token, body, answer: 'refreshed' });
      res.writeHead(200).end(JSON.stringify({ access }));
      return;
    }
    if (token !== access) {
      seen.push({ path, token, body, answer: 'unauthenticated' });
      const answer: GraphqlBody = { errors: [{ message: 'not signed in', extensions: { code: 'UNAUTHENTICATED' } }] };
      res.writeHead(200).end(JSON.stringify(answer));
      return;
    }
    seen.push({ path, token, body, answer: 'data' });
    const answer: GraphqlBody = { data: { viewer: { token }, query: body } };
    res.writeHead(200).end(JSON.stringify(answer));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get access() {
      return access;
    },
    seen,
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
