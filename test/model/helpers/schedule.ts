import fc from 'fast-check';

/** How the auth server answers one refresh call (`429` with the plan's Retry-After, if any). */
export type RefreshOutcome = 'ok' | '401' | '429' | '500' | 'drop' | 'hang';

/** Which of the two instances a request goes through (`b` only with a shared session). */
export type Which = 'a' | 'b';

export interface RequestPlan {
  /** When the app starts the request, in ms from the start of the schedule. */
  readonly at: number;
  /** How long the server takes to answer the first attempt, and the retry. */
  readonly latency: number;
  readonly retryLatency: number;
  readonly on: Which;
  /** When the app aborts it, in ms from `at`; `undefined` when it never does. */
  readonly abortAfter: number | undefined;
  readonly abortVia: 'signal' | 'cancelToken';
  /** Made with `skipAuthRefresh: true`: never held, and its 401 reaches the caller as it is. */
  readonly skip: boolean;
}

/**
 * Refresh before expiry: the server gives each access token a lifetime and reports it with the
 * token, and the app passes `expiresAt` (what it was told) and `refreshMargin`.
 */
export interface AheadPlan {
  /** When the access token the app starts with expires, in ms from the start of the schedule. */
  readonly firstExpiry: number;
  /** How long each access token the server issues lives, in ms. */
  readonly lifetime: number;
  readonly margin: number;
}

export interface RefreshPlan {
  readonly outcome: RefreshOutcome;
  /** How long the server takes to answer (ignored for `hang`). */
  readonly latency: number;
  /** With `429`: the Retry-After header, in seconds or `date` (an HTTP date 3 s ahead); none when undefined. */
  readonly retryAfter: string | undefined;
  /**
   * A late refresh: `refresh` does not pass its signal on, so the call outlives `refreshTimeout`
   * and settles when the server answers. Ignored for `hang`, which would never settle.
   */
  readonly ignoresSignal: boolean;
}

/**
 * How the app logs in, and how the auth server answers: `post` is a `skipAuthRefresh` POST
 * through an instance, answered after `latency` ms with a new access token and a new family of
 * refresh tokens (`revokes`: the server revokes every refresh token it issued before, so that a
 * refresh call still out that presents one is rejected); `begin` is a log-in the library cannot
 * see, which the app tells the session of with `begin()` once the session has ended (before
 * that, `begin()` must change nothing).
 */
export interface LoginHow {
  readonly via: 'begin' | 'post';
  readonly latency: number;
  readonly revokes: boolean;
}

/** A log-in at a moment of the schedule, whatever the session is doing then. */
export interface LoginPlan extends LoginHow {
  readonly at: number;
}

/**
 * A log-in that races refresh call number `call` (1 for the first): the user logs in `after` ms
 * after it starts, mostly while it is out (for a late one, after its waiters gave up), now and
 * then just after it settled.
 */
export interface LoginRace extends LoginHow {
  readonly call: number;
  readonly after: number;
}

/**
 * How the app stacks its own interceptors with the library's: where it adds the request
 * interceptor that sets the token and a pass-through response interceptor, and whether setup
 * code attaches the library a second time (the same options again, or new ones as hot reload does).
 */
export interface StackPlan {
  readonly token: 'before' | 'after';
  readonly response: 'none' | 'before' | 'after';
  readonly again: 'no' | 'same' | 'new';
}

/** What the app and the servers do, and when: one run of the model. */
export interface SchedulePlan {
  readonly stack: StackPlan;
  /** Two instances sharing one session, or a single instance with its own. */
  readonly shared: boolean;
  readonly refreshTimeout: number;
  /** Moments at which the server stops accepting the access token it issued last, ahead of its lifetime. */
  readonly expiries: readonly number[];
  /** Refresh before expiry, or `undefined` for an app that does not know when tokens expire. */
  readonly ahead: AheadPlan | undefined;
  /** The answer to the n-th refresh call; calls past the end of the list succeed after 1 ms. */
  readonly refreshes: readonly RefreshPlan[];
  readonly eject: { readonly at: number; readonly which: Which } | undefined;
  readonly logins: readonly LoginPlan[];
  readonly races: readonly LoginRace[];
  /** onSessionExpired sends the user to log in, and they are back `after` ms later; `undefined`: they never come back. */
  readonly relogin: (LoginHow & { readonly after: number }) | undefined;
  /**
   * When each burst of traffic begins, in ms: the first at 0, the others after a pause, so that
   * requests come during a cooldown and after it (up to a minute, for a capped Retry-After).
   */
  readonly bursts: readonly number[];
  /** What `Math.random` returns during the run: the backoff's jitter, made deterministic. */
  readonly random: number;
  readonly requests: readonly RequestPlan[];
}

