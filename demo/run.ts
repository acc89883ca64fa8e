import { isSessionExpiredError } from '../src/index.js';
import { burst, describeFailure, lessonClient, libraryClient } from './clients.js';
import type { BurstResult, RefreshNarration } from './clients.js';
import { createTask, getAllTasks, signUp, whoAmI } from './client/utilities.js';
import { waitWithProgress } from './progress.js';
import { startAuthApi } from './server/index.js';
import type { AuthApi, AuthApiStats } from './server/index.js';
import { event, heading, line, note, paint, request, table } from './terminal.js';

// Short enough to finish in seconds, long enough that a request never outlives its token by accident.
const ACCESS_MS = 1_000;
const REFRESH_MS = 3_000;
const BURST = 20;
const MARGIN_MS = 150;

type Counts = Omit<AuthApiStats, 'requests'>;

function counts({ refreshCalls, refreshesRejected, refreshReuse, unauthorized }: AuthApiStats): Counts {
  return { refreshCalls, refreshesRejected, refreshReuse, unauthorized };
}

/** What the server saw while `work` ran. */
async function watch<T>(api: AuthApi, work: () => Promise<T>): Promise<[T, Counts]> {
  const before = counts(api.stats);
  const result = await work();
  const after = counts(api.stats);
  const seen = Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - before[key as keyof Counts]]));
  return [result, seen as unknown as Counts];
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

let sessionExpiredCalls = 0;

// The jar drops a cookie at its Max-Age, as a browser does, so an expired token is usually not sent at all.
const MEANING: Record<string, string> = {
  '401 not_authenticated': 'the access cookie expired with its token',
  '401 token_expired': 'the access token expired',
  '401 token_missing': 'the refresh cookie expired with its token',
};

function explained(error: unknown): string {
  const failure = describeFailure(error);
  const meaning = MEANING[failure];
  return meaning === undefined ? failure : `${failure} (${meaning})`;
}

const narrate: RefreshNarration = {
  started: (trigger) => {
    const why = trigger
      ? `${trigger.config?.method?.toUpperCase() ?? ''} ${trigger.config?.url ?? ''} got ${explained(trigger)}`
      : 'the access token is about to expire';
    event('↻', 'yellow', `${why}: refresh started`);
  },
  succeeded: (ms) => {
    event('↻', 'yellow', `refresh succeeded in ${ms} ms: new access and refresh cookies in the jar`);
  },
  failed: (error) => {
    event('↻', 'magenta', `refresh rejected: ${explained(error)}`);
  },
  sessionExpired: (error) => {
    sessionExpiredCalls += 1;
    event('⚑', 'magenta', `onSessionExpired(${error.code}): the app shows the login page`);
  },
};

