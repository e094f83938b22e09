import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { createServer } from 'vite';
import { findChromium, NO_CHROMIUM_FIX } from '../scripts/chromium-path';

export interface BenchBrowser {
  page: Page;
  browser: BrowserContext;
  /** Loads bench/browser/index.html (again) and waits for `window.omvBench`. */
  open(): Promise<void>;
}

/**
 * Runs `fn` against bench/browser/ served by Vite's dev server (with the COOP/COEP headers of
 * vite.config.ts) in headless Chromium with a persistent profile: an incognito context keeps OPFS in
 * memory behind IPC, which makes every read an order of magnitude slower than on disk. Prints why and
 * returns when there is no Chromium. Server, browser and profile are gone afterwards, whatever happens.
 */
export async function withBenchBrowser(port: number, fn: (b: BenchBrowser) => Promise<void>): Promise<void> {
  const executablePath = await findChromium();
  if (!executablePath) {
    console.log(`skipped: ${NO_CHROMIUM_FIX}`);
    return;
  }
  // No HMR and no file watching: an edit elsewhere in the tree must not reload the page mid-measurement.
  const server = await createServer({
    server: { port, strictPort: false, hmr: false, watch: null },
    logLevel: 'error',
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0] ?? `http://localhost:${port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'omv-bench-profile-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: ['--disable-quic'],
  });
  try {
    const page = await browser.newPage();
    const open = async (): Promise<void> => {
      await page.goto(new URL('bench/browser/index.html', url).href);
      await page.waitForFunction(() => 'omvBench' in window);
    };
    await open();
    await fn({ page, browser, open });
  } finally {
    await browser.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
