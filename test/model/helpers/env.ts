/** An integer from the environment, or `fallback` when the variable is unset or empty. */
export function integerFromEnv(name: string, fallback: number): number;
export function integerFromEnv(name: string): number | undefined;
export function integerFromEnv(name: string, fallback?: number): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`${name} must be an integer, got ${value}`);
  return parsed;
}

/** fast-check's `seed` and `path` from FC_SEED and FC_PATH, to replay a reported failure. */
export function replayFromEnv(): { seed?: number; path?: string } {
  const seed = integerFromEnv('FC_SEED');
  const path = process.env.FC_PATH;
  return {
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path }),
  };
}
