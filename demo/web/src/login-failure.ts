import { isAxiosError } from 'axios';
import { describeFailure } from './api.js';

/**
 * What the log-in form says when a log-in or sign-up is refused. The server answers a wrong
 * password and an unknown email alike, so that nobody can probe which emails have accounts: the
 * page names both, and says how to get an account.
 */
export function loginFailure(create: boolean, error: unknown): string {
  const status = isAxiosError(error) ? error.response?.status : undefined;
  const data: unknown = isAxiosError(error) ? error.response?.data : undefined;
  const code = typeof data === 'object' && data !== null && 'code' in data ? data.code : undefined;
  if (create && code === 'email_taken') return 'That email has an account already: log in with its password.';
  if (create) return `Could not sign up: ${describeFailure(error)}`;
  if (status === 401) {
    return 'No account with this email and password. New here? Sign up makes one with what you typed, or use the demo account above.';
  }
  return `Could not log in: ${describeFailure(error)}`;
}
