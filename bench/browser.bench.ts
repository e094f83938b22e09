import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { findChromium, NO_CHROMIUM_FIX } from '../scripts/chromium-path';
import type { BenchReply, BenchRequest } from './browser/protocol';
import { report, type Suite } from './harness';

/**
 * Browser figures, measured where the app runs: Vite's dev server serves bench/browser/, headless
 * Chromium opens it, and a module worker does the work against real OPFS.
 */
export const suite: Suite = {
  name: 'browser',
  async run() {
    const executablePath = await findChromium();
    if (!executablePath) {
      console.log(`skipped: ${NO_CHROMIUM_FIX}`);
      return;
    }
    const server = await createServer({ server: { port: 5199, strictPort: false }, logLevel: 'error' });
    await server.listen();
    const url = server.resolvedUrls?.local[0] ?? 'http://localhost:5199/';
    // A persistent profile, as a real user has: an incognito context keeps OPFS in memory behind IPC,
    // which makes every read an order of magnitude slower than on disk.
    const profile = mkdtempSync(join(tmpdir(), 'omv-bench-profile-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: ['--disable-quic'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(new URL('bench/browser/index.html', url).href);
      await page.waitForFunction(() => 'omvBench' in window);
      type BenchWindow = { omvBench: { run(r: BenchRequest): Promise<BenchReply> } };
      const run = (req: BenchRequest) =>
        page.evaluate((r) => (window as unknown as BenchWindow).omvBench.run(r), req);
      for (const [kind, label, target] of [
        ['qvga', '7,000 QVGA RGB565 frames', 0.05],
        ['jpeg', '100,000 small JPEG frames', 0.5],
      ] as const) {
        const r = await run({ type: 'opfs-index', kind });
        if (r.type === 'error') throw new Error(`${r.name}: ${r.message}`);
        const gb = (r.bytes / 1e9).toFixed(2);
        report({
          name: `OPFS: open (index) ${label}, ${gb} GB`,
          value: r.index,
          baselineName: 'reading the whole file once (1 MiB reads)',
          baseline: r.readWhole,
          targetRatio: target,
          note: `${r.frames} frames; written in ${(r.writeMs / 1000).toFixed(1)} s`,
        });
        report({
          name: `  floor: ${r.frames} bare 32-byte handle reads`,
          value: r.floor,
          baselineName: 'reading the whole file once',
          baseline: r.readWhole,
        });
      }
    } finally {
      await browser.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  },
};
