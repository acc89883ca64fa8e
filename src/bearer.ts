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
  /** @internal The header value for `token`, remembered so that a later attempt knows it set it. */
  header(token: string): string;
  /** @internal True for a header value this session attached: a request carrying it did not choose it. */
  attached(value: unknown): boolean;
  /**
   * @internal Puts the token on an axios request as it goes out, unless the request chose its
   * own `Authorization` or goes to an origin that may not receive it. Neither a value attached
   * to an earlier attempt nor one from the instance's defaults was chosen by the request: it is
   * replaced, or taken off.
   */
  authorize(config: AuthorizedRequest, instance: WithDefaults, own: string | undefined, origins: ReadonlySet<string>): void;
  /**
   * @internal True for a request that went out with an `Authorization` of its own (`Basic ...`,
   * another API's token): it did not carry the session's credentials, so its 401 is not about them.
   */
  chosen(headers: Partial<HeaderBag> | undefined): boolean;
}

/** @internal An axios request as far as the token needs it; typed here so that bearer needs no axios. */
export interface AuthorizedRequest {
  readonly headers: HeaderBag;
  readonly baseURL?: string | undefined;
  readonly url?: string | undefined;
  readonly allowAbsoluteUrls?: boolean | undefined;
}

// A request seldom outlives more than a few refreshes; older values are forgotten.
const REMEMBERED = 8;

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
      const header = `Bearer ${value}`;
      if (!recent.includes(header)) {
        recent.push(header);
        if (recent.length > REMEMBERED) recent.shift();
      }
      return header;
    },
    attached(value) {
      return typeof value === 'string' && recent.includes(value);
    },
    authorize(config, instance, own, origins) {
      const { headers } = config;
      const present: unknown = headers.get('Authorization');
      const current = token.token();
      const allowed = current !== undefined && mayReceive(fullPath(config), own, origins);
      // Your interceptor that put the current token there chose nothing: it is the session's.
      if (present != null && !token.attached(present) && !(allowed && present === token.header(current)) && !isDefaultHeader(instance, 'authorization', present)) return;
      if (allowed) {
        headers.set('Authorization', token.header(current), true);
      } else if (present != null) {
        headers.delete('Authorization');
      }
    },
    chosen(headers) {
      const present: unknown = headers?.get?.('Authorization');
      return present != null && !token.attached(present);
    },
  };
  return token;
}
