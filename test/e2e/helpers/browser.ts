import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildWebApp } from '../../../demo/web/build.js';
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

/** A page script (a TypeScript module), bundled for the browser as one script. */
export async function bundlePage(entry: URL): Promise<string> {
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return outputFiles[0]!.text;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath, args });
}

/**
 * Builds the web app into a temporary folder and launches the browser once for the test file,
 * removing both after it.
 */
export function useBuiltApp(): { readonly browser: Browser; readonly staticDir: string } {
  let browser: Browser | undefined;
  let staticDir: string | undefined;
  beforeAll(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'task-app-'));
    await buildWebApp(staticDir, { quiet: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (staticDir) await rm(staticDir, { recursive: true, force: true });
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is launched in beforeAll');
      return browser;
    },
    get staticDir() {
      if (!staticDir) throw new Error('the app is built in beforeAll');
      return staticDir;
    },
  };
}

export interface Scenario {
  api: AuthApi;
  page: Page;
  /** Errors thrown in the page so far. */
  pageErrors: Error[];
}

export interface TabsScenario {
  api: AuthApi;
  /** Pages of one browser context: tabs that share cookies, Web Locks and BroadcastChannels. */
  pages: Page[];
  /** Errors thrown in any of the pages so far. */
  pageErrors: Error[];
}

function fileName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * Runs `body` against a fresh server and a fresh browser context (no cookies) with `tabs`
 * blank pages, and keeps a screenshot of each page in test-results/ when it fails.
 */
export async function withTabs(
  browser: Browser,
  name: string,
  options: AuthApiOptions,
  tabs: number,
  body: (scenario: TabsScenario) => Promise<void>,
): Promise<void> {
  const api = await startAuthApi(options);
  const context = await browser.newContext();
  const pageErrors: Error[] = [];
  try {
    const pages: Page[] = [];
    for (let i = 0; i < tabs; i += 1) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => pageErrors.push(error));
      pages.push(page);
    }
    try {
      await body({ api, pages, pageErrors });
    } catch (error) {
      await mkdir('test-results', { recursive: true });
      const base = fileName(name);
      await Promise.all(
        pages.map((page, i) => {
          const path = `test-results/${pages.length === 1 ? base : `${base}-tab-${i + 1}`}.png`;
          return page.screenshot({ path, fullPage: true }).catch(() => undefined);
        }),
      );
      throw error;
    }
  } finally {
    await context.close();
    await api.close();
  }
}

/** `withTabs` with a single page. */
export function withApp(
  browser: Browser,
  name: string,
  options: AuthApiOptions,
  body: (scenario: Scenario) => Promise<void>,
): Promise<void> {
  return withTabs(browser, name, options, 1, ({ api, pages, pageErrors }) => body({ api, page: pages[0]!, pageErrors }));
}
