import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, createRefreshSession, expiry, getAccessToken, jwtExpiry, observe, refreshOnWake } from '../src/index.js';
import { createRefreshFetch, createRefreshSession as fetchSession } from '../src/fetch.js';
import { createTabSession } from '../src/tabs.js';

const refresh = () => undefined;
const cases: Array<[string, () => unknown, RegExp]> = [
  ['bearer(non-function)', () => bearer('token' as never), /`read`/],
  ['bearer()', () => bearer(undefined as never), /`read`/],
  ['expiry(number)', () => expiry(123 as never), /`read`/],
  ['expiry(fn, NaN)', () => expiry(() => 1, Number.NaN), /`margin`/],
  ['expiry(fn, -1)', () => expiry(() => 1, -1), /`margin`/],
  ['jwtExpiry(fn, Infinity)', () => jwtExpiry(() => '', Number.POSITIVE_INFINITY), /`margin`/],
  ['createRefreshFetch(non-function)', () => createRefreshFetch('fetch' as never, { session: createRefreshSession({ refresh }) }), /`fetchLike`/],
  ['createRefreshFetch(fetch, {})', () => createRefreshFetch(fetch, {} as never), /`session`/],
  ['createRefreshFetch(fetch)', () => createRefreshFetch(fetch, undefined as never), /`options`|`session`/],
  ['fetch createRefreshSession({})', () => fetchSession({} as never), /`refresh`/],
  ['createTabSession shareTokens string', () => createTabSession({ refresh, shareTokens: 'yes' as never }), /`shareTokens`/],
  ['createTabSession shareTokens {read}', () => createTabSession({ refresh, shareTokens: { read: () => 1 } as never }), /`shareTokens`/],
  ['createTabSession name 5', () => createTabSession({ refresh, name: 5 as never }), /`name`/],
  ['createTabSession refreshTimeout -1', () => createTabSession({ refresh, refreshTimeout: -1 }), /`refreshTimeout`/],
  ['getAccessToken(undefined)', () => getAccessToken(undefined as never), /`session`/],
  ['getAccessToken(session, {minValidity: "1"})', () => getAccessToken(createRefreshSession({ refresh }), { minValidity: '1' as never }), /`minValidity`/],
  ['refreshOnWake(session without expiry)', () => refreshOnWake(createRefreshSession({ refresh })), /expiresAt/],
  ['observe(undefined, fn)', () => observe(undefined as never, () => undefined), /`session`/],
  ['observe(session, non-function)', () => observe(createRefreshSession({ refresh }), 'log' as never), /`observer`/],
  ['createRefreshInterceptor(instance, { session, onSessionExpired })', () => createRefreshInterceptor(axios.create(), { session: createRefreshSession({ refresh }), onSessionExpired: () => undefined } as never), /`onSessionExpired`/],
  ['createRefreshInterceptor(instance, { session, accessToken })', () => createRefreshInterceptor(axios.create(), { session: createRefreshSession({ refresh }), accessToken: bearer(() => 't') } as never), /`accessToken`/],
  // eslint-disable-next-line @typescript-eslint/unbound-method -- the mistake under test: the function, not an instance
  ['createRefreshInterceptor(axios.create)', () => createRefreshInterceptor(axios.create as never, { refresh }), /`instance`/],
];

describe('public functions given wrong arguments', () => {
  it.each(cases)('%s throws (or rejects with) a TypeError naming it', async (_name, call, named) => {
    let thrown: unknown;
    try {
      await call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(named);
  });
});
