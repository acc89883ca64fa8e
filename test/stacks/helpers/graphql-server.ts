import { listen, replyJson } from './loopback.js';

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
  /** `data` or `unauthenticated` for `/graphql`; `refreshed` or `refused` for `/refresh`. */
  answer: 'data' | 'unauthenticated' | 'refreshed' | 'refused';
  /** Whether it was turned away: answered UNAUTHENTICATED (`/graphql`), or a 401 (`/refresh`). */
  refused: boolean;
}

export interface GraphqlOptions {
  /**
   * Whether `/refresh` wants the current refresh token as `{ refresh }` in its body (refresh
   * tokens are then single-use: a reused or missing one gets a 401). Default `true`; with
   * `false` any call to `/refresh` rotates the tokens.
   */
  refreshNeedsToken?: boolean;
  /** The `data` a query gets with the current token. Default `{ me: { token } }`. */
  data?: (token: string, body: string) => unknown;
}

/**
 * A loopback GraphQL server: like most, it answers an expired token with a 200 whose body
 * carries `extensions.code: 'UNAUTHENTICATED'`, never with a 401. `/refresh` rotates both
 * tokens (`access-N`, `refresh-N`) and answers them as `{ access, refresh }`.
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

export async function startGraphqlServer(options: GraphqlOptions = {}): Promise<GraphqlServer> {
  const { refreshNeedsToken = true, data = (token: string): unknown => ({ me: { token } }) } = options;
  let generation = 0;
  let access = 'access-0';
  let refresh = 'refresh-0';
  const seen: GraphqlSeen[] = [];

  const { url, close } = await listen(({ path, token, body }, res) => {
    if (path === '/refresh') {
      const presented = body.startsWith('{') ? (JSON.parse(body) as { refresh?: string }).refresh : undefined;
      const refused = refreshNeedsToken && presented !== refresh;
      seen.push({ path, token, body, answer: refused ? 'refused' : 'refreshed', refused });
      if (refused) {
        replyJson(res, 401, { detail: 'refresh token invalid' });
        return;
      }
      generation += 1;
      access = `access-${generation}`;
      refresh = `refresh-${generation}`;
      replyJson(res, 200, { access, refresh });
      return;
    }
    if (token === undefined || token !== access) {
      seen.push({ path, token, body, answer: 'unauthenticated', refused: true });
      replyJson(res, 200, UNAUTHENTICATED_BODY);
      return;
    }
    seen.push({ path, token, body, answer: 'data', refused: false });
    replyJson(res, 200, { data: data(token, body) } satisfies GraphqlBody);
  });

  return {
    url,
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
    close,
  };
}
