/**
 * The export bench, in the page: a 10 s QVGA selection (300 RGB565 frames at 30 fps, built here)
 * exported as GIF and as Motion-JPEG AVI through the app's export job (export worker + GIF pool), while
 * the page's thread is watched: the longest long task ('longtask' entries) and the longest gap between
 * timer ticks. The baseline is the same export run on the page's thread with the same engine code.
 */
import { runExport, type ExportSpec } from '../../src/export/export-job';
import { clipOf } from '../../src/export/clip';
import {
  CLIP_QUALITY,
  Image,
  ImageIO,
  ManualClock,
  MemoryStore,
  PIXFORMAT,
  encodeGif,
  encodeJpeg,
  frameDurations,
  imageIoToAvi,
  letterbox,
  toRgba,
} from '../../src/format/index';

export interface ExportBenchRow {
  kind: 'gif' | 'avi';
  frames: number;
  /** Runs of each (medians reported; the longest task and gap are the worst over all runs). */
  runs: number;
  /** Through the export worker. */
  workerMs: number;
  bytes: number;
  /** Longest 'longtask' entry on the page during the worker export (0 when none was reported). */
  longestTaskMs: number;
  /** Longest gap between 4 ms timer ticks on the page during the worker export. */
  longestGapMs: number;
  /** The same export on the page's thread. */
  mainMs: number;
  mainLongestGapMs: number;
}

const W = 320;
const H = 240;
const N = 300;
const RUNS = 3;

/** Lets the page's thread go idle (and pending long-task reports arrive) between measurements. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** 300 QVGA RGB565 frames, 33.3 ms apart: a moving gradient with noise (30 distinct frames). */
function qvgaStream(): Uint8Array {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  const payloads: Uint8Array[] = [];
  let seed = 1;
  for (let t = 0; t < 30; t++) {
    const p = new Uint8Array(W * H * 2);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const n = seed >>> 28;
        const r = ((x + t * 8) & 255) ^ n;
        const g = (y + t * 3) & 255;
        const b = ((x + y) >> 1) & 255;
        const v = ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | (b >> 3);
        const i = (y * W + x) * 2;
        p[i] = v & 0xff;
        p[i + 1] = v >> 8;
      }
    payloads.push(p);
  }
  for (let i = 0; i < N; i++)
    io.write(new Image(W, H, PIXFORMAT.RGB565, payloads[i % 30]!), { elapsedMs: 1000 / 30 });
  return store.bytes().slice();
}

/** Watches the page's thread until stopped: longest long task and longest timer gap. */
function watchMainThread(): () => { longestTaskMs: number; longestGapMs: number } {
  let longestTaskMs = 0;
  let longestGapMs = 0;
  let observer: PerformanceObserver | null = null;
  const since = performance.now();
  // Only tasks that started while watching (an earlier long task is reported after it ends).
  const take = (entries: PerformanceEntryList): void => {
    for (const e of entries) if (e.startTime >= since) longestTaskMs = Math.max(longestTaskMs, e.duration);
  };
  try {
    observer = new PerformanceObserver((list) => take(list.getEntries()));
    observer.observe({ type: 'longtask', buffered: false });
  } catch {
    observer = null;
  }
  let last = performance.now();
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    if (running) setTimeout(tick, 4);
  };
  setTimeout(tick, 4);
  return () => {
    running = false;
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    if (observer) {
      take(observer.takeRecords());
      observer.disconnect();
    }
    return { longestTaskMs, longestGapMs };
  };
}

/** The same work on the page's thread (what the worker spares the page). */
async function onMainThread(bytes: Uint8Array, kind: 'gif' | 'avi'): Promise<void> {
  const clip = clipOf(ImageIO.open(new MemoryStore(bytes), 'r'));
  const n = clip.count();
  if (kind === 'avi') {
    await imageIoToAvi(clip, new MemoryStore(), {
      encode: (frame, w, h) =>
        encodeJpeg(letterbox({ width: frame.width, height: frame.height, data: toRgba(frame) }, w, h), {
          quality: CLIP_QUALITY,
        }),
    });
    return;
  }
  const durations = frameDurations(
    Array.from({ length: n }, (_, i) => clip.frameInfo(i).elapsedMs),
    100,
  );
  const frames = (function* () {
    for (let i = 0; i < n; i++) {
      const f = clip.frameAt(i);
      yield { rgba: { width: f.width, height: f.height, data: toRgba(f) }, durationMs: durations[i]! };
    }
  })();
  await encodeGif(frames, {}, new MemoryStore());
}

export async function exportBench(): Promise<ExportBenchRow[]> {
  const bytes = qvgaStream();
  const rows: ExportBenchRow[] = [];
  for (const kind of ['gif', 'avi'] as const) {
    const spec: ExportSpec =
      kind === 'gif'
        ? { kind, from: 0, to: N - 1, speed: 1, palette: 'global', dither: 'none', loop: true }
        : { kind, from: 0, to: N - 1, quality: CLIP_QUALITY };
    const source = { kind: 'bytes' as const, bytes: bytes.slice().buffer, name: 'qvga.bin' };
    // Warm-up: worker scripts compiled and cached.
    await runExport(source, spec, `warm.${kind}`);
    const workerRuns: number[] = [];
    const mainRuns: number[] = [];
    let bytesOut = 0;
    const watched = { longestTaskMs: 0, longestGapMs: 0 };
    const main = { longestGapMs: 0 };
    for (let run = 0; run < RUNS; run++) {
      await settle();
      const stop = watchMainThread();
      const t0 = performance.now();
      const result = await runExport(source, spec, `bench.${kind}`);
      workerRuns.push(performance.now() - t0);
      const w = stop();
      bytesOut = result.file.size;
      watched.longestTaskMs = Math.max(watched.longestTaskMs, w.longestTaskMs);
      watched.longestGapMs = Math.max(watched.longestGapMs, w.longestGapMs);

      await settle();
      const stopMain = watchMainThread();
      const t1 = performance.now();
      await onMainThread(bytes, kind);
      mainRuns.push(performance.now() - t1);
      main.longestGapMs = Math.max(main.longestGapMs, stopMain().longestGapMs);
    }
    const workerMs = median(workerRuns);
    const mainMs = median(mainRuns);
    rows.push({
      kind,
      frames: N,
      workerMs,
      runs: RUNS,
      bytes: bytesOut,
      longestTaskMs: watched.longestTaskMs,
      longestGapMs: watched.longestGapMs,
      mainMs,
      mainLongestGapMs: main.longestGapMs,
    });
  }
  return rows;
}
