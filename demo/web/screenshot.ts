/**
 * Saves the picture of the web demo that the README shows: the page after a sign-up, three
 * tasks, a burst of requests while the access token is valid and one after it expired.
 * `npx tsx demo/web/screenshot.ts [file]`; docs/web-demo.png by default.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../../test/e2e/helpers/browser.js';
import { TaskPage } from '../../test/e2e/helpers/task-page.js';
import { startAuthApi } from '../server/index.js';
import { buildWebApp } from './build.js';

const file = process.argv[2] ?? fileURLToPath(new URL('../../docs/web-demo.png', import.meta.url));

const staticDir = await buildWebApp(await mkdtemp(join(tmpdir(), 'task-app-')), { quiet: true });
const api = await startAuthApi({ accessTtlMs: 5_000, refreshTtlMs: 120_000, staticDir });
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 540 } });
  const app = new TaskPage(await context.newPage());
  await app.open(`${api.url}/`);
  await app.signUp('ada@example.com', 'correct horse');
  for (const [title, due] of [
    ['Water the plants', ''],
    ['Renew the passport', '2026-03-31'],
    ['Buy milk', ''],
  ] as const) {
    await app.page.fill('#task-form input[name=due]', due);
    await app.addTask(title);
    await app.task(title);
  }
  await app.burst();
  await app.accessExpired();
  await app.burst();
  await app.page.screenshot({ path: file });
  console.log(`saved ${file}`);
} finally {
  await browser.close();
  await api.close();
  await rm(staticDir, { recursive: true, force: true });
}
