/**
 * The random schedules and invariants of schedules.test.ts on real time, against the model
 * server on a loopback HTTP server, through axios's own http adapter: what an in-memory
 * adapter cannot show (sockets, aborts reaching the server, dropped connections). Fewer runs,
 * since each takes real time: 10, or LOOPBACK_RUNS (200 in `npm run test:stress`). Refresh before
 * expiry runs on the real clock: the server's token lifetimes, the schedule and `expiresAt` all
 * read `Date.now()`, and the checks that depend on when the library looked at a request allow
 * for the clock moving on while it does.
 *
 * A failure prints the seed, the path and the shrunk schedule. To replay that case, in this file:
 *
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run test/model/loopback.test.ts
 *
 * On real time a replay reruns the same schedule; it usually, not always, interleaves the same way.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { integerFromEnv, replayFromEnv } from './helpers/env.js';
import { runOnLoopback } from './helpers/loopback.js';
import { violationError } from './helpers/memory.js';
import { LOOPBACK_SCALE, scheduleArbitrary } from './helpers/schedule.js';

const RUNS = integerFromEnv('LOOPBACK_RUNS', 10);
const TIMEOUT = Math.max(60_000, RUNS * 2_000);

describe('random schedules against a loopback auth server (real sockets, real time)', () => {
  it(
    `keeps every invariant over ${RUNS} schedules`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scheduleArbitrary(LOOPBACK_SCALE), async (schedule) => {
          const report = await runOnLoopback(schedule);
          // A rotation lost to a stalled machine explains a reused token; that run proves nothing.
          fc.pre(!report.lostRotation);
          if (report.violations.length > 0) throw violationError(report);
        }),
        // Shrinking a real-time failure can take long: past this, fast-check reports the
        // smallest failing schedule found so far instead of the test timing out silently.
        { numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIMEOUT - 15_000, { failOnInterrupt: true })], ...replayFromEnv() },
      );
    },
    TIMEOUT,
  );
});