export const DEFAULT_REFRESH: RefreshPlan = { outcome: 'ok', latency: 1, retryAfter: undefined, ignoresSignal: false };

export function refreshPlan(schedule: SchedulePlan, call: number): RefreshPlan {
  return schedule.refreshes[call] ?? DEFAULT_REFRESH;
}

function describeRequest(plan: RequestPlan, id: number, shared: boolean): string {
  const on = shared ? ` on ${plan.on}` : '';
  const abort = plan.abortAfter === undefined ? '' : `, aborted (${plan.abortVia}) at ${plan.at + plan.abortAfter} ms`;
  const skip = plan.skip ? ', skipAuthRefresh' : '';
  return `  r${id}${on}${skip} at ${plan.at} ms, answered after ${plan.latency} ms (retry ${plan.retryLatency} ms)${abort}`;
}

function describeLogin(login: LoginHow): string {
  return login.via === 'begin' ? 'begin' : `post answered after ${login.latency} ms${login.revokes ? ', revoking the refresh tokens issued before' : ''}`;
}

function describeAhead(ahead: AheadPlan | undefined): string {
  if (!ahead) return 'no expiresAt: tokens live until revoked';
  return `expiresAt with refreshMargin ${ahead.margin} ms: the first token dies at ${ahead.firstExpiry} ms, each new one ${ahead.lifetime} ms after it is issued`;
}

/** Reads like the story it tells; fast-check prints it for a failing (shrunk) schedule. */
export function describeSchedule(schedule: SchedulePlan): string {
  const eject = schedule.eject === undefined
    ? 'no eject'
    : `eject ${schedule.shared ? `instance ${schedule.eject.which}` : 'the instance'} at ${schedule.eject.at} ms`;
  const refreshes = schedule.refreshes.map((plan, i) => {
    const retryAfter = plan.outcome === '429' && plan.retryAfter !== undefined ? ` (Retry-After: ${plan.retryAfter})` : '';
    const late = plan.ignoresSignal && plan.outcome !== 'hang' ? ', ignoring its signal' : '';
    return `#${i + 1} ${plan.outcome}${retryAfter}${plan.outcome === 'hang' ? '' : ` after ${plan.latency} ms`}${late}`;
  });
  const logins = schedule.logins.map((login) => `${login.at} ms (${describeLogin(login)})`);
  const races = schedule.races.map((race) => `${race.after} ms after refresh #${race.call} starts (${describeLogin(race)})`);
  const { stack } = schedule;
  const again = { no: 'attached once', same: 'attached twice with the same options', new: 'attached again with new options' }[stack.again];
  return [
    `${schedule.shared ? 'two instances sharing one session' : 'one instance'}, refreshTimeout ${schedule.refreshTimeout} ms, ${eject}`,
    `app token interceptor added ${stack.token} attaching, response interceptor ${stack.response === 'none' ? 'none' : `added ${stack.response}`}, ${again}`,
    `the server revokes the access token at: ${schedule.expiries.length === 0 ? 'never' : schedule.expiries.map((t) => `${t} ms`).join(', ')}`,
    describeAhead(schedule.ahead),
    `refresh calls: ${[...refreshes, `then ok after ${DEFAULT_REFRESH.latency} ms`].join(', ')}`,
    `bursts of traffic from: ${schedule.bursts.map((t) => `${t} ms`).join(', ')}; Math.random() = ${schedule.random}`,
    `log-ins: ${logins.length === 0 ? 'none' : logins.join(', ')}; racing refreshes: ${races.length === 0 ? 'none' : races.join(', ')}; ${schedule.relogin ? `after onSessionExpired, ${schedule.relogin.after} ms later (${describeLogin(schedule.relogin)})` : 'none after onSessionExpired'}`,
    `${schedule.requests.length} requests:`,
    ...schedule.requests.map((plan, id) => describeRequest(plan, id, schedule.shared)),
  ].join('\n');
}

function withDescription(generated: SchedulePlan): SchedulePlan {
  const schedule = { ...generated };
  return Object.defineProperty(schedule, 'toString', {
    value: () => `\n${describeSchedule(schedule)}\n`,
    enumerable: false,
  });
}

