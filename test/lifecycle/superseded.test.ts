/**
 * `superseded`, the refresh's second signal: it aborts when a log-out or a log-in overtakes the
 * call, and not at `refreshTimeout`. A `refresh` that checks it stores nothing from a call that
 * crossed a user switch; one that passes it on with rotating refresh tokens is never aborted for
 * being slow. The server here has users, each with their own rotating refresh tokens.
 */
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, isRefreshFailedError, isSessionExpiredError } from '../../src/index.js';
import type { RefreshContext } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import { pathGates, until } from '../helpers/gate.js';
import { listen, replyJson } from '../stacks/helpers/loopback.js';

interface Tokens {
  access: string;
  refresh: string;
}

/** Users' sessions: a log-in as `user` starts a family of rotating refresh tokens of theirs. */
async function startUsersServer() {
  let issued = 0;
  const access = new Map<string, string>();
  const refresh = new Map<string, string>();
  const gates = pathGates();
  const seen: Array<{ path: string; user: string | undefined }> = [];
  const issue = (user: string): Tokens => {
    issued += 1;
    const tokens = { access: `access-${user}-${issued}`, refresh: `refresh-${user}-${issued}` };
    access.set(tokens.access, user);
    refresh.set(tokens.refresh, user);
    return tokens;
  };
  const { url, close } = await listen(({ path, token, body }, res) => {
    const user = token === undefined ? undefined : access.get(token);
    seen.push({ path, user });
    void gates.passed(path).then(() => {
      if (path.startsWith('/login/')) {
        replyJson(res, 200, issue(path.slice('/login/'.length)));
      } else if (path === '/refresh') {
        const presented = (JSON.parse(body) as { refresh: string }).refresh;
        const owner = refresh.get(presented);
        refresh.delete(presented);
        if (owner === undefined) replyJson(res, 401, { detail: 'refresh token used or unknown' });
        else replyJson(res, 200, issue(owner));
      } else if (user === undefined) replyJson(res, 401, { detail: 'expired' });
      else replyJson(res, 200, { user });
    });
  });
  return {
    url,
    /** Every access token issued so far stops working. */
    expireAll: () => {
      access.clear();
    },
    hold: (path: string) => gates.hold(path),
    arrived: (path: string) => seen.filter((r) => r.path === path).length,
    /** Who the server took each request to `path` to come from. */
    users: (path: string) => seen.filter((r) => r.path === path).map((r) => r.user),
    close: () => {
      gates.openAll();
      return close();
    },
  };
}

let server: Awaited<ReturnType<typeof startUsersServer>>;
beforeEach(async () => {
  server = await startUsersServer();
});
afterEach(async () => {
  await server.close();
});

/** The README's in-memory bearer app, whose `refresh` is given here. */
function usersApp(refresh: (context: RefreshContext, tokens: Tokens) => Promise<void>, refreshTimeout?: number) {
  const tokens: Tokens = { access: '', refresh: '' };
  const api = axios.create({ baseURL: server.url });
  const { session } = createRefreshInterceptor(api, {
    refresh: (context) => refresh(context, tokens),
    accessToken: bearer(() => tokens.access),
    credentialOrigins: [server.url],
    refreshTimeout,
  });
  const logIn = async (user: string): Promise<void> => {
    const { data } = await api.post<Tokens>(`/login/${user}`, {}, { skipAuthRefresh: true });
    Object.assign(tokens, data);
  };
  return { api, session, tokens, logIn, authFetch: createRefreshFetch(fetch, { session }) };
}

const whoAmI = {
  axios: (app: ReturnType<typeof usersApp>): Promise<unknown> => app.api.get<{ user: string }>('/me').then((r) => r.data.user, (error: unknown) => error),
  fetch: (app: ReturnType<typeof usersApp>): Promise<unknown> =>
    app.authFetch(`${server.url}/me`).then(async (r) => ((await r.json()) as { user?: string }).user, (error: unknown) => error),
};

const storesUnlessSuperseded = async ({ client, superseded }: RefreshContext, tokens: Tokens): Promise<void> => {
  const { data } = await client.post<Tokens>('/refresh', { refresh: tokens.refresh });
  if (!superseded.aborted) Object.assign(tokens, data);
};

