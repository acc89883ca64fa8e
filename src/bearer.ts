/**
 * The access token a session attaches itself, for any transport: what the token says about its
 * expiry, and which origins may receive it.
 */


/** What a transport needs to attach the session's access token to a request. */
export interface Bearer {
  /** The token to send now; `undefined` when there is none. */
  token(): string | undefined;
  /** The header value for `token`, remembered so that a later attempt knows it set it. */
  header(token: string): string;
  /** True for a header value this session attached: a request carrying it did not choose it. */
  attached(value: unknown): boolean;
  /** Origins besides the transport's own that may receive the token. */
  readonly origins: ReadonlySet<string>;
}

// A request seldom outlives more than a few refreshes; older values are forgotten.
const REMEMBERED = 8;

export function createBearer(read: () => string | undefined, origins: ReadonlySet<string> = new Set()): Bearer {
  const recent: string[] = [];
  return {
    token() {
      const token: unknown = read();
      // `null` too: JavaScript apps often mean "logged out" by it.
      if (token == null || token === '') return undefined;
      if (typeof token !== 'string') throw new TypeError(`Expected \`accessToken()\` to be a string or undefined, got ${typeof token}`);
      return token;
    },
    header(token) {
      const value = `Bearer ${token}`;
      if (!recent.includes(value)) {
        recent.push(value);
        if (recent.length > REMEMBERED) recent.shift();
      }
      return value;
    },
    attached(value) {
      return typeof value === 'string' && recent.includes(value);
    },
    origins,
  };
}

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

/**
 * Milliseconds since the epoch at which a JWT expires, from the `exp` claim of its payload,
 * decoded without checking the signature; `undefined` for anything else.
 */
export function jwtExpiry(token: string | undefined): number | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    // atob gives one character per byte; JSON.parse accepts the UTF-8 bytes of other claims
    // as Latin-1 characters, and `exp` is plain ASCII.
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const { exp } = JSON.parse(atob(base64)) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An expiry in milliseconds, whether it was given in milliseconds or, a common slip, in seconds
 * (a JWT `exp` passed as it is): read as seconds, such a value is nearer to `now`.
 */
export function inMilliseconds(at: number, now: number): number {
  return Math.abs(at * 1000 - now) < Math.abs(at - now) ? at * 1000 : at;
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
