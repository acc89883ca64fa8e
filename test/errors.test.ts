import axios, { AxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import {
  RefreshFailedError,
  SessionExpiredError,
  createRefreshInterceptor,
  isRefreshFailedError,
  isSessionExpiredError,
} from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import { FakeChannels, FakeLocks } from './helpers/fake-tabs.js';
import { until } from './helpers/gate.js';
import { respond } from './helpers/memory-adapter.js';

const SECRET_ACCESS = 'eyJhbGciOiJIUzI1NiJ9.access-secret';
const SECRET_REFRESH = 'refresh-secret-value';

describe('errors', () => {
  it('keeps credentials out of the message and toJSON() of a SessionExpiredError', async () => {
    const api = axios.create({
      baseURL: 'https://api.example.com/',
      headers: { Authorization: `Bearer ${SECRET_ACCESS}`, Cookie: `refresh_token=${SECRET_REFRESH}` },
      adapter: (config) => respond(config, 401, { detail: 'expired' }),
    });
    createRefreshInterceptor(api, {
      refresh: ({ client }) => client.post('users/refresh/', { refresh: SECRET_REFRESH }),
    });

    const error: unknown = await api
      .post(`tasks/?access_token=${SECRET_ACCESS}`, { refresh: SECRET_REFRESH })
      .catch((e: unknown) => e);

    expect(isSessionExpiredError(error)).toBe(true);
    const serialised = JSON.stringify(error);
    const message = (error as Error).message;
    for (const secret of [SECRET_ACCESS, SECRET_REFRESH]) {
      expect(serialised).not.toContain(secret);
      expect(message).not.toContain(secret);
    }
    expect(JSON.parse(serialised)).toMatchObject({
      code: 'ERR_SESSION_EXPIRED',
      status: 401,
      config: { method: 'post', baseURL: 'https://api.example.com/', url: 'tasks/' },
    });
  });

  it('recognises errors by code, not instanceof, so a copy from another module system passes the guards', () => {
    const foreign = new AxiosError('x', 'ERR_SESSION_EXPIRED');
    expect(isSessionExpiredError(foreign)).toBe(true);
    expect(isRefreshFailedError(new AxiosError('x', 'ERR_REFRESH_FAILED'))).toBe(true);
    expect(isSessionExpiredError({ code: 'ERR_SESSION_EXPIRED' })).toBe(false);
    expect(isSessionExpiredError(null)).toBe(false);
    expect(isRefreshFailedError(new SessionExpiredError(undefined))).toBe(false);
  });

  it('are AxiosErrors carrying their cause', () => {
    const cause = new Error('socket hang up');
    const error = new RefreshFailedError(cause);
    expect(axios.isAxiosError(error)).toBe(true);
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Could not refresh credentials: socket hang up');
    expect(error.name).toBe('RefreshFailedError');
  });

  it('says in its message who ended the session: the server that rejected the refresh, the app, or another tab', async () => {
    const refreshes: string[] = [];
    const everything401 = (config: Parameters<typeof respond>[0]) => {
      if (config.url === 'refresh') refreshes.push(config.url);
      return respond(config, 401, {});
    };
    const message = (promise: Promise<unknown>): Promise<string> => promise.then(
      () => 'fulfilled',
      (error: unknown) => (isSessionExpiredError(error) ? error.message : String(error)),
    );

    const rejected = axios.create({ adapter: everything401 });
    createRefreshInterceptor(rejected, { refresh: ({ client }) => client.post('refresh') });
    expect(await message(rejected.get('a'))).toBe('Session expired: the server rejected the credentials refresh (the refresh was started by GET a)');
    expect(refreshes).toEqual(['refresh']);

    // The app's refresh that has nothing to send ends the session itself, as the README shows.
    const nothing = axios.create({ adapter: everything401 });
    createRefreshInterceptor(nothing, { refresh: () => Promise.reject(new SessionExpiredError(new Error('no refresh token'))) });
    expect(await message(nothing.get('b'))).toBe('Session expired: ended by app (the refresh was started by GET b)');
    expect(refreshes).toEqual(['refresh']);

    // A log-out in one tab: its requests, and the other tab's, say so.
    const [locks, channels] = [new FakeLocks(), new FakeChannels()];
    const tab = () => {
      const api = axios.create({ adapter: everything401 });
      const session = createTabSession({ refresh: ({ client }) => client.post('refresh'), locks: locks.tab(), channel: channels.channel });
      createRefreshInterceptor(api, { session });
      return { api, session };
    };
    const [here, there] = [tab(), tab()];
    here.session.end();
    await until(() => there.session.state === 'ended');
    expect(await message(here.api.get('c'))).toBe('Session expired: ended by app');
    expect(await message(there.api.get('d'))).toBe('Session expired: ended by other-tab');
    expect(refreshes).toEqual(['refresh']);
    here.session.close();
    there.session.close();
  });
});
