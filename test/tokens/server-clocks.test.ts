/**
 * the client's clock minutes off the server's, and servers whose `iat` is not the moment
 * of issue, with `jwtExpiry` against a loopback server whose clock is set apart. Date and the
 * monotonic clock are the test's; the sockets' timers stay real.
 */
import { describe, expect, it } from 'vitest';
import { jwt } from '../bearer/helpers/jwt-server.js';
import type { ClaimsServer, Mint } from './helpers/claims-server.js';
import { MINUTE, N, bearerApp, burst, onFakeClock, pass, sequential } from './helpers/claims-app.js';

const start = onFakeClock();

const known = { requests: N + 1, refreshes: 1, unauthorized: 0 };
const unknown = { requests: 2 * N + 1, refreshes: 1, unauthorized: N };

/** `exp` in seconds; `iat` as given (seconds since the epoch), or none. */
const mintWith = (iat: ((now: number) => number) | undefined): Mint => (now, lifetime, n) => ({
  access: jwt({ sub: 'ada', jti: `access-${n}`, exp: (now + lifetime) / 1000, ...(iat ? { iat: iat(now) } : {}) }),
  from: -Infinity,
  until: now + lifetime,
});
const honestIat = mintWith((now) => Math.floor(now / 1000));
const noIat = mintWith(undefined);

/** One request a minute for an hour: what it cost the server. */
async function anHour(on: ClaimsServer, returnAnswer = false) {
  const state = bearerApp(on, returnAnswer);
  let cost = { requests: 0, refreshes: 0, unauthorized: 0, failed: 0 };
  for (let minute = 0; minute < 60; minute++) {
    pass(MINUTE);
    const step = await sequential(state, on, 1);
    cost = {
      requests: cost.requests + step.requests,
      refreshes: cost.refreshes + step.refreshes,
      unauthorized: cost.unauthorized + step.unauthorized,
      failed: cost.failed + step.failed,
    };
  }
  return cost;
}

describe('a server that backdates iat by 5 minutes (clocks in step): iat is not the server time at the refresh', () => {
  const backdated = mintWith((now) => Math.floor((now - 5 * MINUTE) / 1000));

  // As the README says: it looks like a client clock 5 minutes ahead, so later tokens are used
  // past their end. Not told apart from such a clock by `iat` alone; the answer's Date is.
  it('with refresh returning nothing, reads the client as 5 minutes ahead: the first expiry N + 1, later ones 2N + 1, never a loop', async () => {
    const server = await start({ mint: backdated, lifetime: 15 * MINUTE });
    const state = bearerApp(server);
    pass(15 * MINUTE - 1_000);
    expect(await burst(state, server)).toEqual(known);
    pass(15 * MINUTE + 1_000);
    expect(await burst(state, server)).toEqual(unknown);
  });

  it('with the refresh answer returned, its Date header wins over iat: N + 1 at every expiry', async () => {
    const server = await start({ mint: backdated, lifetime: 15 * MINUTE });
    const state = bearerApp(server, true);
    pass(15 * MINUTE - 1_000);
    expect(await burst(state, server)).toEqual(known);
    pass(15 * MINUTE + 1_000);
    expect(await burst(state, server)).toEqual(known);
  });
});

describe('iat in milliseconds beside exp in seconds (clocks in step)', () => {
  it('neither refreshes per request nor sends tokens past exp: N + 1 at each expiry', async () => {
    const server = await start({ mint: mintWith((now) => now), lifetime: 15 * MINUTE });
    const state = bearerApp(server);
    pass(15 * MINUTE - 1_000);
    expect(await burst(state, server)).toEqual(known);
    pass(MINUTE);
    expect(await sequential(state, server, 5)).toEqual({ requests: 5, refreshes: 0, unauthorized: 0, failed: 0 });
    pass(14 * MINUTE);
    expect(await burst(state, server)).toEqual(known);
  });
});

describe('a client clock 10 minutes ahead of the server, 15-minute tokens, one request a minute for an hour', () => {
  it('with iat, as the README says: a refresh per token life, none early, no 401', async () => {
    const server = await start({ mint: honestIat, lifetime: 15 * MINUTE, skew: -10 * MINUTE });
    const cost = await anHour(server);
    expect(cost).toMatchObject({ unauthorized: 0, failed: 0 });
    // The log-in token looks 5 minutes shorter until the first refresh measures the server.
    expect(cost.refreshes).toBe(4);
  });

  it('without iat, refresh returning nothing (the bearer quick start): nothing measured: every token refreshed 10 minutes early', async () => {
    const server = await start({ mint: noIat, lifetime: 15 * MINUTE, skew: -10 * MINUTE });
    const cost = await anHour(server);
    expect(cost).toMatchObject({ unauthorized: 0, failed: 0 });
    // Every token is refreshed 10 minutes early: one every 5 minutes instead of every 15.
    expect(cost.refreshes).toBe(12);
  });

  it('without iat, refresh returning its answer: measured from Date', async () => {
    const server = await start({ mint: noIat, lifetime: 15 * MINUTE, skew: -10 * MINUTE });
    const cost = await anHour(server, true);
    expect(cost).toMatchObject({ unauthorized: 0, failed: 0 });
    expect(cost.refreshes).toBe(4);
  });
});

describe('nothing to measure (no iat, refresh returns nothing): what the README calls "without the correction"', () => {
  it('10 minutes ahead, 5-minute tokens: no refresh per request; each expiry 2N + 1', async () => {
    const server = await start({ mint: noIat, lifetime: 5 * MINUTE, skew: -10 * MINUTE });
    const state = bearerApp(server);
    // The log-in token looks expired: one refresh ahead, then its successor is left to its 401.
    expect(await sequential(state, server, 5)).toEqual({ requests: 6, refreshes: 1, unauthorized: 0, failed: 0 });
    pass(5 * MINUTE + 1_000);
    expect(await burst(state, server)).toEqual(unknown);
    pass(MINUTE);
    expect(await sequential(state, server, 5)).toEqual({ requests: 5, refreshes: 0, unauthorized: 0, failed: 0 });
  });

  it('10 minutes behind, 15-minute tokens: expired tokens are sent, each expiry 2N + 1, never a loop', async () => {
    const server = await start({ mint: noIat, lifetime: 15 * MINUTE, skew: 10 * MINUTE });
    const state = bearerApp(server);
    pass(15 * MINUTE + 1_000);
    expect(await burst(state, server)).toEqual(unknown);
    pass(15 * MINUTE);
    expect(await burst(state, server)).toEqual(unknown);
  });

  it('10 minutes behind, with iat: the first expiry costs 2N + 1, later ones N + 1', async () => {
    const server = await start({ mint: honestIat, lifetime: 15 * MINUTE, skew: 10 * MINUTE });
    const state = bearerApp(server);
    pass(15 * MINUTE + 1_000);
    expect(await burst(state, server)).toEqual(unknown);
    pass(15 * MINUTE);
    expect(await burst(state, server)).toEqual(known);
  });
});
