import { existsSync, readFileSync } from 'node:fs';
import type { FpsKind } from './browser/fps-streams';
import type { GifBenchRow } from './browser/gif-bench';
import type { ExportBenchRow } from './browser/export-bench';
import type { BenchReply, BenchRequest, FpsResult } from './browser/protocol';
import { withBenchBrowser } from './bench-browser';
import { report, type Suite, type Timing } from './harness';

/**
 * Browser figures, measured where the app runs: Vite's dev server serves bench/browser/, headless
 * Chromium opens it, and a module worker does the work against real OPFS.
 */
export const suite: Suite = {
  name: 'browser',
  async run() {
    await withBenchBrowser(5199, async ({ page }) => {
      type BenchWindow = {
        omvBench: {
          run(r: BenchRequest): Promise<BenchReply>;
          firstFrame(name: string): Promise<Timing>;
          fps(kind: FpsKind): Promise<FpsResult>;
          gif(bmp: number[]): Promise<GifBenchRow[]>;
          exportClip(): Promise<ExportBenchRow[]>;
        };
      };
      const run = (req: BenchRequest) =>
        page.evaluate((r) => (window as unknown as BenchWindow).omvBench.run(r), req);
      for (const [kind, label, target] of [
        ['qvga', '7,000 QVGA RGB565 frames', 0.05],
        ['jpeg', '100,000 small JPEG frames', 0.5],
      ] as const) {
        const r = await run({ type: 'opfs-index', kind });
        if (r.type === 'error') throw new Error(`${r.name}: ${r.message}`);
        if (r.type !== 'opfs-index') throw new Error(`unexpected reply ${r.type}`);
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

      // The player: first frame on screen after opening a 1 GiB file, against reading its headers.
      const made = await run({ type: 'make-file', kind: 'qvga' });
      if (made.type !== 'made') throw new Error(`make-file: ${JSON.stringify(made)}`);
      const first = await page.evaluate(
        (n) => (window as unknown as BenchWindow).omvBench.firstFrame(n),
        made.name,
      );
      report({
        name: `player: first frame on screen, ${(made.bytes / 1e9).toFixed(2)} GB OPFS file`,
        value: first,
        baselineName: 'reading its headers (index only)',
        baseline: made.index,
        note: `${made.frames} frames`,
      });
      await run({ type: 'remove-file', name: made.name });

      // The player: frames per second the worker sustains with pacing off.
      for (const [kind, label] of [
        ['vga-rgb565', 'VGA RGB565'],
        ['vga-jpeg', 'VGA JPEG'],
        ['bayer-5mp', '5 MP Bayer (BGGR)'],
      ] as const) {
        const r = await page.evaluate((k) => (window as unknown as BenchWindow).omvBench.fps(k), kind);
        const target = kind === 'bayer-5mp' ? '' : `; target >= 120 fps: ${r.fps >= 120 ? 'met' : 'NOT met'}`;
        console.log(
          `player: ${label} at ${r.fps.toFixed(1)} fps over ${r.frames} frames, pacing off  vs  decoding the same frames alone (same decoder, no read, scheduling or drawing): ${r.decodeOnlyFps.toFixed(1)} fps  ratio ${(r.fps / r.decodeOnlyFps).toFixed(3)}${target}`,
        );
      }

      // Export from the app: a 10 s QVGA selection through the export worker, the page kept responsive.
      for (const row of await page.evaluate(() => (window as unknown as BenchWindow).omvBench.exportClip())) {
        const label = row.kind === 'gif' ? 'GIF' : 'Motion-JPEG AVI';
        report({
          name: `export (browser): 10 s QVGA selection (${row.frames} RGB565 frames) as ${label}, export worker`,
          value: { medianMs: row.workerMs, runs: row.runs },
          baselineName: 'the same export on the page thread',
          baseline: { medianMs: row.mainMs, runs: row.runs },
          note: `${row.bytes} bytes`,
        });
        const worst = Math.max(row.longestTaskMs, row.longestGapMs);
        console.log(
          `  page during the ${label} export: longest long task ${row.longestTaskMs > 0 ? `${row.longestTaskMs.toFixed(0)} ms` : 'none (no task over 50 ms)'}, longest timer gap ${row.longestGapMs.toFixed(0)} ms  vs  ${row.mainLongestGapMs.toFixed(0)} ms exporting on the page thread; target < 50 ms: ${worst < 50 ? 'met' : 'NOT met'}`,
        );
      }

      // GIF encoding in the browser: ours (worker pool and main thread) against gif.js, same clip.
      const faces = new URL('../../shared/data/openmv-test-images/faces.bmp', import.meta.url);
      if (!existsSync(faces))
        console.log('gif (browser): skipped, ../shared/data/openmv-test-images/faces.bmp not found');
      else {
        const bmp = Array.from(readFileSync(faces));
        const rows = await page.evaluate((b) => (window as unknown as BenchWindow).omvBench.gif(b), bmp);
        const [base, ...ours] = rows;
        for (const row of base ? ours : []) {
          report({
            name: `gif (browser, 100 frames 320x240): ${row.name}`,
            value: row.timing,
            baselineName: base!.name,
            baseline: base!.timing,
            note: `${row.bytesPerFrame} vs ${base!.bytesPerFrame} bytes/frame, PSNR ${row.psnr.toFixed(2)} vs ${base!.psnr.toFixed(2)} dB`,
          });
        }
      }
    });
  },
};
