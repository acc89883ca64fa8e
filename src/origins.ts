/**
 * Where a session's credentials go: which origins share them, and whether a request's URL is
 * one of them. Every transport asks this before it judges a 401 or attaches a token.
 */

/**
 * The origins a session lists as sharing its credentials: `credentialOrigins` and its older
 * name `tokenOrigins` together, as origins (`https://a.example/x` is
 * `https://a.example`).
 */
export function sessionOrigins(options: {
  credentialOrigins?: readonly string[] | undefined;
  tokenOrigins?: readonly string[] | undefined;
}): ReadonlySet<string> {
  const { credentialOrigins, tokenOrigins } = options;
  return new Set([...(credentialOrigins ?? []), ...(tokenOrigins ?? [])].map((entry) => originOf(entry) as string));
}


const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** Whether `url` names its own origin, as axios decides it (a scheme, or `//` alone). */
export function isAbsolute(url: string): boolean {
  return ABSOLUTE.test(url);
}

/** The origin of `url` resolved against `base`, or `undefined` when it has none. */
export function originOf(url: string | undefined, base?: string): string | undefined {
  if (url === undefined) return undefined;
  try {
    const { origin } = new URL(url, base);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The address of the page the code runs in, if any. */
export function pageHref(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

/**
 * A URL that every parser reads as relative to the page: a path starting with one `/` (`//` and
 * `/\` name a host, and the parser drops whitespace), or one whose first segment has no `:`.
 * Other URLs are parsed.
 */
const RELATIVE = /^(?:\/(?![/\\\s])|[\w.~%-]+(?:[/?#]|$))/;

/**
 * A base for resolving in Node. `.invalid` names no host (RFC 6761), and its scheme differs from
 * `http:` and `https:`, which would take `http:evil.example` for a relative path.
 */
const NOWHERE = 'ws://relative.invalid';

/**
 * Whether a request to `url` (as it will be sent, after any base URL) may carry the token:
 * relative URLs do, absolute ones when their origin is `own` or one of `others`. A URL is
 * judged by where the URL parser sends it, not by how it is spelled: ` http://evil.example`
 * and `http:\\evil.example` go to evil.example; one that does not parse gets nothing.
 */
export function mayReceive(url: string, own: string | undefined, others: ReadonlySet<string>): boolean {
  if (RELATIVE.test(url)) return true;
  // Only `/`, `?`, `#` or the end may follow the origin; anything else (`@`, `.evil.com`,
  // `:8080`) may name another host, and the URL is parsed.
  if (own !== undefined && url.startsWith(own)) {
    const next = url[own.length];
    if (next === undefined || next === '/' || next === '?' || next === '#') return true;
  }
  // With no page (Node), a relative URL lands on a host that can never be reached; one that
  // names a host (`//evil.example`) does not.
  const origin = originOf(url, pageHref() ?? NOWHERE);
  return origin === NOWHERE || (origin !== undefined && (origin === own || others.has(origin)));
}

/**
 * Whether a request to `url` went where the session's credentials go, so that its 401 can mean
 * they expired: a 401 from anywhere else is that origin's own business, and refreshing on it
 * would let any third party end the user's session.
 *
 * A bearer session's credentials are its token, so the origins are those that may receive it
 * ({@link mayReceive}). A cookie session's go wherever the browser sends its cookies, which
 * the library cannot see: relative URLs, `own` (the origin of `baseURL`), the page's origin and
 * `others`. With none of these known (Node, no `baseURL`, nothing listed), every origin counts,
 * since the library cannot tell the session's own from another's.
 */
export function isOwnOrigin(url: string, own: string | undefined, others: ReadonlySet<string>, bearer: boolean): boolean {
  if (bearer) return mayReceive(url, own, others);
  if (RELATIVE.test(url)) return true;
  const page = originOf(pageHref());
  if (own === undefined && page === undefined && others.size === 0) return true;
  return mayReceive(url, own, others) || (page !== undefined && page !== own && mayReceive(url, page, others));
}

/** The URL an axios request goes to, joined as axios joins it. */
export function fullPath({ baseURL, url = '', allowAbsoluteUrls }: { baseURL?: string | undefined; url?: string | undefined; allowAbsoluteUrls?: boolean | undefined }): string {
  if (!baseURL || (isAbsolute(url) && allowAbsoluteUrls !== false)) return url;
  return url ? `${baseURL.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : baseURL;
}
