import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Builds the web app into `outDir` and returns it; the reference API serves what is there. */
export async function buildWebApp(outDir: string = join(root, 'dist'), options: { quiet?: boolean } = {}): Promise<string> {
  await build({
    root,
    configFile: false,
    logLevel: options.quiet === true ? 'silent' : 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}
