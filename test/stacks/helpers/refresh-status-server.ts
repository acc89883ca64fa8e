import { listen, replyJson } from './loopback.js';

/** How `/refresh` answers: with an HTTP status, by destroying the socket, or never. */
export type RefreshAnswer = number | 'drop' | 'hang';

export interface StatusSeen {
  path: string;
  token: string | undefined;
  /** 0 for a refresh that was dropped or left hanging. */
  status: number;
}

/**
 * A loopback server whose `/refresh` answers whatever `refreshAnswer` says. A 2xx answer issues
 * a new access token `access-N` in `{ access }`; any other status leaves the token as it is.
 * Every other path answers 200 to the current bearer token and 401 to any other.
 */
export interface StatusServer {
  readonly url: string;
  readonly access: string;
  readonly seen: StatusSeen[];
  refreshAnswer: RefreshAnswer;
  refreshCalls(): number;
  /** Requests to `path` (a prefix) answered with `status`, or all of them. */
  count(path: string, status?: number): number;
  expireAccess(): void;
  close(): Promise<void>;
}

export async function startStatusServer(): Promise<StatusServer> {
  let generation = 0;
  let access = 'access-0';
  const seen: StatusSeen[] = [];

  const { url, close } = await listen(({ req, path, token }, res) => {
    if (path !== '/refresh') {
      const status = token === access ? 200 : 401;
      seen.push({ path, token, status });
      replyJson(res, status, { path, token });
      return;
    }
    const answer = api.refreshAnswer;
    if (answer === 'drop' || answer === 'hang') {
      seen.push({ path, token, status: 0 });
      if (answer === 'drop') req.socket.destroy();
      return;
    }
    seen.push({ path, token, status: answer });
    if (answer >= 200 && answer < 300) {
      generation += 1;
      access = `access-${generation}`;
      replyJson(res, answer, { access });
      return;
    }
    replyJson(res, answer, { detail: `refresh answered ${answer}` });
  });

  const matching = (prefix: string, status?: number): StatusSeen[] =>
    seen.filter((r) => r.path.startsWith(prefix) && (status === undefined || r.status === status));
  const api: StatusServer = {
    url,
    get access() {
      return access;
    },
    seen,
    refreshAnswer: 200,
    refreshCalls: () => matching('/refresh').length,
    count: (path, status) => matching(path, status).length,
    expireAccess() {
      access = `expired-${generation}`;
    },
    close,
  };
  return api;
}
