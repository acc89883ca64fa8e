import axios, { isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosResponse } from 'axios';

export interface StoredCookie {
  value: string;
  path: string;
  httpOnly: boolean;
  /** Epoch milliseconds; Infinity for a session cookie. */
  expires: number;
}

/**
 * What a browser keeps for one origin: enough of RFC 6265 for the demo clients (Max-Age,
 * Expires, Path, HttpOnly), which each talk to a single server and so need no domains.
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Takes the `Set-Cookie` headers of a response. */
  store(setCookie: readonly string[] | string | undefined): void {
    for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const cookie: StoredCookie = { value: pair.slice(eq + 1).trim(), path: '/', httpOnly: false, expires: Infinity };
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
        const lower = key.toLowerCase();
        if (lower === 'max-age') cookie.expires = Date.now() + Number(value) * 1000;
        else if (lower === 'expires' && cookie.expires === Infinity) cookie.expires = Date.parse(value);
        else if (lower === 'path') cookie.path = value;
        else if (lower === 'httponly') cookie.httpOnly = true;
      }
      // An expiry in the past is how a server deletes a cookie.
      if (cookie.expires <= Date.now()) this.#cookies.delete(name);
      else this.#cookies.set(name, cookie);
    }
  }

  /** The `Cookie` header a browser would send to `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined {
    const sent: string[] = [];
    for (const [name, cookie] of this.#live()) {
      if (url.pathname.startsWith(cookie.path)) sent.push(`${name}=${cookie.value}`);
    }
    return sent.length > 0 ? sent.join('; ') : undefined;
  }

  get(name: string): StoredCookie | undefined {
    return new Map(this.#live()).get(name);
  }

  /** Puts a cookie back, as a browser holding an old copy of it would send it. */
  set(name: string, cookie: StoredCookie): void {
    this.#cookies.set(name, cookie);
  }

  clear(): void {
    this.#cookies.clear();
  }

  *#live(): Generator<[string, StoredCookie]> {
    const now = Date.now();
    for (const [name, cookie] of this.#cookies) {
      if (cookie.expires > now) yield [name, cookie];
    }
  }
}

function setCookies(response: AxiosResponse | undefined): readonly string[] | undefined {
  return response?.headers['set-cookie'];
}

/**
 * Wraps an axios adapter with a cookie jar. Node has none, and a browser's sits below
 * interceptors: putting it in the adapter keeps every interceptor, the refresh
 * interceptor's included, unaware of it, just as in a browser.
 */
export function withCookieJar(jar: CookieJar, adapter: AxiosAdapter = axios.getAdapter(axios.defaults.adapter)): AxiosAdapter {
  return async (config) => {
    const cookie = jar.header(new URL(axios.getUri(config)));
    if (cookie !== undefined) config.headers.set('Cookie', cookie);
    try {
      const response = await adapter(config);
      jar.store(setCookies(response));
      return response;
    } catch (error) {
      // Non-2xx responses arrive as errors, and may set cookies too.
      if (isAxiosError(error)) jar.store(setCookies(error.response));
      throw error;
    }
  };
}
