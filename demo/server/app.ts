import type { ApiRequest, Reply } from './http.js';
import type { AuthApiStats } from './stats.js';
import type { Store } from './store.js';
import type { Tokens } from './tokens.js';

/** What every route handler may use. */
export interface App {
  store: Store;
  tokens: Tokens;
  stats: AuthApiStats;
}

export type Handler = (request: ApiRequest, app: App) => Reply | Promise<Reply>;

/** A handler that runs only for a valid access token, and is told whose it is. */
export type AuthedHandler = (request: ApiRequest, app: App, email: string) => Reply | Promise<Reply>;
