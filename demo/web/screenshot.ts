/**
 * Saves the pictures of the web demo that the README and docs/ show: the first screen a visitor
 * sees, and the page after a log-in with the demo account, three tasks and a burst of requests
 * after the access token expired, drawn as a timeline, with the same burst through the
 * hand-written `_retry` interceptor drawn under it.
 * `npx tsx demo/web/screenshot.ts [folder]`; docs/ by default, as web-demo-first-visit.png and web-demo.png.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../../test/e2e/helpers/browser.js';
import { TaskPage } from '../../test/e2e/helpers/task-page.js';
import { startAuthApi } from '../server/index.js';
import { buildWebApp } from './build.js';
import { DEMO_ACCOUNT } from './demo-account.js';

const folder = process.argv[2] ?? fileURLToPath(new URL('../../docs/', import.meta.url));

const staticDir = await buildWebApp(await mkdtemp(join(tmpdir(), 'task-app-')), { quiet: true });
const api = await startAuthApi({ accessTtlMs: 5_000, refreshTtlMs: 120_000, staticDir, users: [DEMO_ACCOUNT] });
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  const app = new TaskPage(await context.newPage());
  await app.open(`${api.url}/`);
  const firstVisit = join(folder, 'web-demo-first-visit.png');
  await app.page.screenshot({ path: firstVisit });
  console.log(`saved ${firstVisit}`);

  await app.useDemoAccount();
  for (const [title, due] of [
    ['Water the plants', ''],
    ['Renew the passport', '2026-03-31'],
    ['Buy milk', ''],
  ] as const) {
    await app.page.fill('#task-form input[name=due]', due);
    await app.addTask(title);
    await app.task(title);
  }
  await app.accessExpired();
  await app.burst();
  await app.accessExpired();
  await app.lessonBurst();
  const burst = join(folder, 'web-demo.png');
  await app.page.screenshot({ path: burst, fullPage: true });
  console.log(`saved ${burst}`);
} finally {
  await browser.close();
  await api.close();
  await rm(staticDir, { recursive: true, force: true });
}
