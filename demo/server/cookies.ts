import type { Lifetimes, TokenPair } from './tokens.js';

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return cookies;
}

function cookie(name: string, value: string, maxAgeSeconds: number): string {
  // HttpOnly keeps tokens away from page scripts; SameSite=Lax keeps them off cross-site posts.
  return `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax`;
}

/** Max-Age is whole seconds; rounding up leaves the token itself to decide when it expires. */
export function tokenCookies(pair: TokenPair, lifetimes: Lifetimes): string[] {
  return [
    cookie(ACCESS_COOKIE, pair.access, Math.ceil(lifetimes.accessTtlMs / 1000)),
    cookie(REFRESH_COOKIE, pair.refresh, Math.ceil(lifetimes.refreshTtlMs / 1000)),
  ];
}

export function clearedCookies(): string[] {
  return [cookie(ACCESS_COOKIE, '', 0), cookie(REFRESH_COOKIE, '', 0)];
}
