import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, blocksOf } from '../../docs/helpers/blocks.js';

/** Where the README's recipes are written to run; removed after the tests, ignored by git and lint. */
const DIR = join(ROOT, '.recipes-run');

/**
 * Writes the README block that contains `marker` as a module of its own, with the package's name
 * pointing at the source, so that the test runs the recipe exactly as the README prints it.
 */
export async function recipe(marker: string, name: string): Promise<string> {
  const block = blocksOf('README.md').find((b) => b.code.includes(marker));
  if (!block) throw new Error(`The README has no block with ${marker}`);
  await mkdir(DIR, { recursive: true });
  const file = join(DIR, `${name}.ts`);
  await writeFile(file, block.code.replaceAll("from 'axios-refresh-interceptor'", "from '../src/index.js'"));
  return file;
}

export async function removeRecipes(): Promise<void> {
  await rm(DIR, { recursive: true, force: true });
}
