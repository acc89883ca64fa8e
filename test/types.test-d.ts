import axios from 'axios';
import type { AxiosError, AxiosRequestConfig } from 'axios';
import { describe, expectTypeOf, it } from 'vitest';
import { bearer, createRefreshInterceptor, createRefreshSession, expiry, isRefreshFailedError, isSessionExpiredError, jwtExpiry, observe } from '../src/index.js';
import type {
  AccessToken,
  Expiry,
  RefreshContext,
  RefreshFailedError,
  RefreshFailedErrorLike,
  RefreshInterceptor,
  RefreshSession,
  SessionEvent,
  SessionExpiredError,
  SessionExpiredErrorLike,
  SessionOptions,
} from '../src/index.js';
import { createTabSession } from '../src/tabs.js';

describe('public types', () => {
  it('types skipAuthRefresh on every request config without a cast', () => {
    expectTypeOf<AxiosRequestConfig['skipAuthRefresh']>().toEqualTypeOf<boolean | undefined>();
    const api = axios.create();
    void api.get('/public', { skipAuthRefresh: true });
  });

  it('gives refresh a context with a client, the triggering error, a signal and a superseded signal', () => {
    expectTypeOf<RefreshContext['client']>().toEqualTypeOf(axios.create());
    expectTypeOf<RefreshContext['error']>().toEqualTypeOf<AxiosError | undefined>();
    expectTypeOf<RefreshContext['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<RefreshContext['superseded']>().toEqualTypeOf<AbortSignal>();
  });

  it('returns a handle with eject and the session', () => {
    const handle = createRefreshInterceptor(axios.create(), { refresh: ({ client }) => client.post('refresh') });
    expectTypeOf(handle).toEqualTypeOf<RefreshInterceptor>();
    expectTypeOf<RefreshInterceptor['eject']>().toEqualTypeOf<() => void>();
    expectTypeOf(handle.session).toEqualTypeOf<RefreshSession>();
  });

  it('narrows with the guards to what both transports\' errors have', () => {
    const error: unknown = new Error('x');
    if (isSessionExpiredError(error)) expectTypeOf(error).toEqualTypeOf<SessionExpiredErrorLike>();
    if (isRefreshFailedError(error)) expectTypeOf(error.code).toEqualTypeOf<'ERR_REFRESH_FAILED'>();
    expectTypeOf<SessionExpiredError>().toExtend<SessionExpiredErrorLike>();
    expectTypeOf<RefreshFailedError>().toExtend<RefreshFailedErrorLike>();
  });

  it('takes accessToken and expiresAt as parts made by their factories, and tokenOrigins, on every kind of session', () => {
    expectTypeOf<SessionOptions['accessToken']>().toEqualTypeOf<AccessToken | undefined>();
    expectTypeOf<SessionOptions['expiresAt']>().toEqualTypeOf<Expiry | undefined>();
    expectTypeOf<SessionOptions['tokenOrigins']>().toEqualTypeOf<readonly string[] | undefined>();
    const accessToken = bearer((): string | undefined => undefined);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the former name must keep type-checking
    createRefreshInterceptor(axios.create(), { refresh: () => undefined, accessToken, tokenOrigins: ['https://a.example'] });
    createRefreshSession({ refresh: () => undefined, accessToken, expiresAt: expiry(() => 0, 1_000) });
    createTabSession({ refresh: () => undefined, accessToken, expiresAt: jwtExpiry(() => null) });
    // @ts-expect-error a part made by bearer(), not the function it reads
    createRefreshSession({ refresh: () => undefined, accessToken: () => 'eyJ' });
    // @ts-expect-error a part made by expiry() or jwtExpiry(), not the function it reads
    createRefreshSession({ refresh: () => undefined, expiresAt: () => 0 });
    // @ts-expect-error the margin moved into expiry(read, margin)
    createRefreshSession({ refresh: () => undefined, refreshMargin: 1_000 });
  });

  it('takes credentialOrigins on every kind of session, with or without accessToken', () => {
    expectTypeOf<SessionOptions['credentialOrigins']>().toEqualTypeOf<readonly string[] | undefined>();
    const origins = ['https://uploads.example.com'] as const;
    createRefreshInterceptor(axios.create(), { refresh: () => undefined, credentialOrigins: origins });
    createRefreshSession({ refresh: () => undefined, accessToken: bearer(() => undefined), expiresAt: jwtExpiry(() => undefined), credentialOrigins: origins });
    createTabSession({ refresh: () => undefined, credentialOrigins: origins });
    // @ts-expect-error a list of origins, not one
    createRefreshSession({ refresh: () => undefined, credentialOrigins: 'https://uploads.example.com' });
  });

  it('narrows session events by their type', () => {
    const session = createRefreshSession({ refresh: () => undefined });
    const stop = observe(session, (event: SessionEvent) => {
      if (event.type === 'refresh-started') expectTypeOf(event.reason).toEqualTypeOf<'unauthorized' | 'expiring'>();
      if (event.type === 'refresh-succeeded') expectTypeOf(event.waited).toEqualTypeOf<number>();
      if (event.type === 'session-ended') expectTypeOf(event.by).toEqualTypeOf<'server' | 'app' | 'other-tab'>();
    });
    expectTypeOf(stop).toEqualTypeOf<() => void>();
  });

  it('rejects options without refresh at compile time', () => {
    // @ts-expect-error refresh is required
    createRefreshInterceptor(axios.create(), {});
  });

  it("rejects a session's own options next to a shared session at compile time", () => {
    const session = createRefreshSession({ refresh: () => undefined });
    // @ts-expect-error onSessionExpired belongs to the session
    createRefreshInterceptor(axios.create(), { session, onSessionExpired: () => undefined });
    // @ts-expect-error refreshTimeout belongs to the session
    createRefreshInterceptor(axios.create(), { session, refreshTimeout: 1_000 });
    createRefreshInterceptor(axios.create(), { session, shouldRefresh: (error) => error.response?.status === 401 });
  });
});