async function main(api: AuthApi): Promise<void> {
  line(paint('bold', 'axios-refresh-interceptor demo'));
  note(`reference API on ${api.apiUrl} · access token ${ACCESS_MS / 1000} s · refresh token ${REFRESH_MS / 1000} s`);

  heading(1, 'Sign up and add tasks');
  const ada = libraryClient(api.apiUrl, narrate);
  await signUp(ada.api, { email: 'ada@example.com', password: 'correct horse' });
  request('POST users/create/ ada@example.com', 201);
  note(`cookies: ${['access_token', 'refresh_token'].filter((name) => ada.jar.get(name)?.httpOnly).join(', ')} (HttpOnly)`);
  for (const title of ['Buy milk', 'Write the report', 'Call the plumber']) {
    await createTask(ada.api, title);
    request(`POST tasks/ "${title}"`, 201);
  }
  request('GET tasks/', `200 · ${plural((await getAllTasks(ada.api)).length, 'task')}`);

  heading(2, 'The access token expires; the user keeps working');
  await waitWithProgress(ACCESS_MS + MARGIN_MS, 'waiting past the access token lifetime');
  const [, working] = await watch(api, async () => {
    await createTask(ada.api, 'Water the plants');
    request('POST tasks/ "Water the plants"', 201);
    request('GET tasks/', `200 · ${plural((await getAllTasks(ada.api)).length, 'task')}`);
  });
  event('✓', 'green', `server saw ${plural(working.refreshCalls, 'refresh')}; the user noticed nothing`);

  heading(3, `A burst of ${BURST} requests at access expiry, through the library`);
  await waitWithProgress(ACCESS_MS + MARGIN_MS, 'waiting past the access token lifetime');
  const [library, librarySeen] = await watch(api, () => burst(ada.api, BURST));
  event('✓', 'green', `${library.succeeded}/${library.sent} succeeded · server saw ${plural(librarySeen.unauthorized, '401')} and ${plural(librarySeen.refreshCalls, 'refresh')}`);

  heading(4, `The same burst through the lesson's hand-written _retry interceptor`);
  const bob = lessonClient(api.apiUrl);
  await signUp(bob.api, { email: 'bob@example.com', password: 'hunter2' });
  request('POST users/create/ bob@example.com', 201);
  await waitWithProgress(ACCESS_MS + MARGIN_MS, 'waiting past the access token lifetime');
  const [lesson, lessonSeen] = await watch(api, () => burst(bob.api, BURST));
  compare(library, librarySeen, lesson, lessonSeen);
  const reasons = new Set(lesson.failures.map(describeFailure));
  if (lesson.failures.length > 0) {
    event('•', 'magenta', `as expected of this pattern, ${lesson.failures.length} requests failed with the refresh's ${[...reasons].join(', ')}`);
    note('every refresh after the first presented the refresh token it had just rotated away;');
    note(`to the lesson's app a refresh 401 means "log in again": ${paint('magenta', 'bob is logged out')}`);
  }

  heading(5, 'The refresh token expires: the session is over');
  await waitWithProgress(REFRESH_MS + MARGIN_MS, 'waiting past the refresh token lifetime');
  const callsBefore = sessionExpiredCalls;
  const [outcomes, ending] = await watch(api, () =>
    Promise.allSettled([getAllTasks(ada.api), whoAmI(ada.api), createTask(ada.api, 'Too late')]),
  );
  const expired = outcomes.filter((outcome) => outcome.status === 'rejected' && isSessionExpiredError(outcome.reason));
  event('✓', 'green', `${expired.length}/${outcomes.length} requests rejected with SessionExpiredError · onSessionExpired called ${plural(sessionExpiredCalls - callsBefore, 'time')}`);
  note(`server saw ${plural(ending.refreshCalls, 'refresh')}, ${ending.refreshesRejected} rejected`);
}

function compare(library: BurstResult, librarySeen: Counts, lesson: BurstResult, lessonSeen: Counts): void {
  const good = (text: string): string => paint('green', text);
  const bad = (text: string, isBad: boolean): string => (isBad ? paint('magenta', text) : good(text));
  table([
    ['', paint('bold', 'library'), paint('bold', 'hand-written _retry')],
    ['refresh calls the server saw', good(String(librarySeen.refreshCalls)), bad(String(lessonSeen.refreshCalls), lessonSeen.refreshCalls > 1)],
    ['rotated refresh token reused', good(String(librarySeen.refreshReuse)), bad(String(lessonSeen.refreshReuse), lessonSeen.refreshReuse > 0)],
    ['requests that succeeded', good(`${library.succeeded}/${library.sent}`), bad(`${lesson.succeeded}/${lesson.sent}`, lesson.failures.length > 0)],
  ]);
}

const started = Date.now();
const api = await startAuthApi({ accessTtlMs: ACCESS_MS, refreshTtlMs: REFRESH_MS });
try {
  await main(api);
  line();
  line(paint('green', `✓ demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`));
} catch (error) {
  process.exitCode = 1;
  line(paint('red', `✗ demo failed: ${describeFailure(error)}`));
  console.error(error);
} finally {
  await api.close();
}
