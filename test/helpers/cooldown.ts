import { vi } from 'vitest';

/**
 * Moves the clock to the moment a cooldown ends, as `RefreshFailedError.retryAt` tells it. Only
 * `Date` is faked: sockets and timers stay real, and the cooldown is read from `Date.now()`.
 * The global test setup puts the real clock back after each test.
 */
export function passCooldown(error: unknown): void {
  const retryAt = (error as { retryAt?: unknown } | null | undefined)?.retryAt;
  if (typeof retryAt !== 'number') throw new Error(`Expected an error with a retryAt, got ${String(error)}`);
  vi.useFakeTimers({ toFake: ['Date'], now: retryAt });
}
