import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The fetch entry point and the session must not need axios, not even for a type: an app that
// uses only `fetch` has none installed. Read from the sources, so that a failure names the file.
const src = resolve(import.meta.dirname, '../../src');
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module `entry` reaches through its imports and re-exports, type-only ones included, with what each imports. */
async function graph(entry: string): Promise<Map<string, string[]>> {
  const seen = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    const text = await readFile(join(src, file), 'utf8');
    const specifiers = [...text.matchAll(SPECIFIER)].map((match) => (match[1] ?? match[2] ?? match[3])!);
    seen.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('./')) pending.push(specifier.slice(2).replace(/\.js$/, '.ts'));
    }
  }
  return seen;
}

describe('the fetch entry point without axios', () => {
  it('imports nothing from axios, at run time or for types, through the session and every part it re-exports', async () => {
    const modules = await graph('fetch.ts');
    // What the entry point is made of, so that an empty graph cannot pass.
    expect([...modules.keys()]).toEqual(
      expect.arrayContaining(['fetch.ts', 'session.ts', 'fetch-session.ts', 'fetch-errors.ts', 'codes.ts', 'bearer.ts', 'expiry.ts', 'events.ts', 'origins.ts', 'checks.ts']),
    );
    const axiosImports = [...modules].filter(([, specifiers]) => specifiers.some((s) => s === 'axios' || s.startsWith('axios/'))).map(([file]) => file);
    expect(axiosImports).toEqual([]);
  });

  it('sees an axios import where there is one, so the check above means something', async () => {
    const modules = await graph('index.ts');
    expect(modules.get('errors.ts')).toContain('axios');
  });
});
