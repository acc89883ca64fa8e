import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, bundleSize } from './bundle-size.js';
import { CORE, EVERYTHING, FETCH_ONLY } from './parts.js';
import { priceParts, readmeTable } from './prices.js';

// What an app pays, gzipped, for the library on top of axios, built for production. The
// ceilings fail the check, so that sizes can only go down from where they are; docs/benchmarks.md
// accounts for every byte. EVERYTHING_CEILING is what an app that opts into every part ships.
// Raised from 7 050 by what every session does for parts that came after it: the hook for
// `challenges` (+39) and the refresh's answer handed to the expiry parts, whose clock reads its
// `Date` (+16). Lowered from 7 100 to 7 070 when one count of moves replaced each request's map of
// epochs, then raised by the fixes that trying real stacks found (+303: the call an ejected
// interceptor leaves out, a stream inside a postForm object, the origin a redirect led to, a
// Retry-After shorter than the backoff, the copied defaults of the instance that prepares retries),
// and again by the next round of them (+291: a log-in while a refresh is out, the refresh client
// kept after its instance is collected, the caller's URL and params rebuilt, a held stream body
// prepared once, a 401's stream body let go, calls to other origins not held, the call an
// ejected session left out waited for by a session shared with other instances), and +80 for a
// cooldown that a wall clock turned back does not stretch (its length on the monotonic clock).
// Then +127 for the errors an app keeps letting go of the session (their stacks read, causes
// too) and a request's own `transformResponse` judged below it, and +9 for the refresh a log-in
// overtook: reported to observers, and the backoff started over. Then +87 for the wiring kept on
// the instance under a key every copy of the library shares, so that a second copy (the ESM and
// CommonJS builds both loaded) is refused instead of refreshing twice for one expiry; lowered
// by 20 when what an ejected session leaves on an instance became its call, waited for however
// late, and its cooldown, instead of a call with a time limit; then +41 for a copy of the
// request's params, so that an interceptor that adds to them in place does it once on a retry,
// and +8 for a cooldown that a hook may lengthen (the tabs' shared one). Then +179 for the fixes
// that trying a session's end found: what an ejected session leaves is kept per purpose and
// given to an interceptor already attached for it (a hot reload that attaches before it ejects,
// and the earlier one back in force) (+103); an abandoned call that stays the session's one call,
// a late refresh ahead that holds nothing while the token works and one that fails past the
// expiry that sends nothing, and `retryAt` in a clock turned back (+63); a request an eject lets
// go of sent with the token of the session that held it (+13); and +30 for a call waiting behind
// one that succeeded, which then makes none (a hot reload during a slow refresh); and +22 for a
// log-in the session cannot see while a refresh is out (a new bearer token, `begin()`). Then -8 for
// the session's `loggedIn`, now `begin()`, +13 for an end that aborts the refresh call it overtook,
// and +111 for a refresh that does not take (the retry made for it refused again with its
// credentials), which starts a cooldown whose backoff grows with each such refresh in a row, and
// +19 for the call that gave those credentials, told of in the event of their refusal. Then +8
// for tokens another tab hands over, read as a log-in's rather than a refresh's (their `iat` and
// how long they have left tell nothing), and +18 for a 401 to a request that carried an
// `Authorization` of its own, which is not the session's; -4 for deciding that as the request goes
// out, with the token current as it starts, and +12 for tokens handed over while a tab's first
// refresh waits for them, and +10 for such tokens refused, which a refresh of the tab's own follows.
// Then +15 for a request with credentials of its own, which does not wait for a refresh. Then +4
// for a request that waits until no refresh is due, not only for the one in flight (a refresh a
// log-in overtook leaves the log-in's token, maybe due), and +41 for a log-in that comes back while
// a refresh is out, counted as one that went out then (every non-GET `skipAuthRefresh` request now
// goes through the library's adapter, so that its answer is seen). Then +33 for an error's message
// that says the app or another tab ended the session, where it said the server had rejected a
// refresh, and +16 for the latest end kept after a log-in, so that a request sent before it is
// never sent again with that log-in's credentials, and +32 for `end()` on every session, which
// an app calls after its log-out (it was the tab session's only). Then +19 for `superseded`, the
// refresh's signal that a log-out or a log-in overtook its call (so that it stores nothing over
// the next user's tokens), and +8 for a refresh that `getAccessToken` starts for a refused token,
// whose failure holds requests back as one a 401 started does (it was taken for a refresh ahead),
// and +7 for `end()` on a session that had ended already, which still marks the requests sent
// before it as the dead session's.
const CEILING = 8574;
// Raised from 10 430 by the parts that came after it (getAccessToken, wwwAuthenticate and the
// parser it exports, the expiry parts' clock, refreshOnWake), each priced below, and by the fixes
// above with those of tabs, fetch and getAccessToken (+508 in all), then by a JWT's claims read in
// milliseconds when a server writes them so, and the DPoP nonce challenge with its nonce (+24),
// and the two fixes above the core ceiling's last (+129), and the overtaken refresh with the fetch
// side's kept errors and aborted calls (+9), the second copy refused (+72), and less the time
// limit on the call an ejected session left (-25), the params copied (+47), and tabs that back
// off together, start in a cooldown in force and ask the open tabs for tokens (+215), and the
// fixes above the core ceiling's last (+199, then +32, +22), and a short-lived token given until
// it expires, not for good, with a late refresh ahead not waited for by `getAccessToken` (+19),
// and the three changes above the core ceiling's last, with the fetch side's refresh that does
// not take (+138, then +20), and the two changes above the core ceiling's last, with the bearer
// part's own check and the fetch side's (+72), then the bearer part's tokens in any scheme and
// the tabs' shared lock that tells a new tab others are open (+134), and the tabs' answer that
// they have no tokens either (+86), and handed tokens refused, refreshed (+31), and a token that
// cannot be read as a request starts left to the send (+6), and a request with credentials of its
// own not held for a refresh (+32), and the two changes above the core ceiling's last with the
// same waits on the fetch side and in `getAccessToken`, a fetch call with an `Authorization` of its
// own not held, a stream body's call that waits for its refresh, and a tab's log-in while its
// refresh is out, told to the other tabs (+105). Then +88 for the message above on both
// transports, `getAccessToken` called by `refresh` given the token being replaced at once, and
// tabs that use no Web Locks or BroadcastChannel in Node, even under jsdom, and ask no tab for
// tokens where there is no channel; and +4 for the same bytes in another order, once the checks
// that answer with a promise (dropped in production) were added; then +20 for the latest end
// kept after a log-in, as above; and +5 for `end()` on every session, which the tab session's
// now calls. Then +66 for the two changes above the core ceiling's last, with a log-in in
// another tab that supersedes a refresh out here, the refused token's refresh that
// `getAccessToken` tells the session of, and `refreshOnWake`'s last wake kept on both clocks, so
// that a clock turned back lets no wake through `minInterval`. Then +30 for React Native's fetch:
// a `Request` of any method but GET and HEAD copied before it is sent (the polyfill's has no
// `body`), and an abort that rejects with an `AbortError` where Hermes has no `DOMException`; and
// +10 for the second `end()` above.
const EVERYTHING_CEILING = 14284;

