import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const ROOT = join(import.meta.dirname, '../../..');

/** One fenced code block of a document, where it starts. */
export interface Block {
  readonly file: string;
  /** 1-based line of the block's first code line. */
  readonly line: number;
  readonly language: 'ts' | 'tsx' | 'js';
  readonly code: string;
}

/** The ```ts, ```tsx and ```js blocks of a Markdown file, in order. */
export function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|tsx|typescript|js|javascript)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const language = open[1] === 'tsx' ? 'tsx' : open[1]?.startsWith('t') ? 'ts' : 'js';
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    blocks.push({ file, line: start + 1, language, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowJs: true,
  jsx: ts.JsxEmit.ReactJSX,
  checkJs: true,
  // An app imports the package by its name; here that name is the source, so no build is needed.
  baseUrl: ROOT,
  paths: {
    'axios-refresh-interceptor': ['src/index.ts'],
    'axios-refresh-interceptor/fetch': ['src/fetch.ts'],
    'axios-refresh-interceptor/tabs': ['src/tabs.ts'],
  },
};

/**
 * Compiles every block as a module of its own, as an app would have it in a file, and returns
 * each error as `file:line: message`, at the block's line in the document. TypeScript blocks
 * compile under `strict`; JavaScript blocks are checked as an editor checks a `.js` file.
 */
export function compileBlocks(blocks: readonly Block[]): string[] {
  const virtual = new Map<string, Block>();
  blocks.forEach((block, i) => virtual.set(join(ROOT, `.docs-blocks/block-${i}.${block.language}`), block));
  const source = (block: Block): string => `${block.code}\nexport {};\n`;
  const host = ts.createCompilerHost(OPTIONS);
  const real = ts.createCompilerHost(OPTIONS);
  host.fileExists = (name) => virtual.has(name) || real.fileExists(name);
  host.readFile = (name) => {
    const block = virtual.get(name);
    return block ? source(block) : real.readFile(name);
  };
  host.getSourceFile = (name, language, ...rest) => {
    const block = virtual.get(name);
    return block ? ts.createSourceFile(name, source(block), language, true) : real.getSourceFile(name, language, ...rest);
  };
  // An editor checks JavaScript without `strict`: untyped parameters are what JavaScript has.
  const typed = [...virtual].filter(([, block]) => block.language !== 'js').map(([name]) => name);
  const js = [...virtual].filter(([, block]) => block.language === 'js').map(([name]) => name);
  const diagnostics = [
    ...ts.getPreEmitDiagnostics(ts.createProgram(typed, OPTIONS, host)),
    ...ts.getPreEmitDiagnostics(ts.createProgram(js, { ...OPTIONS, strict: false }, host)),
  ];
  // A block may import names from the app's own modules (`./api.js`): they are the app's, not
  // the docs', so only their absence is forgiven; whatever the block does with them is checked.
  const appModule = (d: ts.Diagnostic): boolean =>
    d.code === 2307 && /^Cannot find module '\.\.?\//.test(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return diagnostics.filter((diagnostic) => !appModule(diagnostic)).flatMap((diagnostic) => {
    const block = diagnostic.file && virtual.get(diagnostic.file.fileName);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    // The library's own source is checked by `npm run typecheck`, under its own options.
    if (diagnostic.file && !block) return [];
    if (!block) return [`options: ${message}`];
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return [`${block.file}:${block.line + line}: ${message}`];
  });
}
