/**
 * The apps whose bundles price the library: the design card's call, then each part an app opts
 * into on top of it, then everything. Shared by the size check and the benchmark report.
 */
const MAIN = 'axios-refresh-interceptor';

export interface PricedApp {
  /** What the app imports, as the docs show it. */
  readonly label: string;
  /** The app module: it re-exports what it imports, so that nothing can be dropped. */
  readonly source: string;
}

const uses = (names: string, from = MAIN): string => `export { ${names} } from '${from}';`;

/** The design card's app: `createRefreshInterceptor(api, { refresh, onSessionExpired })`. */
export const CORE: PricedApp = { label: '`createRefreshInterceptor`', source: uses('createRefreshInterceptor') };

/** Each part, priced as what it adds to the design card's app. */
export const PARTS: readonly PricedApp[] = [
  { label: '`bearer` (bearer tokens)', source: uses('createRefreshInterceptor, bearer') },
  { label: '`expiry` (refresh ahead of a known expiry)', source: uses('createRefreshInterceptor, expiry') },
  { label: '`jwtExpiry` (refresh ahead of a JWT\'s `exp`)', source: uses('createRefreshInterceptor, jwtExpiry') },
  { label: '`bearer` and `jwtExpiry` together', source: uses('createRefreshInterceptor, bearer, jwtExpiry') },
  { label: '`observe` (events)', source: uses('createRefreshInterceptor, observe') },
  { label: '`getAccessToken` (a token for sockets and streams)', source: uses('createRefreshInterceptor, getAccessToken') },
  { label: '`wwwAuthenticate` (the server\'s challenges)', source: uses('createRefreshInterceptor, wwwAuthenticate') },
  { label: '`refreshOnWake` (a refresh when the app wakes)', source: uses('createRefreshInterceptor, refreshOnWake') },
  { label: '`createRefreshFetch` (fetch)', source: `${CORE.source}\n${uses('createRefreshFetch', `${MAIN}/fetch`)}` },
  { label: '`createTabSession` (tabs)', source: `${CORE.source}\n${uses('createTabSession', `${MAIN}/tabs`)}` },
];

/** An app that uses only `fetch`: its session from `/fetch`, with no axios at all. */
export const FETCH_ONLY: PricedApp = {
  label: '`/fetch` alone: its `createRefreshSession` and `createRefreshFetch`',
  source: uses('createRefreshSession, createRefreshFetch', `${MAIN}/fetch`),
};

/** Every export of every entry point: what an app that uses all of it ships. */
export const EVERYTHING: PricedApp = {
  label: 'every export of `.`, `/fetch` and `/tabs`',
  source: [MAIN, `${MAIN}/fetch`, `${MAIN}/tabs`].map((from) => `export * from '${from}';`).join('\n'),
};
