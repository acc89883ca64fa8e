import { CanceledError } from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';

/** What a wait resolves with when the interceptor was ejected meanwhile. */
export const EJECTED: unique symbol = Symbol('ejected');

/** Ends one wait early; registered while the wait lasts so `eject` can settle it. */
export type Interrupt = () => void;

interface SubscribableToken {
  reason?: unknown;
  subscribe?: (listener: (reason: unknown) => void) => void;
  unsubscribe?: (listener: (reason: unknown) => void) => void;
}

/**
 * Waits for `work` on behalf of one request, giving up at once when the request is aborted
 * (rejecting like axios does, with a CanceledError) or the interceptor is ejected (resolving
 * with EJECTED). Every listener it adds is removed when it settles, however it settles.
 */
export function waitFor<T>(
  work: Promise<T>,
  config: InternalAxiosRequestConfig,
  interrupts: Set<Interrupt>,
): Promise<T | typeof EJECTED> {
  return new Promise((resolve, reject) => {
    const { signal } = config;
    const token = config.cancelToken as SubscribableToken | undefined;
    const cleanup = (): void => {
      interrupts.delete(onEject);
      signal?.removeEventListener?.('abort', onAbort);
      token?.unsubscribe?.(onCancel);
    };
    const onEject = (): void => {
      cleanup();
      resolve(EJECTED);
    };
    const onAbort = (): void => {
      cleanup();
      reject(new CanceledError(undefined, config));
    };
    const onCancel = (reason: unknown): void => {
      cleanup();
      // A CancelToken's reason is already the CanceledError axios itself would reject with.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(reason ?? new CanceledError(undefined, config));
    };

    if (signal?.aborted) {
      onAbort();
      return;
    }
    if (token?.reason) {
      onCancel(token.reason);
      return;
    }
    interrupts.add(onEject);
    signal?.addEventListener?.('abort', onAbort);
    token?.subscribe?.(onCancel);
    work.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        // Passes on whatever the work rejected with, unchanged.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
