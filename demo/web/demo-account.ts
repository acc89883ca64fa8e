/**
 * The account that `npm run demo:web` creates at start, and that the log-in form offers, so that
 * a first visit has something to log in with before it thinks of signing up.
 */
export const DEMO_ACCOUNT = { email: 'demo@example.com', password: 'demo-password' } as const;
