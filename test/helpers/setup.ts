import { afterEach, expect, vi } from 'vitest';

// The library must never write to the console; any call during a test fails that test.
const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const calls: string[] = [];
for (const method of methods) {
  console[method] = (...args: unknown[]) => {
    calls.push(`console.${method}: ${args.map(String).join(' ')}`);
  };
}

afterEach(() => {
  vi.useRealTimers();
  const seen = calls.splice(0);
  expect(seen, 'console output').toEqual([]);
});
