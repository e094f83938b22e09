/**
 * The browser half of the GIF bench: gif.js (dev dependency, comparison only; it needs Workers and
 * ImageData, so it cannot run in Node) against our encoder on the same worker count, in the same page.
 * Frames are made in the page from the source image's bytes (bench/browser/gif-frames.ts), so only
 * ~200 KB cross from Node instead of 30 MB of RGBA.
 *
 * gif.js and its worker are loaded as plain scripts from node_modules (what its README asks for), not
 * through Vite's dependency pre-bundling, so nothing has to be optimised at run time.
 */
import { defaultPoolSize, gifPoolEncoder } from '../../src/export/gif-pool';
import { concatChunks, encodeGif, readGif } from '../../src/format/gif/index';
import { time, type Timing } from '../harness';
import { cameraClip, parseBmp565, psnr, type BenchFrame } from './gif-frames';

/** The parts of gif.js used here (it ships no types). */
interface GifJs {
  addFrame(image: ImageData, options: { delay: number; copy?: boolean }): void;
  on(event: 'finished', listener: (blob: Blob, data: Uint8Array) => void): void;
  on(event: 'abort', listener: () => void): void;
  render(): void;
}
type GifJsConstructor = new (options: {
  workers: number;
  quality: number;
  workerScript: string;
  width: number;
  height: number;
  repeat: number;
  dither: false | string;
}) => GifJs;

const GIF_JS = new URL('../../node_modules/gif.js/dist/gif.js', import.meta.url).href;
const GIF_JS_WORKER = new URL('../../node_modules/gif.js/dist/gif.worker.js', import.meta.url).href;

let gifJs: Promise<GifJsConstructor> | null = null;

function loadGifJs(): Promise<GifJsConstructor> {
  gifJs ??= new Promise<GifJsConstructor>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = GIF_JS;
    script.onload = () => {
      const ctor = (window as unknown as { GIF?: GifJsConstructor }).GIF;
      if (ctor) resolve(ctor);
      else reject(new Error('gif.js loaded but defined no GIF global'));
    };
    script.onerror = () => reject(new Error(`cannot load ${GIF_JS}`));
    document.head.append(script);
  });
  return gifJs;
}

export interface EncodeResult {
  ms: number;
  bytes: number;
  gif: Uint8Array;
}

/** gif.js: NeuQuant per frame (`quality` 10 is its default sample interval), `workers` workers. */
export async function gifJsEncode(
  frames: readonly BenchFrame[],
  delayMs: number,
  workers = defaultPoolSize(),
  quality = 10,
): Promise<EncodeResult> {
  const GIF = await loadGifJs();
  const first = frames[0];
  if (!first) throw new Error('no frames');
  const t0 = performance.now();
  const gif = new GIF({
    workers,
    quality,
    workerScript: GIF_JS_WORKER,
    width: first.width,
    height: first.height,
    repeat: 0,
    dither: false,
  });
  for (const f of frames)
    gif.addFrame(new ImageData(f.data as Uint8ClampedArray<ArrayBuffer>, f.width, f.height), {
      delay: delayMs,
    });
  const data = await new Promise<Uint8Array>((resolve, reject) => {
    gif.on('finished', (_blob, bytes) => resolve(bytes));
    gif.on('abort', () => reject(new Error('gif.js aborted')));
    gif.render();
  });
  return { ms: performance.now() - t0, bytes: data.length, gif: data };
}

/** Ours on a pool of real module workers (src/export/gif-pool.ts); `workers: 0` runs in this thread. */
export async function oursEncode(
  frames: readonly BenchFrame[],
  delayMs: number,
  palette: 'global' | 'per-frame' = 'global',
  workers = defaultPoolSize(),
): Promise<EncodeResult> {
  const t0 = performance.now();
  const chunks: Uint8Array[] = [];
  await encodeGif(
    frames.map((rgba) => ({ rgba, durationMs: delayMs })),
    { palette, encoder: workers > 0 ? gifPoolEncoder({ size: workers }) : undefined },
    chunks,
  );
  const gif = concatChunks(chunks);
  return { ms: performance.now() - t0, bytes: gif.length, gif };
}

export interface GifBenchRow {
  name: string;
  timing: Timing;
  bytesPerFrame: number;
  psnr: number;
}

/**
 * The whole browser comparison on a 100-frame 320x240 clip made from `bmp` (faces.bmp's bytes): gif.js
 * and ours with the same number of workers, plus ours on the main thread. Each encoder runs once to
 * warm up, then at least `runs` times; the median is reported.
 */
export async function gifBench(bmp: Uint8Array | readonly number[], runs = 3): Promise<GifBenchRow[]> {
  const src = parseBmp565(bmp instanceof Uint8Array ? bmp : Uint8Array.from(bmp));
  const frames = cameraClip(src, { frames: 100, width: 320, height: 240, noise: 3, seed: 7 });
  const delay = 1000 / 30;
  const workers = defaultPoolSize();
  const contenders: [string, () => Promise<EncodeResult>][] = [
    [`gif.js (NeuQuant quality 10, ${workers} workers)`, () => gifJsEncode(frames, delay, workers)],
    [`ours, global palette, ${workers} workers`, () => oursEncode(frames, delay, 'global', workers)],
    [`ours, per-frame palettes, ${workers} workers`, () => oursEncode(frames, delay, 'per-frame', workers)],
    ['ours, global palette, main thread', () => oursEncode(frames, delay, 'global', 0)],
  ];
  const rows: GifBenchRow[] = [];
  for (const [name, run] of contenders) {
    let last: EncodeResult | null = null;
    const timing = await time(
      async () => {
        last = await run();
      },
      { minRuns: runs, minMs: 0 },
    );
    const result = last as EncodeResult | null;
    if (!result) throw new Error(`${name}: no output`);
    const decoded = readGif(result.gif).frames.map((f) => f.rgba);
    rows.push({ name, timing, bytesPerFrame: result.bytes / frames.length, psnr: psnr(frames, decoded) });
  }
  return rows;
}
