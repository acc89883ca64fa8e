/**
 * The script of a page that keeps bearer tokens in memory: bundled for the browser by the test,
 * it shares one refresh with the other tabs of the browser and hands them its new tokens, and
 * refreshes when the page wakes (shown again, back online).
 */
import axios, { isAxiosError } from 'axios';
import { bearer, createRefreshInterceptor, jwtExpiry, refreshOnWake } from '../../../src/index.js';
import { createTabSession } from '../../../src/tabs.js';
import type { Tokens } from '../../bearer/helpers/jwt-server.js';

/** What the test does in a tab, through `window.bearerTab`. */
export interface BearerTab {
  /** Installs tokens, as a log-in does. */
  setTokens(tokens: Tokens): void;
  /** The tokens the tab holds now. */
  tokens(): Tokens;
  /** Sends `GET path` and resolves to the status of its final answer. */
  get(path: string): Promise<number>;
  /** The session's state: `live`, `refreshing`, `cooling-down` or `ended`. */
  state(): string;
}

let tokens: Tokens = { access: '', refresh: '' };

const api = axios.create({ baseURL: location.origin });
const session = createTabSession<Tokens>({
  refresh: async ({ client }) => {
    tokens = (await client.post<Tokens>('/refresh', { refresh: tokens.refresh })).data;
  },
  accessToken: bearer(() => tokens.access), expiresAt: jwtExpiry(() => tokens.access),
  shareTokens: {
    read: () => tokens,
    write: (next) => {
      tokens = next;
    },
  },
});
createRefreshInterceptor(api, { session });
refreshOnWake(session);

const tab: BearerTab = {
  setTokens(next) {
    tokens = { ...next };
  },
  tokens: () => tokens,
  state: () => session.state,
  async get(path) {
    try {
      return (await api.get(path)).status;
    } catch (error) {
      if (isAxiosError(error) && error.response) return error.response.status;
      throw error;
    }
  },
};

(window as Window & { bearerTab?: BearerTab }).bearerTab = tab;