describe.each(['axios', 'fetch'] as const)('a refresh out when user A logs out and user B logs in (%s)', (transport) => {
  it('aborts superseded at the log-out: a refresh that checks it stores nothing over B\'s tokens, and B\'s requests go out as B', async () => {
    const contexts: RefreshContext[] = [];
    const app = usersApp(async (context, tokens) => {
      contexts.push(context);
      await storesUnlessSuperseded(context, tokens);
    });
    await app.logIn('alice');
    server.expireAll();
    const held = server.hold('/refresh');
    const first = whoAmI[transport](app);
    await until(() => server.arrived('/refresh') === 1);

    app.session.end();
    expect(contexts[0]?.superseded.aborted).toBe(true);
    await app.logIn('bob');
    const bobs = app.tokens.access;
    held.open();
    await first;
    await until(() => !app.session.refreshing);

    expect(app.tokens.access).toBe(bobs);
    expect(await whoAmI[transport](app)).toBe('bob');
    expect(server.users('/me').at(-1)).toBe('bob');
    expect(server.users('/me')).not.toContain('alice');
  });
});

describe('superseded', () => {
  it('does not abort when the refresh outlives refreshTimeout: the late answer is stored and the next request uses it, with one refresh', async () => {
    const signals: RefreshContext[] = [];
    const app = usersApp(async (context, tokens) => {
      signals.push(context);
      await storesUnlessSuperseded(context, tokens);
    }, 50);
    await app.logIn('alice');
    server.expireAll();
    const held = server.hold('/refresh');
    const first = await app.api.get('/me').catch((error: unknown) => error);
    expect(isRefreshFailedError(first)).toBe(true);
    expect(signals[0]?.signal.aborted).toBe(true);
    expect(signals[0]?.superseded.aborted).toBe(false);

    held.open();
    await until(() => !app.session.refreshing);
    expect(app.tokens.access).toMatch(/^access-alice-/);
    expect((await app.api.get<{ user: string }>('/me')).data.user).toBe('alice');
    expect(server.arrived('/refresh')).toBe(1);
  });

  it('aborts at a log-in while the refresh is out: a refresh that passes it on is cancelled, and the request that waited is sent again with the log-in\'s token, no cooldown', async () => {
    const app = usersApp(async ({ client, superseded }, tokens) => {
      const { data } = await client.post<Tokens>('/refresh', { refresh: tokens.refresh }, { signal: superseded });
      Object.assign(tokens, data);
    });
    await app.logIn('alice');
    server.expireAll();
    server.hold('/refresh');
    const waiting = app.api.get<{ user: string }>('/me');
    await until(() => server.arrived('/refresh') === 1);

    await app.logIn('alice');
    expect((await waiting).data.user).toBe('alice');
    expect(app.session.state).toBe('live');
    expect(server.users('/me')).toEqual([undefined, 'alice']);
  });

  it('is not aborted by a request\'s own abort, nor by a log-in once the refresh has settled', async () => {
    let seen: AbortSignal | undefined;
    const app = usersApp(async (context, tokens) => {
      seen = context.superseded;
      await storesUnlessSuperseded(context, tokens);
    });
    await app.logIn('alice');
    server.expireAll();
    const controller = new AbortController();
    const held = server.hold('/refresh');
    const aborted = app.api.get('/me', { signal: controller.signal }).catch((error: unknown) => error);
    await until(() => server.arrived('/refresh') === 1);
    controller.abort();
    await aborted;
    held.open();
    await until(() => !app.session.refreshing);
    await app.logIn('alice');
    expect(seen?.aborted).toBe(false);
  });
});

describe('end() on a session the server had ended already (the app\'s log-out after a rejected refresh)', () => {
  it('keeps a request sent between the two ends from being sent again as the next user', async () => {
    const app = usersApp(storesUnlessSuperseded);
    await app.logIn('alice');
    server.expireAll();
    app.tokens.refresh = 'revoked';
    expect(isSessionExpiredError(await app.api.get('/me').catch((error: unknown) => error))).toBe(true);
    expect(app.session.state).toBe('ended');

    // Still on the page, the user's last request goes out; then the app logs out.
    const held = server.hold('/me');
    const late = app.api.get('/me').catch((error: unknown) => error);
    await until(() => server.arrived('/me') === 2);
    app.session.end();
    await app.logIn('bob');
    held.open();

    expect(isSessionExpiredError(await late)).toBe(true);
    expect(server.users('/me')).not.toContain('bob');
  });
});
