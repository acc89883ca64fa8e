import { afterEach, beforeEach } from 'vitest';
import { startAuthApi } from '../../../demo/server/index.js';
import type { AuthApi, AuthApiOptions } from '../../../demo/server/index.js';

/**
 * Lifetimes short enough to be a real session's in miniature, long enough that no test
 * outlives a token by accident: tests expire tokens by moving the server's clock.
 */
export const ACCESS_MS = 5_000;
export const REFRESH_MS = 30_000;

export const ada = { email: 'ada@example.com', password: 'correct horse' };

/** A fresh reference API on 127.0.0.1 for each test, closed after it. */
export function useAuthApi(options: AuthApiOptions = {}): () => AuthApi {
  let api: AuthApi | undefined;
  beforeEach(async () => {
    api = await startAuthApi({ accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS, ...options });
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });
  return () => {
    if (!api) throw new Error('the reference API runs only inside a test');
    return api;
  };
}