/** Ranges of the random times, in ms: a memory run uses fake time, a loopback run real time. */
export interface TimeScale {
  readonly horizon: number;
  readonly latency: number;
  readonly abortAfter: number;
  readonly refreshLatency: number;
  /** Latencies of a refresh that ignores its signal: now and then past `refreshTimeout`, a late refresh. */
  readonly lateRefreshLatency: { readonly min: number; readonly max: number };
  readonly refreshTimeout: { readonly min: number; readonly max: number };
  readonly maxRequests: number;
  /**
   * Token lifetimes of the schedules that refresh before expiry, and their largest usual margin.
   * With a margin of at most half the lifetime, a token is good for 10 ms or more (5 on real time),
   * so that refreshes do not come back to back.
   */
  readonly lifetime: { readonly min: number; readonly max: number };
  readonly margin: number;
  /**
   * The pause between one burst of traffic (`horizon` long) and the next, and how many bursts
   * may follow the first: to land before and after the end of a cooldown (125 ms to 5 s of
   * backoff, or a Retry-After of up to a minute).
   */
  readonly pauses: ReadonlyArray<{ readonly min: number; readonly max: number; readonly weight: number }>;
  readonly maxPauses: number;
}

export const MEMORY_SCALE: TimeScale = {
  horizon: 100,
  latency: 30,
  abortAfter: 60,
  refreshLatency: 40,
  lateRefreshLatency: { min: 0, max: 250 },
  // Below the refresh latencies now and then, so that slow refreshes time out too.
  refreshTimeout: { min: 5, max: 100 },
  maxRequests: 200,
  lifetime: { min: 20, max: 150 },
  margin: 40,
  // Fake time: a pause costs nothing, a minute included.
  pauses: [
    { min: 0, max: 600, weight: 3 },
    { min: 0, max: 6_000, weight: 2 },
    { min: 59_900, max: 60_100, weight: 1 },
  ],
  maxPauses: 3,
};

/**
 * Real time: refreshes that honour their signal answer well within `refreshTimeout`, so only
 * `hang` times out among them (a refresh answered just as the client gives up would rotate a
 * token the client never gets); one that ignores its signal may answer late, and the client
 * still gets its tokens. A pause is waited for, so there is one at most, and short: past the
 * first backoff (125 to 250 ms) now and then.
 */
export const LOOPBACK_SCALE: TimeScale = {
  horizon: 60,
  latency: 15,
  abortAfter: 40,
  refreshLatency: 20,
  lateRefreshLatency: { min: 0, max: 300 },
  refreshTimeout: { min: 150, max: 250 },
  maxRequests: 200,
  lifetime: { min: 10, max: 90 },
  margin: 25,
  pauses: [{ min: 0, max: 300, weight: 1 }],
  maxPauses: 1,
};

/** A time within one burst of traffic: which burst (modulo their number), and when in it. */
type Placed<T> = readonly [burst: number, plan: T];

function placed<T>(plan: fc.Arbitrary<T>): fc.Arbitrary<Placed<T>> {
  return fc.tuple(fc.nat({ max: 3 }), plan);
}

function requestArbitrary(scale: TimeScale, shared: boolean): fc.Arbitrary<RequestPlan> {
  return fc.record({
    at: fc.integer({ min: 0, max: scale.horizon }),
    latency: fc.integer({ min: 0, max: scale.latency }),
    retryLatency: fc.integer({ min: 0, max: scale.latency }),
    on: shared ? fc.constantFrom<Which>('a', 'b') : fc.constant<Which>('a'),
    abortAfter: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 9 },
      { arbitrary: fc.integer({ min: 0, max: scale.abortAfter }), weight: 1 },
    ),
    abortVia: fc.constantFrom<RequestPlan['abortVia']>('signal', 'cancelToken'),
    skip: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
  });
}

function aheadArbitrary(scale: TimeScale): fc.Arbitrary<AheadPlan | undefined> {
  const plan = fc.integer(scale.lifetime).chain((lifetime) =>
    fc.record({
      firstExpiry: fc.integer({ min: 0, max: scale.horizon }),
      lifetime: fc.constant(lifetime),
      // Mostly well below the lifetime, as the README asks. Now and then at or past it: each new
      // token is within the margin as it is stored, and the library must not refresh before
      // every request.
      margin: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: Math.min(scale.margin, Math.floor(lifetime / 2)) }), weight: 29 },
        { arbitrary: fc.integer({ min: lifetime, max: lifetime + 10 }), weight: 1 },
      ),
    }),
  );
  // A third of the schedules: they take more refreshes, and time, than the others.
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: plan, weight: 1 });
}

