import type { AxiosError } from 'axios';

/** The error a request fails with; fails the test when the request succeeds instead. */
export function rejection(promise: Promise<unknown>): Promise<AxiosError> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as AxiosError,
  );
}
