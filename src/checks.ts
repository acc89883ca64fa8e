/**
 * What the library checks of the arguments an app gives it, in development builds only.
 *
 * Each entry point calls these as
 * `try { if (process.env.NODE_ENV !== 'production') check(...) } catch (error) { rethrowMistake(error) }`:
 * a bundler that defines `process.env.NODE_ENV` as `"production"` (esbuild, Vite, webpack, Parcel
 * by default; Rollup with its replace plugin) drops the whole statement, and these functions with
 * it. Where nothing defines it and there is no `process` (plain ESM in a browser), reading it
 * throws a `ReferenceError`, which is swallowed: no checks, and no crash.
 */
import type { CommonSessionOptions } from './session-options.js';

// The errors made here, so that only they pass the `catch` around a check.
const mistakes = new WeakSet();

/** Throws `error` if a check made it; anything else came from reading `process` where there is none. */
export function rethrowMistake(error: unknown): void {
  if (error instanceof TypeError && mistakes.has(error)) throw error;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function describe(value: unknown): string {
  const shown = typeof value === 'function' ? 'function' : safeString(value);
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}

/** The error for an argument that is not what it should be, naming it, what was expected and what was given. */
export function expected(name: string, what: string, value: unknown): TypeError {
  return mistake(`Expected \`${name}\` to be ${what}, got ${describe(value)}`);
}

function mistake(message: string): TypeError {
  const error = new TypeError(message);
  mistakes.add(error);
  return error;
}

/**
 * `check`, made to throw when it answers with a promise: the library decides at once, and a
 * promise (an async predicate that reads the body) would count as true for every response.
 */
export function answersAtOnce<A>(name: string, check: (answer: A) => boolean): (answer: A) => boolean {
  return (answer) => {
    const verdict: unknown = check(answer);
    if (typeof (verdict as { then?: unknown } | null | undefined)?.then === 'function') {
      // Its rejection, if it has one, is the mistake this error tells of.
      Promise.resolve(verdict).catch(() => undefined);
      throw expected(name, 'a function that answers true or false at once (a promise, such as an async function gives, would count as true for every response)', verdict);
    }
    return verdict as boolean;
  };
}

export function checkOptional(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw expected(name, 'a function', value);
}

export function checkObject(options: unknown): asserts options is object {
  if (typeof options !== 'object' || options === null) throw expected('options', 'an object', options);
}

function checkNumber(name: string, value: unknown, min: number, max: number, what: string): void {
  if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
    throw expected(name, what, value);
  }
}

const MAX_TIMEOUT = 2_147_483_647;

/** Throws unless `value` is absent or a part made by the library's factory for `part`. */
function checkPart(name: string, value: unknown, part: string, what: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || !('part' in value) || value.part !== part)) {
    throw expected(name, `${what} from 'axios-refresh-interceptor'`, value);
  }
}

/** Throws unless `value` is a list of origins, naming the option and the first entry that is not one. */
export function checkOrigins(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw expected(name, 'an array of origins', value);
  (value as unknown[]).forEach((entry, i) => {
    let origin: string | undefined;
    try {
      origin = typeof entry === 'string' ? new URL(entry).origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin === undefined || origin === 'null') {
      throw expected(`${name}[${i}]`, 'an origin such as `https://uploads.example.com`', entry);
    }
  });
}

export function checkSessionOptions(options: unknown): void {
  checkObject(options);
  const { refresh, onSessionExpired, refreshTimeout, expiresAt, accessToken, credentialOrigins, tokenOrigins } =
    options as Record<keyof CommonSessionOptions<unknown>, unknown>;
  if (typeof refresh !== 'function') throw expected('refresh', 'a function', refresh);
  checkOptional('onSessionExpired', onSessionExpired);
  checkPart('expiresAt', expiresAt, 'expiry', 'made by `expiry(() => at)` or `jwtExpiry(() => token)`');
  checkPart('accessToken', accessToken, 'bearer', 'made by `bearer(() => token)`');
  checkPart('challenges', (options as { challenges?: unknown }).challenges, 'challenges', 'made by `wwwAuthenticate()`');
  const { refreshMargin } = options as Record<string, unknown>;
  if (refreshMargin !== undefined) throw expected('refreshMargin', 'left out: pass the margin to `expiry(read, margin)` or `jwtExpiry(read, margin)`', refreshMargin);
  // Timers overflow past 2^31 - 1 ms and would fire at once.
  checkNumber('refreshTimeout', refreshTimeout, Number.MIN_VALUE, MAX_TIMEOUT, `a positive finite number of milliseconds up to ${MAX_TIMEOUT}`);
  checkOrigins(credentialOrigins, 'credentialOrigins');
  checkOrigins(tokenOrigins, 'tokenOrigins');
}

interface InstanceLike {
  request?: unknown;
  interceptors?: { response?: { use?: unknown } };
}

export function checkInstance(instance: unknown): void {
  const candidate = instance as InstanceLike | null | undefined;
  if (typeof candidate?.request !== 'function' || typeof candidate.interceptors?.response?.use !== 'function') {
    throw expected('instance', 'an axios instance (from axios.create())', instance);
  }
}