function refreshArbitrary(scale: TimeScale, outcomes: readonly RefreshOutcome[]): fc.Arbitrary<RefreshPlan> {
  return fc
    .record({
      // Each failure but 401 starts a cooldown that outlasts a burst, and 401 ends the session:
      // successes are as likely as all of them together, so that runs do not all die young.
      outcome: outcomes.includes('ok')
        ? fc.oneof({ arbitrary: fc.constant<RefreshOutcome>('ok'), weight: 1 }, { arbitrary: fc.constantFrom(...outcomes.filter((o) => o !== 'ok')), weight: 1 })
        : fc.constantFrom(...outcomes),
      ignoresSignal: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
      // Whole seconds, a minute past the cap, and a date; none at all falls back on the backoff.
      retryAfter: fc.constantFrom<string | undefined>(undefined, '0', '2', '120', 'date'),
    })
    .chain(({ outcome, ignoresSignal, retryAfter }) =>
      fc
        .integer(ignoresSignal ? { min: scale.lateRefreshLatency.min, max: scale.lateRefreshLatency.max } : { min: 0, max: scale.refreshLatency })
        .map((latency) => ({ outcome, latency, ignoresSignal, retryAfter: outcome === '429' ? retryAfter : undefined })),
    );
}

/** How a log-in is made: a POST `posts` times as often as `begin()`, half the time answered at once. */
function loginHow(scale: TimeScale, posts: number) {
  return {
    via: fc.oneof({ arbitrary: fc.constant<LoginHow['via']>('post'), weight: posts }, { arbitrary: fc.constant<LoginHow['via']>('begin'), weight: 1 }),
    latency: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 1 },
      { arbitrary: fc.integer({ min: 0, max: scale.refreshLatency }), weight: 1 },
    ),
    revokes: fc.boolean(),
  };
}

/**
 * A log-in racing a refresh call, as drawn: when it is sent, as a share of the time the call takes
 * to be answered (past 1: after it was answered, during the cooldown or the end that followed);
 * whether it is answered before or after the call; what the call's answer is then (`planned`: as
 * the list of refresh calls has it); `late`: the call ignores its signal and is answered past
 * `refreshTimeout`, and the log-in is sent after its waiters gave up.
 */
interface RaceDraw {
  readonly call: number;
  readonly share: number;
  readonly answered: 'first' | 'after';
  readonly outcome: 'planned' | 'ok' | '401' | '500';
  readonly late: boolean;
  readonly login: LoginHow;
}

function raceArbitrary(): fc.Arbitrary<RaceDraw> {
  return fc.record({
    call: fc.integer({ min: 1, max: 3 }),
    share: fc.oneof(
      { arbitrary: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), weight: 3 },
      { arbitrary: fc.double({ min: 1, max: 2, maxExcluded: true, noNaN: true }), weight: 1 },
    ),
    answered: fc.oneof({ arbitrary: fc.constant<RaceDraw['answered']>('first'), weight: 3 }, { arbitrary: fc.constant<RaceDraw['answered']>('after'), weight: 2 }),
    outcome: fc.oneof(
      { arbitrary: fc.constantFrom<RaceDraw['outcome']>('planned', '500'), weight: 2 },
      { arbitrary: fc.constantFrom<RaceDraw['outcome']>('ok', '401'), weight: 4 },
    ),
    late: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    // A POST: begin() before an end changes nothing, and the timed log-ins try it.
    login: fc.record({ via: fc.constant<LoginHow['via']>('post'), latency: fc.integer({ min: 0, max: 3 }), revokes: fc.boolean() }),
  });
}

/**
 * The race as the schedule runs it: sent `share` of the way into the time the call is out (past
 * `refreshTimeout` when late), answered up to 3 ms before or after the call settles. `refreshes` is made
 * long enough to hold the call, whose plan the race may change.
 */
