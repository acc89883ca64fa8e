/**
 * The server's own words, a part an app opts into with `challenges: wwwAuthenticate()`: a 401 or
 * 403 whose `WWW-Authenticate` says that the user must authenticate again more strongly (step-up,
 * RFC 9470), that the token lacks a scope (RFC 6750) or that the DPoP proof needs the server's
 * new nonce (RFC 9449) is not expired credentials. A refresh cannot fix it, so none is made and
 * the session does not end. An app that does not import it
 * does not bundle it.
 */
import type { Challenge } from './www-authenticate.js';
import { parseChallenges } from './www-authenticate.js';
import type { RefreshSession } from './session.js';

/** The `error` codes of a challenge that a refresh cannot answer. */
export type RefusalCode = 'insufficient_user_authentication' | 'insufficient_scope' | 'use_dpop_nonce';

/**
 * What the server asked for instead of fresh credentials, from the first challenge of its
 * `WWW-Authenticate` header whose `error` is one of {@link RefusalCode}.
 */
export interface AuthChallenge {
  /** The answer's status: 401 for step-up, usually 403 for a missing scope. */
  readonly status: number;
  /** `insufficient_user_authentication` (step-up), `insufficient_scope` or `use_dpop_nonce` (DPoP). */
  readonly error: RefusalCode;
  /** The server's explanation for the developer (RFC 6750), if it gave one; not meant for users. */
  readonly error_description: string | undefined;
  /** Step-up: the authentication context classes to log in with again (space-separated). */
  readonly acr_values: string | undefined;
  /** Step-up: the most seconds since the user last authenticated that the server accepts. */
  readonly max_age: number | undefined;
  /** A missing scope: the scopes the request needs (space-separated). */
  readonly scope: string | undefined;
  /** DPoP: the nonce to put in the next proof, from the answer's `DPoP-Nonce` header. */
  readonly dpop_nonce: string | undefined;
  /** The whole challenge, as parsed. */
  readonly challenge: Challenge;
}

/** Reads the server's challenges, for the `challenges` option: made by {@link wwwAuthenticate}. */
export interface Challenges {
  /** Tells this part from a plain function. */
  readonly part: 'challenges';
  /** @internal Wraps a transport's check of an answer so that a refusal is never refreshed. */
  guard<A>(check: (answer: A) => boolean, session: RefreshSession): (answer: A) => boolean;
}

const REFUSALS: ReadonlySet<string> = new Set<RefusalCode>(['insufficient_user_authentication', 'insufficient_scope', 'use_dpop_nonce']);

interface AnswerLike {
  readonly status?: unknown;
  readonly headers?: unknown;
}

/** Header `name` (lower case) of an axios response (`AxiosHeaders` or a plain object) or a fetch `Response`. */
function headerOf(headers: unknown, name: string): string | readonly string[] | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  const value: unknown =
    typeof get === 'function' ? (get as (name: string) => unknown).call(headers, name) : (headers as Record<string, unknown>)[name];
  return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
}

/** The answer inside what a check is given: an error's `response`, or the answer itself. */
function answerOf(value: unknown): AnswerLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { response } = value as { response?: unknown };
  return (typeof response === 'object' && response !== null ? response : value);
}

/**
 * The challenge a refresh cannot answer in an axios error, an axios response or a fetch
 * `Response` (a 401 or 403 whose `WWW-Authenticate` has an `error` of {@link RefusalCode}), or
 * `undefined`. Works with or without the {@link wwwAuthenticate} part; with it, the library has
 * put the same on the error as `challenge`.
 *
 * @example
 * ```ts
 * import { isAxiosError } from 'axios';
 * import { challengeOf } from 'axios-refresh-interceptor';
 *
 * function stepUpNeeded(error: unknown): string | undefined {
 *   if (!isAxiosError(error)) return undefined;
 *   const challenge = challengeOf(error);
 *   return challenge?.error === 'insufficient_user_authentication' ? challenge.acr_values : undefined;
 * }
 * ```
 */
export function challengeOf(value: unknown): AuthChallenge | undefined {
  const answer = answerOf(value);
  const status = answer?.status;
  if (status !== 401 && status !== 403) return undefined;
  for (const challenge of parseChallenges(headerOf(answer?.headers, 'www-authenticate'))) {
    const { error, error_description, acr_values, max_age, scope } = challenge.params;
    if (error === undefined || !REFUSALS.has(error)) continue;
    const seconds = max_age === undefined || !/^\d+$/.test(max_age) ? undefined : Number(max_age);
    const nonce = headerOf(answer?.headers, 'dpop-nonce');
    const dpop_nonce = typeof nonce === 'string' ? nonce : undefined;
    return { status, error: error as RefusalCode, error_description, acr_values, max_age: seconds, scope, dpop_nonce, challenge };
  }
  return undefined;
}

/**
 * Reads the server's `WWW-Authenticate` before a 401 or 403 counts as expired credentials. A
 * challenge with `error="insufficient_user_authentication"` (step-up),
 * `error="insufficient_scope"` or `error="use_dpop_nonce"` is not refreshed and does not end the session: the caller gets the
 * answer as it is, with the parsed challenge on the error as `challenge` (see
 * {@link challengeOf}), and observers a `challenged` event. `error="invalid_token"` and a 401
 * without a challenge refresh as before.
 *
 * A browser shows the header of a cross-origin answer only when the API exposes it:
 * `Access-Control-Expose-Headers: WWW-Authenticate`.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createRefreshInterceptor, wwwAuthenticate } from 'axios-refresh-interceptor';
 *
 * const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
 * createRefreshInterceptor(api, {
 *   refresh: ({ client }) => client.post('users/refresh/'),
 *   challenges: wwwAuthenticate(),
 * });
 * ```
 */
export function wwwAuthenticate(): Challenges {
  return {
    part: 'challenges',
    guard: (check, session) => (answer) => {
      const marked = answer as { challenge?: AuthChallenge } | null;
      // Judged already (an answer is judged again by the outer interceptor): told once.
      if (marked?.challenge) return false;
      const found = challengeOf(answer);
      if (!found) return check(answer);
      if (marked) marked.challenge = found;
      // An axios error or response has its request; a fetch `Response` its URL.
      const { config, url } = answer as { config?: unknown; url?: unknown };
      session.tell?.('challenged', undefined, { challenge: found, config: config ?? { url } });
      return false;
    },
  };
}
