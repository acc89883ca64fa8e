import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the reference API puts in its tokens. `iat` and `exp` are seconds, fractional allowed (RFC 7519 NumericDate). */
export interface TokenClaims {
  sub: string;
  typ: 'access' | 'refresh';
  jti: string;
  iat: number;
  exp: number;
}

export type Verification =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

// The header is pinned rather than parsed, so a token cannot pick its own algorithm ("alg": "none").
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function mac(input: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signJwt(claims: TokenClaims, secret: Buffer): string {
  const signed = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signed}.${base64url(mac(signed, secret))}`;
}

function isClaims(value: unknown): value is TokenClaims {
  const claims = value as Partial<TokenClaims> | null;
  return (
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims.sub === 'string' &&
    (claims.typ === 'access' || claims.typ === 'refresh') &&
    typeof claims.jti === 'string' &&
    typeof claims.iat === 'number' &&
    typeof claims.exp === 'number'
  );
}

function parsePayload(encoded: string): unknown {
  try {
    return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function verifyJwt(token: string, secret: Buffer, nowMs: number): Verification {
  const [header, payload, signature, extra] = token.split('.');
  if (header !== HEADER || payload === undefined || signature === undefined || extra !== undefined) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = mac(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  // timingSafeEqual throws on a length mismatch, and a plain comparison would leak timing.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const claims = parsePayload(payload);
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