function placeRace(race: RaceDraw, refreshes: RefreshPlan[], refreshTimeout: number): LoginRace {
  while (refreshes.length < race.call) refreshes.push(DEFAULT_REFRESH);
  const index = race.call - 1;
  let plan = refreshes[index]!;
  if (race.outcome !== 'planned') plan = { ...plan, outcome: race.outcome, retryAfter: undefined };
  if (race.late && plan.outcome !== 'hang') plan = { ...plan, ignoresSignal: true, latency: Math.max(plan.latency, refreshTimeout + 5) };
  refreshes[index] = plan;
  // A call that passes its signal on ends when its waiters give up, if it is not answered before.
  const ends = plan.ignoresSignal && plan.outcome !== 'hang' ? plan.latency : Math.min(plan.outcome === 'hang' ? Infinity : plan.latency, refreshTimeout);
  const from = race.late ? refreshTimeout + 1 : 0;
  const after = from + Math.floor(race.share * Math.max(0, ends - from));
  const left = Math.max(0, ends - after);
  const latency = race.answered === 'first' ? Math.max(0, Math.min(race.login.latency, left - 1)) : left + 1 + race.login.latency;
  return { call: race.call, after, ...race.login, latency };
}

function pauseArbitrary(scale: TimeScale): fc.Arbitrary<number> {
  return fc.oneof(...scale.pauses.map(({ min, max, weight }) => ({ arbitrary: fc.integer({ min, max }), weight })));
}

/** Schedules of 1 to `scale.maxRequests` requests with every kind of event the model knows. */
export function scheduleArbitrary(
  scale: TimeScale,
  outcomes: readonly RefreshOutcome[] = ['ok', '401', '429', '500', 'drop', 'hang'],
): fc.Arbitrary<SchedulePlan> {
  return fc.boolean().chain((shared) =>
    fc
      .record({
        stack: fc.record({
          token: fc.constantFrom<StackPlan['token']>('before', 'after'),
          response: fc.constantFrom<StackPlan['response']>('none', 'before', 'after'),
          // New options give a second session, which the model's one-session story only has alone.
          again: shared ? fc.constantFrom<StackPlan['again']>('no', 'same') : fc.constantFrom<StackPlan['again']>('no', 'same', 'new'),
        }),
        shared: fc.constant(shared),
        refreshTimeout: fc.integer(scale.refreshTimeout),
        expiries: fc.array(placed(fc.integer({ min: 0, max: scale.horizon })), { maxLength: 4 }),
        ahead: aheadArbitrary(scale),
        refreshes: fc.array(refreshArbitrary(scale, outcomes), { maxLength: 6 }),
        eject: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 7 },
          {
            arbitrary: placed(
              fc.record({
                at: fc.integer({ min: 0, max: scale.horizon + scale.latency }),
                which: shared ? fc.constantFrom<Which>('a', 'b') : fc.constant<Which>('a'),
              }),
            ),
            weight: 3,
          },
        ),
        logins: fc.array(
          placed(fc.record({ at: fc.integer({ min: 0, max: scale.horizon }), ...loginHow(scale, 3) })),
          { maxLength: 3 },
        ),
        races: fc.array(raceArbitrary(), { minLength: 1, maxLength: 4 }),
        relogin: fc.option(fc.record({ after: fc.integer({ min: 0, max: scale.horizon }), ...loginHow(scale, 1) }), { nil: undefined }),
        pauses: fc.array(pauseArbitrary(scale), { maxLength: scale.maxPauses }),
        random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        requests: fc.array(placed(requestArbitrary(scale, shared)), { minLength: 1, maxLength: scale.maxRequests, size: 'max' }),
      })
      .map(({ expiries, eject, logins, races, pauses, requests, ...rest }) => {
        const refreshes = [...rest.refreshes];
        const placedRaces = races.map((race) => placeRace(race, refreshes, rest.refreshTimeout));
        const bursts = [0];
        for (const pause of pauses) bursts.push(bursts[bursts.length - 1]! + scale.horizon + pause);
        const start = (burst: number): number => bursts[burst % bursts.length]!;
        return withDescription({
          ...rest,
          refreshes,
          races: placedRaces,
          expiries: expiries.map(([burst, at]) => start(burst) + at).sort((x, y) => x - y),
          eject: eject && { ...eject[1], at: start(eject[0]) + eject[1].at },
          logins: logins.map(([burst, login]) => ({ ...login, at: start(burst) + login.at })).sort((x, y) => x.at - y.at),
          bursts,
          requests: requests.map(([burst, plan]) => ({ ...plan, at: start(burst) + plan.at })),
        });
      }),
  );
}
