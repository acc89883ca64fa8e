import { ACCESS_COOKIE } from './cookies.js';
import type { ApiRequest } from './http.js';
import type { Tokens } from './tokens.js';

export type Authentication = { ok: true; email: string } | { ok: false; code: string };

/** The bearer header wins over the cookie: a client that sends one means it. */
export function authenticate(request: ApiRequest, tokens: Tokens): Authentication {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.authorization ?? '')?.[1];
  const token = bearer ?? request.cookies.get(ACCESS_COOKIE);
  if (token === undefined || token === '') return { ok: false, code: 'not_authenticated' };
  const result = tokens.verify(token, 'access');
  if (!result.ok) return { ok: false, code: result.reason === 'expired' ? 'token_expired' : 'token_not_valid' };
  return { ok: true, email: result.claims.sub };
}
