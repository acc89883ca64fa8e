/**
 * Refreshes expired auth tokens for axios: one refresh for any number of concurrent 401s.
 * Start with {@link createRefreshInterceptor}. Sharing one refresh between browser tabs is in
 * `axios-refresh-interceptor/tabs`.
 *
 * @module axios-refresh-interceptor
 */
export { createRefreshInterceptor } from './interceptor.js';
export type { RefreshInterceptor } from './interceptor.js';
export { createRefreshSession } from './axios-session.js';
export { bearer } from './bearer.js';
export type { AccessToken } from './bearer.js';
export { expiry, jwtExpiry } from './expiry.js';
export { observe } from './events.js';
export { getAccessToken } from './get-access-token.js';
export { challengeOf, wwwAuthenticate } from './challenges.js';
export type { AuthChallenge, Challenges, RefusalCode } from './challenges.js';
export { parseChallenges } from './www-authenticate.js';
export type { Challenge } from './www-authenticate.js';
export type { AccessTokenRequest } from './get-access-token.js';
export { refreshOnWake } from './refresh-on-wake.js';
export type { Wake, WakeOptions } from './refresh-on-wake.js';
export type { Expiry } from './expiry.js';
export type { RefreshSession, SessionState } from './session.js';
export type {
  RefreshFailedEvent,
  RefreshStartedEvent,
  RefreshSucceededEvent,
  RequestSummary,
  SessionBeganEvent,
  SessionEndedEvent,
  SessionEvent,
  SessionObserver,
  TokensAdoptedEvent,
  ChallengedEvent,
} from './events.js';
export type { CommonSessionOptions } from './session-options.js';
export type {
  InstanceOptions,
  RefreshContext,
  RefreshInterceptorOptions,
  SessionOptions,
  SharedSessionOptions,
} from './options.js';
export {
  ERR_BODY_NOT_REPLAYABLE,
  ERR_REFRESH_FAILED,
  ERR_SESSION_EXPIRED,
  RefreshFailedError,
  SessionExpiredError,
  isRefreshFailedError,
  isSessionExpiredError,
} from './errors.js';
export type { RefreshFailedErrorLike, SessionExpiredErrorLike } from './errors.js';
