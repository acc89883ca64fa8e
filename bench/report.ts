import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** A Markdown table; it reads in a terminal as well. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** `3` when every run agreed, `3–5` when they did not. */
export function range(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? String(low) : `${low}–${high}`;
}

export function readVersion(packageJson: URL): string {
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}

export function machine(versions: Record<string, string>): string {
  const cpus = os.cpus();
  const rows: Array<[string, string]> = [
    ['CPU', `${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores`],
    ['Memory', `${Math.round(os.totalmem() / 2 ** 30)} GiB`],
    ['OS', `${os.type()} ${os.release()} (${os.arch()})`],
    ['Node', process.version],
    ...Object.entries(versions),
    ['Date', new Date().toISOString().slice(0, 10)],
  ];
  return table(['', ''], rows);
}

/**
 * Replaces what lies between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` in the
 * document, so that the prose around the figures stays as it was written. A section that has
 * no markers yet is added at the end.
 */
export function writeSections(file: URL, sections: Record<string, string>): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  for (const [name, body] of Object.entries(sections)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const block = `${open}\n${body.trim()}\n${close}`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    text = start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + close.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(file, text);
}
