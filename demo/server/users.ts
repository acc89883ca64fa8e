import type { App } from './app.js';
import { REFRESH_COOKIE, clearedCookies, tokenCookies } from './cookies.js';
import { BadRequest, json, unauthorized } from './http.js';
import type { ApiRequest, Reply } from './http.js';

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function credentials(body: unknown): { email: string; password: string } {
  const email = field(body, 'email');
  const password = field(body, 'password');
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new BadRequest('`email` must be an email address');
  if (typeof password !== 'string' || password === '') throw new BadRequest('`password` must be a non-empty string');
  return { email: email.toLowerCase(), password };
}

function signedIn(status: number, email: string, app: App): Reply {
  const pair = app.tokens.issue(email);
  return json(status, { email, ...pair }, tokenCookies(pair, app.tokens.lifetimes));
}

/** A bearer client sends its refresh token in the body; a browser has only the cookie. */
function presentedRefresh(request: ApiRequest): string | undefined {
  const fromBody = field(request.body, 'refresh');
  return typeof fromBody === 'string' && fromBody !== '' ? fromBody : request.cookies.get(REFRESH_COOKIE);
}

export async function createUser(request: ApiRequest, app: App): Promise<Reply> {
  const { email, password } = credentials(request.body);
  if (!(await app.store.addUser(email, password))) {
    return json(400, { detail: 'A user with that email already exists', code: 'email_taken' });
  }
  return signedIn(201, email, app);
}

export async function logIn(request: ApiRequest, app: App): Promise<Reply> {
  const { email, password } = credentials(request.body);
  if (!(await app.store.checkPassword(email, password))) {
    return unauthorized('No active account found with the given credentials', 'invalid_credentials');
  }
  return signedIn(200, email, app);
}

function rotate(request: ApiRequest, app: App): Reply {
  const token = presentedRefresh(request);
  if (token === undefined || token === '') return unauthorized('No refresh token was given', 'token_missing');
  const result = app.tokens.verify(token, 'refresh');
  if (!result.ok) {
    return result.reason === 'expired'
      ? unauthorized('Token is expired', 'token_expired')
      : unauthorized('Token is invalid', 'token_not_valid');
  }
  const revocation = app.store.revocation(result.claims.jti);
  // A rotated token coming back means two refreshes raced, or the token was stolen.
  if (revocation === 'rotated') app.stats.refreshReuse += 1;
  if (revocation) return unauthorized('Token is blacklisted', 'token_blacklisted');
  app.store.revoke(result.claims.jti, 'rotated');
  const pair = app.tokens.issue(result.claims.sub);
  return json(200, pair, tokenCookies(pair, app.tokens.lifetimes));
}

export function refresh(request: ApiRequest, app: App): Reply {
  app.stats.refreshCalls += 1;
  const reply = rotate(request, app);
  if (reply.status === 401) app.stats.refreshesRejected += 1;
  return reply;
}

/** Needs no access token: logging out must work however stale the session is. */
export function logOut(request: ApiRequest, app: App): Reply {
  const token = presentedRefresh(request);
  if (token !== undefined) {
    const result = app.tokens.verify(token, 'refresh');
    if (result.ok) app.store.revoke(result.claims.jti, 'logout');
  }
  return json(200, { detail: 'Logged out' }, clearedCookies());
}

export function whoAmI(_request: ApiRequest, _app: App, email: string): Reply {
  return json(200, { email });
}
