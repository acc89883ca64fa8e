import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { signJwt, verifyJwt } from './jwt.js';
import type { TokenClaims, Verification } from './jwt.js';

export interface TokenPair {
  access: string;
  refresh: string;
  /** Seconds the access token lives, as in an OAuth 2.0 token response. */
  expires_in: number;
}

export interface Lifetimes {
  accessTtlMs: number;
  refreshTtlMs: number;
}

/** Issues and checks the server's tokens, signed with a key made fresh at every start. */
export class Tokens {
  readonly #secret = randomBytes(32);

  constructor(
    readonly lifetimes: Lifetimes,
    readonly clock: Clock,
  ) {}

  issue(email: string): TokenPair {
    const now = this.clock.now();
    const make = (typ: TokenClaims['typ'], ttl: number): string =>
      signJwt({ sub: email, typ, jti: randomUUID(), iat: now / 1000, exp: (now + ttl) / 1000 }, this.#secret);
    return {
      access: make('access', this.lifetimes.accessTtlMs),
      refresh: make('refresh', this.lifetimes.refreshTtlMs),
      expires_in: this.lifetimes.accessTtlMs / 1000,
    };
  }

  verify(token: string, typ: TokenClaims['typ']): Verification {
    const result = verifyJwt(token, this.#secret, this.clock.now());
    // An access token must not pass for a refresh token, nor the other way round.
    if (result.ok && result.claims.typ !== typ) return { ok: false, reason: 'malformed' };
    return result;
  }
}
