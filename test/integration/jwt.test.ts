import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from '../../demo/server/jwt.js';
import type { TokenClaims } from '../../demo/server/jwt.js';

const secret = randomBytes(32);
const now = 1_800_000_000_000;
const claims: TokenClaims = { sub: 'ada@example.com', typ: 'access', jti: 'j1', iat: now / 1000, exp: (now + 1_500) / 1000 };

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe("the reference API's HS256 tokens", () => {
  it('verifies what it signed until the expiry, to the millisecond', () => {
    const token = signJwt(claims, secret);

    expect(verifyJwt(token, secret, now + 1_499)).toEqual({ ok: true, claims });
    expect(verifyJwt(token, secret, now + 1_500)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token signed with another key', () => {
    expect(verifyJwt(signJwt(claims, randomBytes(32)), secret, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a token that names another algorithm, such as none', () => {
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;

    expect(verifyJwt(unsigned, secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses tokens that are not three parts', () => {
    expect(verifyJwt('abc', secret, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJwt(`${signJwt(claims, secret)}.extra`, secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
