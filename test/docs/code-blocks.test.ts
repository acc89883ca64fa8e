import { describe, expect, it } from 'vitest';
import { blocksOf, compileBlocks } from './helpers/blocks.js';

const DOCUMENTS = [
  'README.md',
  'docs/migrating-from-axios-auth-refresh.md',
  'docs/migrating-from-axios-jwt.md',
  'docs/migrating-from-hand-written-interceptor.md',
  'docs/where-the-retry-happens.md',
  'docs/session-states.md',
  'docs/parts.md',
];

describe('code blocks in the docs', () => {
  it('compile as written, imports included: TypeScript under strict, JavaScript as an editor checks it', () => {
    const blocks = DOCUMENTS.flatMap(blocksOf);
    expect(blocks.length).toBeGreaterThan(20);
    expect(compileBlocks(blocks)).toEqual([]);
  }, 60_000);
});
