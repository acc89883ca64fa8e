import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startAuthApi } from '../../../demo/server/index.js';
import type { AuthApi, AuthApiOptions } from '../../../demo/server/index.js';

/** Debian's Chromium: playwright's own browser download cannot be relied on. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath, args });
}

export interface Scenario {
  api: AuthApi;
  page: Page;
  /** Errors thrown in the page so far. */
  pageErrors: Error[];
}

function fileName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * Runs `body` against a fresh server and a fresh browser context (no cookies), and keeps a
 * screenshot in test-results/ when it fails.
 */
export async function withApp(
  browser: Browser,
  name: string,
  options: AuthApiOptions,
  body: (scenario: Scenario) => Promise<void>,
): Promise<void> {
  const api = await startAuthApi(options);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  try {
    await body({ api, page, pageErrors });
  } catch (error) {
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: `test-results/${fileName(name)}.png`, fullPage: true }).catch(() => undefined);
    throw error;
  } finally {
    await context.close();
    await api.close();
  }
}