const column = (text: string): string => text.padEnd(56);
const bytes = (size: { minified: number; gzipped: number }): string =>
  `${String(size.minified).padStart(6)} B minified ${String(size.gzipped).padStart(6)} B gzipped`;

if (!existsSync(join(ROOT, 'dist/index.js'))) {
  console.error('dist/index.js is missing: run `npm run build` first.');
  process.exit(1);
}

const { core, parts, everything, fetchOnly } = await priceParts();
const guard = await bundleSize("export { isSessionExpiredError } from 'axios-refresh-interceptor';");
console.log(`${column(`${CORE.label}, the design card's app`)}${bytes(core)}   ceiling ${CEILING} B`);
for (const { label, size } of parts) {
  console.log(`${column(`  + ${label}`)}${bytes({ minified: size.minified - core.minified, gzipped: size.gzipped - core.gzipped })}`);
}
console.log(`${column(EVERYTHING.label)}${bytes(everything)}   ceiling ${EVERYTHING_CEILING} B`);
console.log(`${column(FETCH_ONLY.label)}${bytes(fetchOnly)}`);
console.log(`${column('`isSessionExpiredError` alone')}${bytes(guard)}`);

let failed = false;
if (core.gzipped > CEILING) {
  failed = true;
  console.error(`\nThe design card's app is over its ceiling of ${CEILING} B gzipped. Where the bytes are, by source file:`);
  const bySource = await bundleSize("export { createRefreshInterceptor } from './src/index.ts';");
  for (const input of bySource.inputs) {
    console.error(`  ${input.file.padEnd(22)}${String(input.minified).padStart(6)} B minified  ~${input.gzipped} B gzipped`);
  }
}
if (everything.gzipped > EVERYTHING_CEILING) {
  failed = true;
  console.error(`\nEvery part together is over ${EVERYTHING_CEILING} B gzipped.`);
}
// An app that only checks errors must not bundle the interceptor: that takes `sideEffects: false`
// and exports that a bundler can drop one by one.
if (guard.gzipped * 2 > core.gzipped) {
  failed = true;
  console.error('\nImporting only isSessionExpiredError bundles most of the library: unused exports are no longer dropped.');
}
// The README's figures are the ones measured here, not copied by hand.
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
if (!readme.includes(`<!-- generated:sizes -->\n${readmeTable({ core, parts, everything, fetchOnly })}\n<!-- /generated:sizes -->`)) {
  failed = true;
  console.error('\nThe size table in README.md is not what was measured: run `npm run bench -- --bytes`.');
}
// And so are the figures its prose quotes, in the table's unit (1 kB = 1 024 bytes).
const kB = (size: { gzipped: number }): string => (size.gzipped / 1024).toFixed(1);
for (const quoted of [
  `${kB(core)} kB gzip in an app's production build (${kB(fetchOnly)} kB for \`fetch\` alone`,
  `its build bundles ${kB(fetchOnly)} kB gzip of the library`,
]) {
  if (!readme.includes(quoted)) {
    failed = true;
    console.error(`\nREADME.md no longer says what was measured; it should say: ${quoted}`);
  }
}
process.exitCode = failed ? 1 : 0;
