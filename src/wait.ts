import { AxiosError, CanceledError } from 'axios';
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

/** The error axios rejects with when a request's `timeout` passes. */
export function timeoutError(config: InternalAxiosRequestConfig): AxiosError {
  const message = config.timeoutErrorMessage ?? `timeout of ${config.timeout ?? 0}ms exceeded`;
  const code = config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
  return new AxiosError(message, code, config);
}

/**
 * Waits for `work` on behalf of one request, giving up at once when the request is aborted
 * (rejecting like axios does, with a CanceledError), when its `deadline` (ms since the epoch,
 * from its `timeout`) passes (rejecting with axios's timeout error), or when the interceptor
 * is ejected (resolving with EJECTED). Every listener and timer it adds is removed when it
 * settles, however it settles.
 */
export function waitFor<T>(
  work: Promise<T>,
  config: InternalAxiosRequestConfig,
  interrupts: Set<Interrupt>,
  deadline?: number,
): Promise<T | typeof EJECTED> {
  return new Promise((resolve, reject) => {
    const { signal } = config;
    const token = config.cancelToken as SubscribableToken | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = (): void => {
      interrupts.delete(onEject);
      signal?.removeEventListener?.('abort', onAbort);
      token?.unsubscribe?.(onCancel);
      clearTimeout(timer);
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
    const onTimeout = (): void => {
      cleanup();
      reject(timeoutError(config));
    };

    if (signal?.aborted) {
      onAbort();
      return;
    }
    if (token?.reason) {
      onCancel(token.reason);
      return;
    }
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) {
        onTimeout();
        return;
      }
      timer = setTimeout(onTimeout, left);
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
