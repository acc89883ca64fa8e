import type * as Fetch from '../src/fetch.js';
import type * as Library from '../src/index.js';

// The bench runs the built package, as apps do: tsx compiles src/ with keepNames, which
// redefines `name` on every named closure and so puts each one into V8's slow mode; in a storm
// that is measured as heap and time of the library's own. Names that TypeScript does not
// resolve, so that the bench also type-checks before the package is built.
const builtPackage: string = 'axios-refresh-interceptor';
const builtFetch: string = 'axios-refresh-interceptor/fetch';

export const { bearer, createRefreshInterceptor, createRefreshSession, expiry, jwtExpiry } = (await import(builtPackage)) as typeof Library;
export const { createRefreshFetch } = (await import(builtFetch)) as typeof Fetch;
