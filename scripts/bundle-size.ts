import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The package root: esbuild resolves the package's own name from here through `exports`. */
export const ROOT: string = fileURLToPath(new URL('..', import.meta.url));

export interface InputShare {
  /** Relative to the package root. */
  file: string;
  /** Bytes this file left in the minified bundle, from esbuild's metafile. */
  minified: number;
  /** Its share of the gzipped size, in proportion to `minified`: gzip has no per-file figure. */
  gzipped: number;
}

export interface BundleSize {
  minified: number;
  gzipped: number;
  inputs: InputShare[];
}

/**
 * Bundles `source`, an app module, the way an app's bundler would: axios stays external (it is
 * a peer dependency the app bundles anyway), `process.env.NODE_ENV` is `"production"`, unused
 * exports are dropped, the result is minified and gzipped at the highest level.
 */
export async function bundleSize(source: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: 'app.js', loader: 'js' },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['axios'],
    // As an app's production build has it: the library's argument checks are dropped.
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no output');
  const minified = output.contents.byteLength;
  const gzipped = gzipSync(output.contents, { level: 9 }).byteLength;
  const [meta] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(meta?.inputs ?? {})
    .filter(([file, input]) => file !== 'app.js' && input.bytesInOutput > 0)
    .map(([file, input]) => ({
      file,
      minified: input.bytesInOutput,
      gzipped: Math.round((gzipped * input.bytesInOutput) / minified),
    }))
    .sort((a, b) => b.minified - a.minified);
  return { minified, gzipped, inputs };
}
