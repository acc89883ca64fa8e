import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshInterceptor } from '../../src/index.js';
import { createRefreshFetch, createRefreshSession } from '../../src/fetch.js';
import { startAuthServer } from '../helpers/auth-server.js';
import type { AuthServer } from '../helpers/auth-server.js';
import { bearerApp, bearerRefresh } from '../helpers/clients.js';
import { rejection } from '../helpers/rejection.js';

// A GraphQL app that reads the body to find UNAUTHENTICATED writes its check async, since reading
// a body is. A promise is truthy: it would refresh after every answer and send each request twice.

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

const MESSAGE = /^Expected `shouldRefresh(Response)?` to be a function that answers true or false at once/;

describe('a check that answers with a promise, in a development build', () => {
  it.each([
    ['shouldRefreshResponse', { shouldRefreshResponse: (() => Promise.resolve(false)) as unknown as () => boolean }],
    ['shouldRefresh', { shouldRefresh: () => Promise.reject(new Error('could not read the body')) as unknown as boolean }],
  ])('rejects the request with a TypeError naming %s, sent once and refreshing nothing, on axios', async (_name, check) => {
    const { api, store } = bearerApp(server);
    createRefreshInterceptor(api, { refresh: bearerRefresh(server, store), ...check });
    // shouldRefresh is asked of failed answers only.
    if ('shouldRefresh' in check) server.expireAccess();

    const error = await rejection(api.post('/api/mutation', { id: 1 }));

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(MESSAGE);
    expect((error as Error).message).toContain(_name);
    expect(server.count('/api/mutation')).toBe(1);
    expect(server.refreshCalls()).toBe(0);
  });

  it('rejects the call with a TypeError naming shouldRefresh, sent once and refreshing nothing, on fetch', async () => {
    let refreshes = 0;
    const session = createRefreshSession({
      refresh: () => {
        refreshes += 1;
        return Promise.resolve();
      },
      credentialOrigins: [server.url],
    });
    const authFetch = createRefreshFetch(fetch, {
      session,
      shouldRefresh: ((response: Response) => Promise.resolve(response.status === 401)) as unknown as (response: Response) => boolean,
    });

    const error = await rejection(authFetch(`${server.url}/api/mutation`, { method: 'POST', body: '{}', headers: { Authorization: `Bearer ${server.access}` } }));

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(MESSAGE);
    expect(server.count('/api/mutation')).toBe(1);
    expect(refreshes).toBe(0);
  });
});
