import { interactive, line, paint } from './terminal.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const WIDTH = 20;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Waits `ms` with a spinner and a bar on a terminal, or one line when the output is a file. */
export async function waitWithProgress(ms: number, label: string): Promise<void> {
  if (!interactive) {
    line(`  … ${label} (${seconds(ms)})`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return;
  }
  const start = Date.now();
  let frame = 0;
  const draw = (): void => {
    const elapsed = Math.min(Date.now() - start, ms);
    const filled = Math.round((elapsed / ms) * WIDTH);
    const bar = paint('yellow', '█'.repeat(filled)) + paint('dim', '░'.repeat(WIDTH - filled));
    process.stdout.write(`\r  ${paint('yellow', FRAMES[frame++ % FRAMES.length] ?? '')} ${label} ${bar} ${seconds(elapsed)}`);
  };
  draw();
  const timer = setInterval(draw, 80);
  await new Promise((resolve) => setTimeout(resolve, ms));
  clearInterval(timer);
  process.stdout.write('\r\x1b[2K');
  line(`  ${paint('dim', '…')} ${label} ${paint('dim', `(${seconds(ms)})`)}`);
}
