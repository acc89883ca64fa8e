/**
 * Colour only for a person at a terminal: https://no-color.org, and never into a pipe or a log
 * file. Red is kept for the demo failing; what the demo shows going wrong on purpose (the
 * hand-written pattern, an expected refusal) is magenta.
 */
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

const codes = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;

export type Color = keyof typeof codes;

export function paint(color: Color, text: string): string {
  return useColor ? `\x1b[${codes[color]}m${text}\x1b[0m` : text;
}

export const interactive: boolean = process.stdout.isTTY;

export function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function heading(number: number, title: string): void {
  line();
  line(paint('bold', `${number}. ${title}`));
}

export function request(text: string, status: number | string): void {
  const shown = String(status);
  const color: Color = /^2/.test(shown) ? 'green' : 'magenta';
  line(`  ${paint('cyan', '→')} ${text} ${paint(color, shown)}`);
}

export function event(symbol: string, color: Color, text: string): void {
  line(`  ${paint(color, symbol)} ${text}`);
}

export function note(text: string): void {
  line(`    ${paint('dim', text)}`);
}

/** A table with the first column left-aligned and the others right-aligned. */
export function table(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => visible(row[column] ?? '').length))) ?? [];
  for (const row of rows) {
    const cells = row.map((cell, column) => {
      const pad = ' '.repeat((widths[column] ?? 0) - visible(cell).length);
      return column === 0 ? cell + pad : pad + cell;
    });
    line(`    ${cells.join('   ')}`);
  }
}

function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[\d+m/g, '');
}
