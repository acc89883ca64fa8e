import { describe, expectTypeOf, it } from 'vitest';
import { createRefreshSession } from '../../src/index.js';
import type { RefreshSession } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import type { FetchLike, RefreshFetchOptions } from '../../src/fetch.js';

describe('createRefreshFetch types', () => {
  it('returns a function with the type of fetch, so it goes wherever fetch does', () => {
    const authFetch = createRefreshFetch(fetch, { session: createRefreshSession({ refresh: () => {} }) });
    expectTypeOf(authFetch).toEqualTypeOf<typeof fetch>();
    expectTypeOf(authFetch).parameters.toEqualTypeOf<Parameters<typeof fetch>>();
    expectTypeOf(authFetch).returns.toEqualTypeOf<Promise<Response>>();
  });

  it('takes fetch, or a function of its signature, as fetchLike', () => {
    expectTypeOf(fetch).toExtend<FetchLike>();
    const wrapped: FetchLike = (input, init) => fetch(input, init);
    expectTypeOf(createRefreshFetch).toBeCallableWith(wrapped, { session: createRefreshSession({ refresh: () => {} }) });
  });

  it('requires a session, and takes shouldRefresh over a Response', () => {
    expectTypeOf<RefreshFetchOptions['session']>().toEqualTypeOf<RefreshSession>();
    expectTypeOf<RefreshFetchOptions['shouldRefresh']>().toEqualTypeOf<((response: Response) => boolean) | undefined>();
    // @ts-expect-error: the session is not optional
    createRefreshFetch(fetch, {});
    // @ts-expect-error: shouldRefresh reads a Response, not an axios error
    createRefreshFetch(fetch, { session: createRefreshSession({ refresh: () => {} }), shouldRefresh: (e: { response: { status: number } }) => e.response.status === 401 });
  });
});
