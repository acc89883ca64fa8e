import { bearer, createRefreshFetch, createRefreshSession, jwtExpiry } from './library.js';
import { compare } from './overhead.js';
import type { OverheadCase } from './overhead.js';

/** Answers at once, so that a call costs only the wrapper around it. */
const memoryFetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = () =>
  Promise.resolve(new Response(null, { status: 200 }));

const ITEM = 'https://api.example.com/item';

/** Success-path cost of `createRefreshFetch`: calls that never see a 401, against the fetch it wraps. */
export function measureFetchOverhead(): Promise<OverheadCase[]> {
  const plain = createRefreshFetch(memoryFetch, { session: createRefreshSession({ refresh: () => undefined }) });
  const withBearer = createRefreshFetch(memoryFetch, {
    session: createRefreshSession({ refresh: () => undefined, accessToken: bearer(() => 'token'), expiresAt: jwtExpiry(() => 'token'), credentialOrigins: ['https://api.example.com'] }),
  });
  return compare([
    ['in-memory fetch', () => memoryFetch(ITEM)],
    ['`createRefreshFetch` over it', () => plain(ITEM)],
    ['`createRefreshFetch` with `bearer` and `jwtExpiry`', () => withBearer(ITEM)],
    // What an app without the library does to send the same header.
    ['in-memory fetch with the header set by the app (for reference)', () => memoryFetch(ITEM, { headers: new Headers({ Authorization: 'Bearer token' }) })],
  ]);
}