/** Whether `value` looks like a session made by this library. */
function isSessionLike(value: unknown): boolean {
  return typeof (value as { recover?: unknown } | null | undefined)?.recover === 'function';
}

/** What a session is made with, which an interceptor given a `session` must not be given again. */
const SESSION_OPTIONS = ['refresh', 'onSessionExpired', 'refreshTimeout', 'expiresAt', 'accessToken', 'challenges', 'credentialOrigins', 'tokenOrigins'];

/** `observe(session, observer)`. */
export function checkObserveArguments(session: unknown, observer: unknown): void {
  if (!isSessionLike(session)) throw expected('session', 'a session (an interceptor\'s `session`, or from createRefreshSession())', session);
  if (typeof observer !== 'function') throw expected('observer', 'a function', observer);
}

/** `createRefreshInterceptor(instance, options)`. */
export function checkInterceptorArguments(instance: unknown, options: unknown): void {
  checkInstance(instance);
  checkObject(options);
  const { session, shouldRefresh, shouldRefreshResponse } = options as Record<string, unknown>;
  if (session !== undefined) {
    // The session has its own: given here as well, they would be ignored without a word.
    for (const name of SESSION_OPTIONS) {
      if (name in options) throw expected(name, 'left out when `session` is given (it belongs to the session)', (options as Record<string, unknown>)[name]);
    }
    if (!isSessionLike(session)) throw expected('session', 'a session from createRefreshSession()', session);
  } else {
    // Checked before anything is put on the instance, so that a mistake leaves it as it was.
    checkSessionOptions(options);
  }
  checkOptional('shouldRefresh', shouldRefresh);
  checkOptional('shouldRefreshResponse', shouldRefreshResponse);
}

/** `createRefreshFetch(fetchLike, options)`. */
export function checkFetchArguments(fetchLike: unknown, options: unknown): void {
  if (typeof fetchLike !== 'function') throw expected('fetchLike', 'a function such as `fetch`', fetchLike);
  checkObject(options);
  const { session, shouldRefresh } = options as Record<string, unknown>;
  if (!isSessionLike(session)) throw expected('session', 'a session from createRefreshSession()', session);
  checkOptional('shouldRefresh', shouldRefresh);
}

/** `createTabSession(options)`, beyond the options of any session. */
export function checkTabOptions(options: unknown): void {
  checkSessionOptions(options);
  const { name, channel, shareTokens } = options as Record<string, unknown>;
  if (name != null && (typeof name !== 'string' || name === '')) throw expected('name', 'a non-empty string', name);
  checkOptional('channel', channel);
  const sharing = shareTokens as { read?: unknown; write?: unknown } | null | undefined;
  if (shareTokens !== undefined && (typeof sharing?.read !== 'function' || typeof sharing.write !== 'function')) {
    throw expected('shareTokens', 'an object with read and write functions', shareTokens);
  }
}

/** The arguments of a part's factory: `bearer(read)`, `expiry(read, margin)`, `jwtExpiry(read, margin)`. */
export function checkPartArguments(read: unknown, margin?: unknown): void {
  if (typeof read !== 'function') throw expected('read', 'a function', read);
  checkNumber('margin', margin, 0, Number.MAX_VALUE, 'a non-negative finite number of milliseconds');
}

/** `jwtExpiry(read)`: a runtime without `atob` would read no JWT, and nothing would refresh ahead. */
export function checkJwtRuntime(): void {
  if (typeof atob !== 'function') {
    throw mistake(
      'jwtExpiry(read): this runtime has no global `atob` (React Native before 0.74), so no JWT can be read and nothing would refresh ahead of expiry. Install a base64 polyfill as `global.atob`, or use `expiry(() => ms)` with the expiry your log-in and refresh answers give.',
    );
  }
}

/** `getAccessToken(session, request)`. */
export function checkTokenRequest(session: unknown, request: unknown): void {
  if (!isSessionLike(session)) throw expected('session', 'a session (`interceptor.session`, or one from createRefreshSession())', session);
  checkObject(request);
  const { minValidity, refused } = request as Record<string, unknown>;
  checkNumber('minValidity', minValidity, 0, Number.POSITIVE_INFINITY, 'a non-negative number of milliseconds');
  if (refused !== undefined && typeof refused !== 'string') throw expected('refused', 'the refused token, a string', refused);
}

/** `refreshOnWake(session, options)`. */
export function checkWakeArguments(session: unknown, options: unknown): void {
  if (!isSessionLike(session)) throw expected('session', 'a session (`interceptor.session`, or one from createRefreshSession())', session);
  if ((session as { expiry?: unknown }).expiry === undefined) {
    throw mistake(
      'refreshOnWake(session): the session has no `expiresAt`, so nothing says its credentials expired during a sleep. Give it `expiresAt: expiry(...)` or `jwtExpiry(...)`.',
    );
  }
  checkObject(options);
  const { minInterval, listen } = options as Record<string, unknown>;
  checkNumber('minInterval', minInterval, 0, Number.MAX_VALUE, 'a non-negative finite number of milliseconds');
  if (listen !== undefined && typeof listen !== 'boolean') throw expected('listen', 'true or false', listen);
}
