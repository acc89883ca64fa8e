import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeExpiry } from '../../src/expiry.js';
import { bearer, createRefreshInterceptor, expiry, jwtExpiry } from '../../src/index.js';
import type { SessionOptions } from '../../src/index.js';
import { memoryServer } from '../helpers/memory-adapter.js';
import { jwt, startJwtServer, tokenStore } from './helpers/jwt-server.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

describe('the expiry of a JWT, read from its exp claim', () => {
  it('reads exp in seconds as milliseconds, fractions included', () => {
    expect(decodeExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(decodeExpiry(jwt({ exp: 1_800_000_000.5 }))).toBe(1_800_000_000_500);
  });

  it('decodes base64url payloads that need - and _ and no padding, with non-ASCII claims around exp', () => {
    // "??>" encodes to "Pz8-", and a name in another script makes _ and multi-byte characters.
    const token = jwt({ q: '??>', name: 'Ада Лавлейс ÿÿ', exp: 1_800_000_001 });
    expect(token.split('.')[1]).toMatch(/[-_]/);
    expect(decodeExpiry(token)).toBe(1_800_000_001_000);
  });

  it('is unknown for anything that is not a JWT with a numeric exp', () => {
    const payload = (value: string): string => `e30.${Buffer.from(value).toString('base64url')}.sig`;
    for (const token of [
      undefined,
      '',
      'opaque-token',
      'a.b.c',
      jwt({ sub: 'no exp' }),
      jwt({ exp: '1800000000' }),
      jwt({ exp: null }),
      payload('not json'),
      payload('[1, 2]'),
      payload('{"exp": 1e400}'),
      'e30.%%%.sig',
    ]) {
      expect(decodeExpiry(token), String(token)).toBeUndefined();
    }
  });
});

describe('refresh ahead of a JWT exp, with no expiresAt (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A memory server whose refresh hands out a JWT living `lifetime` ms from the moment it is issued. */
  function app(options: { lifetime?: number; first?: string; margin?: number; extra?: Partial<SessionOptions> } = {}) {
    const memory = memoryServer();
    const lifetime = options.lifetime ?? 15 * MINUTE;
    let token = options.first ?? jwt({ exp: (T0 + 15 * MINUTE) / 1000 });
    memory.token = token;
    const api = axios.create({ adapter: memory.adapter });
    let refreshes = 0;
    createRefreshInterceptor(api, {
      refresh: () => {
        refreshes += 1;
        token = jwt({ n: refreshes, exp: (Date.now() + lifetime) / 1000 });
        memory.token = token;
      },
      accessToken: bearer(() => token),
      expiresAt: jwtExpiry(() => token, options.margin),
      ...options.extra,
    });
    return { api, memory, refreshes: () => refreshes };
  }

  it('sends a request 1 ms before exp minus the margin as it is, and refreshes first from that moment on', async () => {
    const { api, refreshes } = app();

    vi.setSystemTime(T0 + 15 * MINUTE - 5_001);
    await api.get('/before');
    expect(refreshes()).toBe(0);

    vi.setSystemTime(T0 + 15 * MINUTE - 5_000);
    await api.get('/at');
    expect(refreshes()).toBe(1);
  });

  it('uses the refreshMargin it is given', async () => {
    const { api, refreshes } = app({ margin: 60_000 });

    vi.setSystemTime(T0 + 14 * MINUTE - 1);
    await api.get('/before');
    vi.setSystemTime(T0 + 14 * MINUTE);
    await api.get('/at');

    expect(refreshes()).toBe(1);
  });

  it('never refreshes ahead for a token that is not a JWT; a 401 is still refreshed', async () => {
    const { api, memory, refreshes } = app({ first: 'opaque' });
    vi.setSystemTime(T0 + 100 * MINUTE);
    await api.get('/a');
    expect(refreshes()).toBe(0);
    memory.token = 'rotated-by-the-server';

    await api.get('/b').catch(() => undefined);
    expect(refreshes()).toBe(1);
  });

  it('prefers expiresAt over the JWT exp when both are there', async () => {
    const { api, refreshes } = app({ extra: { expiresAt: expiry(() => T0 + 60 * MINUTE) } });
    vi.setSystemTime(T0 + 30 * MINUTE);
    await api.get('/past-exp');

    expect(refreshes()).toBe(0);
  });

  it('stops refreshing ahead when a refresh gives a token already within the margin, until the token changes', async () => {
    const { api, memory, refreshes } = app({ lifetime: 2_000 });
    vi.setSystemTime(T0 + 15 * MINUTE);

    for (let i = 0; i < 5; i += 1) await api.get(`/short/${i}`);
    expect(refreshes()).toBe(1);
    expect(memory.seen.map(([, status]) => status)).toEqual([200, 200, 200, 200, 200]);

    // That token dies: its 401 refreshes, and the next short-lived token is again left to 401s.
    vi.setSystemTime(T0 + 15 * MINUTE + 2_000);
    memory.token = 'past its exp';
    for (let i = 0; i < 3; i += 1) await api.get(`/later/${i}`);
    expect(refreshes()).toBe(2);
  });
});

describe('expiresAt given in seconds by mistake (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is read as seconds: no refresh before every request, and one at the margin', async () => {
    const memory = memoryServer();
    const api = axios.create({ adapter: memory.adapter, headers: { Authorization: 'Bearer fresh' } });
    let refreshes = 0;
    const exp = (T0 + 15 * MINUTE) / 1000;
    createRefreshInterceptor(api, {
      refresh: () => {
        refreshes += 1;
      },
      expiresAt: expiry(() => exp),
    });

    for (let i = 0; i < 5; i += 1) await api.get(`/${i}`);
    expect(refreshes).toBe(0);

    vi.setSystemTime(T0 + 15 * MINUTE - 5_001);
    await api.get('/before');
    expect(refreshes).toBe(0);
    vi.setSystemTime(T0 + 15 * MINUTE - 5_000);
    await api.get('/at');
    expect(refreshes).toBe(1);
  });
});

describe('a storm at expiry, against the loopback server, from exp alone', () => {
  it('costs N requests and one refresh, none of them a 401, each with the new token', async () => {
    const server = await startJwtServer(2_000);
    try {
      const store = tokenStore(server);
      server.lifetime = 15 * MINUTE;
      const api = axios.create({ baseURL: server.url });
      createRefreshInterceptor(api, { refresh: store.refresh, accessToken: bearer(() => store.tokens.access), expiresAt: jwtExpiry(() => store.tokens.access) });

      await Promise.all(Array.from({ length: 20 }, (_, i) => api.get(`/storm/${i}`)));

      expect(server.count('/refresh')).toBe(1);
      expect(server.count('/storm')).toBe(20);
      expect(server.count('/storm', 401)).toBe(0);
      expect(new Set(server.authorizations('/storm'))).toEqual(new Set([`Bearer ${store.tokens.access}`]));
      expect(server.reused).toBe(0);
    } finally {
      await server.close();
    }
  });
});
