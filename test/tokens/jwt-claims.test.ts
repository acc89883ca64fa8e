/**
 * JWT access tokens as servers really write them, read by `jwtExpiry` against a loopback
 * server. Each scenario logs in, makes requests early in the token's life, a burst just past its
 * expiry, and requests after; the server counts what it saw.
 */
import { describe, expect, it } from 'vitest';
import { getAccessToken } from '../../src/index.js';
import { decodeExpiry } from '../../src/expiry.js';
import { jwt } from '../bearer/helpers/jwt-server.js';
import type { Mint } from './helpers/claims-server.js';
import { MINUTE, N, T0, bearerApp, burst, onFakeClock, pass, sequential } from './helpers/claims-app.js';

const LIFETIME = 15 * MINUTE;

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
/** base64url as some servers write it: with its `=` padding kept. */
const padded = (value: unknown): string => {
  let claims = value as Record<string, unknown>;
  let text = Buffer.from(JSON.stringify(claims)).toString('base64');
  for (let i = 0; !text.endsWith('='); i++) {
    claims = { ...(value as object), p: 'x'.repeat(i) };
    text = Buffer.from(JSON.stringify(claims)).toString('base64');
  }
  return text.replace(/\+/g, '-').replace(/\//g, '_');
};
/** A compact JWE: five parts, the second an encrypted key (fixed bytes here, random in life). */
const jwe = (n: number): string =>
  [
    b64url({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: `k${n}` }),
    Buffer.alloc(256, 0x9c + n).toString('base64url'),
    Buffer.alloc(12, 7).toString('base64url'),
    Buffer.alloc(120, 0x42 + n).toString('base64url'),
    Buffer.alloc(16, 3).toString('base64url'),
  ].join('.');

const mint = (claims: (now: number, lifetime: number, n: number) => Record<string, unknown>): Mint => (now, lifetime, n) => ({
  access: jwt({ sub: 'ada', jti: `access-${n}`, ...claims(now, lifetime, n) }),
  from: -Infinity,
  until: now + lifetime,
});

const mints = {
  'exp and iat in milliseconds': mint((now, lifetime) => ({ iat: now, exp: now + lifetime })),
  'exp in milliseconds, no iat': mint((now, lifetime) => ({ exp: now + lifetime })),
  'exp in seconds as a string': mint((now, lifetime) => ({ iat: Math.floor(now / 1000), exp: String((now + lifetime) / 1000) })),
  'no exp': mint((now) => ({ iat: Math.floor(now / 1000) })),
  'an opaque token': (now, lifetime, n) => ({ access: `opaque-${n}-${'x'.repeat(40)}`, from: -Infinity, until: now + lifetime }),
  'a JWE (five parts)': (now, lifetime, n) => ({ access: jwe(n), from: -Infinity, until: now + lifetime }),
  'base64url with its padding': (now, lifetime, n) => ({
    access: `${b64url({ alg: 'HS256' })}.${padded({ jti: `access-${n}`, iat: Math.floor(now / 1000), exp: (now + lifetime) / 1000 })}.c2ln`,
    from: -Infinity,
    until: now + lifetime,
  }),
} satisfies Record<string, Mint>;

const start = onFakeClock();

/** Two token lives: requests early on, a burst 1 s past expiry, requests after, and again. */
async function lifeOf(which: Mint) {
  const server = await start({ mint: which, lifetime: LIFETIME });
  const state = bearerApp(server);
  pass(MINUTE);
  const early = await sequential(state, server, 5);
  pass(LIFETIME - MINUTE + 1_000);
  const first = await burst(state, server);
  pass(MINUTE);
  const after = await sequential(state, server, 5);
  pass(LIFETIME - MINUTE);
  const second = await burst(state, server);
  return { early, first, after, second, ended: state.ended };
}

const known = { requests: N + 1, refreshes: 1, unauthorized: 0 };
const unknown = { requests: 2 * N + 1, refreshes: 1, unauthorized: N };
const quiet = { requests: 5, refreshes: 0, unauthorized: 0, failed: 0 };

describe('jwtExpiry with claims as servers really write them (loopback, fake Date)', () => {
  it('exp and iat in milliseconds: read as milliseconds, not as a token living 50 000 years: refreshed ahead, N + 1 at each expiry', async () => {
    const cost = await lifeOf(mints['exp and iat in milliseconds']);
    expect(cost.early).toEqual(quiet);
    expect(cost.after).toEqual(quiet);
    expect(cost.ended).toBe(0);
    expect({ first: cost.first, second: cost.second }).toEqual({ first: known, second: known });
  });

  it('exp in milliseconds without iat: the same', async () => {
    const cost = await lifeOf(mints['exp in milliseconds, no iat']);
    expect(cost.early).toEqual(quiet);
    expect({ first: cost.first, second: cost.second }).toEqual({ first: known, second: known });
  });

  it('exp in milliseconds: getAccessToken at expiry refreshes first rather than hand out a dead token', async () => {
    const server = await start({ mint: mints['exp in milliseconds, no iat'], lifetime: LIFETIME });
    const state = bearerApp(server);
    pass(LIFETIME + 1_000);
    const token = await getAccessToken(state.session, { minValidity: MINUTE });
    expect(server.count('/refresh')).toBe(1);
    expect(token).toBe(server.issued.access);
  });

  for (const name of ['exp in seconds as a string', 'no exp', 'an opaque token', 'a JWE (five parts)'] as const) {
    it(`${name}: expiry unknown, as documented: no refresh before its 401, one refresh per expiry, never a loop`, async () => {
      const cost = await lifeOf(mints[name]);
      expect(cost).toEqual({ early: quiet, first: unknown, after: quiet, second: unknown, ended: 0 });
    });
  }

  it('base64url with its padding kept is still read: N + 1', async () => {
    expect(decodeExpiry(mints['base64url with its padding'](T0, LIFETIME, 1).access)).toBe(T0 + LIFETIME);
    const cost = await lifeOf(mints['base64url with its padding']);
    expect(cost).toEqual({ early: quiet, first: known, after: quiet, second: known, ended: 0 });
  });

  it('plain base64 (+ / =) instead of base64url is read too', () => {
    const payload = Buffer.from(JSON.stringify({ n: '>>>???', exp: (T0 + LIFETIME) / 1000 })).toString('base64');
    expect(payload).toMatch(/[+/]/);
    expect(decodeExpiry(`e30.${payload}.sig`)).toBe(T0 + LIFETIME);
  });
});

describe('tokens the server will not accept when it hands them over', () => {
  it('exp already past when issued (the server refuses it): after a refresh that did not take, a backoff, no loop, no end', async () => {
    const expired: Mint = (now, _lifetime, n) => ({
      access: jwt({ jti: `access-${n}`, iat: Math.floor(now / 1000), exp: (now - MINUTE) / 1000 }),
      from: -Infinity,
      until: now - MINUTE,
    });
    const server = await start({ mint: expired, lifetime: LIFETIME });
    const state = bearerApp(server);
    const cost = await sequential(state, server, 5);
    // The first request: refreshed ahead (the log-in token looks expired), sent, 401, refreshed,
    // sent again, 401. Its token refused too, the session waits out a backoff: the next four
    // requests get their 401 and reject at once, with no refresh.
    expect(cost).toEqual({ requests: 8, refreshes: 2, unauthorized: 6, failed: 5 });
    expect(state.session.state).toBe('cooling-down');
    expect(state.ended).toBe(0);
  });

  it('nbf two minutes ahead (the server refuses it until then): after a refresh that did not take, a backoff, no loop, no end', async () => {
    const notYet: Mint = (now, lifetime, n) => ({
      access: jwt({ jti: `access-${n}`, iat: Math.floor(now / 1000), nbf: (now + 2 * MINUTE) / 1000, exp: (now + lifetime) / 1000 }),
      from: now + 2 * MINUTE,
      until: now + lifetime,
    });
    const server = await start({ mint: notYet, lifetime: LIFETIME });
    const state = bearerApp(server);
    const cost = await sequential(state, server, 5);
    expect(cost).toEqual({ requests: 7, refreshes: 1, unauthorized: 6, failed: 5 });
    expect(state.ended).toBe(0);
    // Two minutes after the latest refresh, its token works without another.
    pass(2 * MINUTE);
    expect(await sequential(state, server, 3)).toEqual({ requests: 3, refreshes: 0, unauthorized: 0, failed: 0 });
  });
});
