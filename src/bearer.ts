/**
 * Bearer tokens, a part an app opts into with `accessToken: bearer(() => token)`: the token is
 * read as each request goes out and sent as `Authorization: Bearer <token>` to the session's own
 * origins. An app that does not import it does not bundle it.
 */
import { isDefaultHeader } from './headers.js';
import type { HeaderBag, WithDefaults } from './headers.js';
import { checkPartArguments, rethrowMistake } from './checks.js';
import { fullPath, mayReceive } from './origins.js';

// Read only in the checks below, which a production build drops; see checks.ts.
declare const process: { env: { NODE_ENV?: string } };

/** An access token for the `accessToken` option, made by {@link bearer}. */
export interface AccessToken {
  /** Tells a token made by {@link bearer} from a plain function. */
  readonly part: 'bearer';
  /** @internal The token to send now; `undefined` when there is none. */
  token(): string | undefined;
  /** @internal The header value for `token`, which is remembered as the session's. */
  header(token: string): string;
  /** @internal True for the header value of a token the session gave: a request carrying it did not choose it. */
  attached(value: unknown): boolean;
  /**
   * @internal True for an `Authorization` value that carries a token the session gave, in any
   * scheme (`bearer <token>`, `JWT <token>`, the token alone): a request that sent it sent the
   * session's credentials, and its 401 is about them.
   */
  carries(value: unknown): boolean;
  /**
   * @internal True for a request with an `Authorization` of its own that carries none of the
   * session's tokens: it has no reason to wait for the session's refresh.
   */
  own(config: AuthorizedRequest, instance: WithDefaults): boolean;
  /**
   * @internal Remembers the token as a request starts: an interceptor of the app's may put it on
   * the request, and a wait for a refresh may come before the request first goes out.
   */
  started(): true;
  /**
   * @internal Puts the token on an axios request as it goes out, unless the request chose its
   * own `Authorization` or goes to an origin that may not receive it. Neither a value attached
   * to an earlier attempt nor one from the instance's defaults was chosen by the request: it is
   * replaced, or taken off. True when the request goes out with an `Authorization` of its own that
   * carries none of the session's tokens (`Basic ...`, another API's token): its 401 is not the session's.
   */
  authorize(config: AuthorizedRequest, instance: WithDefaults, own: string | undefined, origins: ReadonlySet<string>): boolean;
}

/** @internal An axios request as far as the token needs it; typed here so that bearer needs no axios. */
export interface AuthorizedRequest {
  readonly headers: HeaderBag;
  readonly baseURL?: string | undefined;
  readonly url?: string | undefined;
  readonly allowAbsoluteUrls?: boolean | undefined;
}

// The tokens a request may still carry: one out through 32 refreshes (8 hours of 15-minute tokens)
// is past any timeout; older ones are forgotten.
const REMEMBERED = 32;

/**
 * The access token a session sends, for apps that keep a bearer token in memory: `read` gives it
 * (`undefined`, `null` or `''` when there is none) and is called as each request goes out, after
 * any wait for a refresh, so a held or retried request carries the token of the latest refresh.
 * It is sent only to the instance's own origin and the session's `credentialOrigins`; a request
 * that sets its own `Authorization` keeps it. A bearer session is live again after it ended once
 * `read` gives a token other than the refused one.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { bearer, createRefreshInterceptor } from 'axios-refresh-interceptor';
 *
 * const api = axios.create({ baseURL: 'https://api.example.com/' });
 * let tokens = { access: '', refresh: '' };
 * createRefreshInterceptor(api, {
 *   refresh: async ({ client }) => {
 *     tokens = (await client.post('auth/refresh/', { refresh: tokens.refresh })).data;
 *   },
 *   accessToken: bearer(() => tokens.access),
 * });
 * ```
 */
export function bearer(read: () => string | null | undefined): AccessToken {
  try {
    if (process.env.NODE_ENV !== 'production') checkPartArguments(read);
  } catch (error) {
    rethrowMistake(error);
  }
  const recent: string[] = [];
  const token: AccessToken = {
    part: 'bearer',
    token() {
      const value: unknown = read();
      // `null` too: JavaScript apps often mean "logged out" by it.
      if (value == null || value === '') return undefined;
      if (typeof value !== 'string') throw new TypeError(`Expected the function given to \`bearer\` to return a string or undefined, got ${typeof value}`);
      return value;
    },
    header(value) {
      if (!recent.includes(value)) {
        recent.push(value);
        if (recent.length > REMEMBERED) recent.shift();
      }
      return `Bearer ${value}`;
    },
    attached(value) {
      return recent.some((given) => value === `Bearer ${given}`);
    },
    carries(value) {
      return typeof value === 'string' && recent.includes(value.slice(value.lastIndexOf(' ') + 1));
    },
    own({ headers }, instance) {
      const present: unknown = headers.get('Authorization');
      return present != null && !token.carries(present) && !isDefaultHeader(instance, 'authorization', present);
    },
    started() {
      // A token that cannot be read rejects the request as it goes out; axios before 1.7 would
      // throw at the caller from here.
      try {
        const current = token.token();
        if (current !== undefined) token.header(current);
      } catch {
        // Left to `authorize`.
      }
      return true;
    },
    authorize(config, instance, own, origins) {
      const { headers } = config;
      const present: unknown = headers.get('Authorization');
      const current = token.token();
      const allowed = current !== undefined && mayReceive(fullPath(config), own, origins);
      // Your interceptor that put the current token there chose nothing: it is the session's.
      if (present != null && !token.attached(present) && !(allowed && present === token.header(current)) && !isDefaultHeader(instance, 'authorization', present)) {
        return !token.carries(present);
      }
      if (allowed) {
        headers.set('Authorization', token.header(current), true);
      } else if (present != null) {
        headers.delete('Authorization');
      }
      return false;
    },
  };
  return token;
}
