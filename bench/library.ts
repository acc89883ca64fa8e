import type * as Library from '../src/index.js';

// The bench runs the built package, as apps do: tsx compiles src/ with keepNames, which
// redefines `name` on every named closure and so puts each one into V8's slow mode; in a storm
// that is measured as heap and time of the library's own. A name that TypeScript does not
// resolve, so that the bench also type-checks before the package is built.
const builtPackage: string = 'axios-refresh-interceptor';

export const { createRefreshInterceptor } = (await import(builtPackage)) as typeof Library;
