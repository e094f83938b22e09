import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatChunks, encodeGif, readGif } from '../src/format/gif/index';
import { cameraClip, parseBmp565, psnr, type BenchFrame } from './browser/gif-frames';
import { report, time, type Suite, type Timing } from './harness';

/**
 * GIF export: 100 camera-like 320x240 frames (a pan and zoom over a real photograph from the OpenMV test
 * images, with sensor noise and RGB565 truncation; bench/browser/gif-frames.ts) encoded by our encoder
 * and by gifenc (dev dependency, comparison only), all single-threaded, in-process, in the same run.
 * Quality is PSNR against the source frames, every GIF decoded by our reader (and one cross-checked
 * with ffmpeg's decoder). gif.js needs Workers and a canvas: it runs in the browser half
 * (bench/browser/gif-bench.ts).
 */
const IMAGES =
  process.env.OMV_TEST_IMAGES ?? new URL('../../shared/data/openmv-test-images/', import.meta.url).pathname;
const FRAMES = 100;
const FRAME_MS = 1000 / 30;

/** The parts of gifenc used here (it ships no types). */
interface Gifenc {
  quantize(rgba: Uint8ClampedArray, maxColors: number, options?: { format?: string }): number[][];
  applyPalette(rgba: Uint8ClampedArray, palette: number[][], format?: string): Uint8Array;
  GIFEncoder(): {
    writeFrame(index: Uint8Array, w: number, h: number, opts: { palette?: number[][]; delay?: number }): void;
    finish(): void;
    bytes(): Uint8Array;
  };
}

interface Contender {
  name: string;
  encode: () => Promise<Uint8Array>;
}

/** ffmpeg's decode of a GIF (every frame, RGBA), or null without ffmpeg. */
function ffmpegFrames(gif: Uint8Array, w: number, h: number): BenchFrame[] | null {
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'omv-gif-bench-'));
  try {
    const file = join(dir, 'x.gif');
    writeFileSync(file, gif);
    const r = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
      { maxBuffer: 1 << 30 },
    );
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${String(r.stderr)}`);
    const raw = r.stdout as Buffer;
    const size = w * h * 4;
    return Array.from({ length: raw.length / size }, (_, i) => ({
      width: w,
      height: h,
      data: new Uint8ClampedArray(raw.buffer, raw.byteOffset + i * size, size),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: Suite = {
  name: 'gif',
  async run() {
    const gifenc = (await import('gifenc' as string)) as Gifenc;
    const src = parseBmp565(new Uint8Array(readFileSync(join(IMAGES, 'faces.bmp'))));
    const frames = cameraClip(src, { frames: FRAMES, width: 320, height: 240, noise: 3, seed: 7 });
    const input = frames.map((rgba) => ({ rgba, durationMs: FRAME_MS }));
    const ours =
      (palette: 'global' | 'per-frame', dither = false) =>
      async () => {
        const chunks: Uint8Array[] = [];
        await encodeGif(input, { palette, dither }, chunks);
        return concatChunks(chunks);
      };
    const viaGifenc = (format: 'rgb565' | 'rgb444') => async () => {
      const enc = gifenc.GIFEncoder();
      for (const f of frames) {
        const palette = gifenc.quantize(f.data, 256, { format });
        const index = gifenc.applyPalette(f.data, palette, format);
        enc.writeFrame(index, f.width, f.height, { palette, delay: FRAME_MS });
      }
      enc.finish();
      return enc.bytes();
    };
    const contenders: Contender[] = [
      { name: 'ours, global palette, no dither', encode: ours('global') },
      { name: 'ours, per-frame palettes, no dither', encode: ours('per-frame') },
      { name: 'ours, global palette, Floyd-Steinberg', encode: ours('global', true) },
      { name: 'gifenc rgb444 (per-frame quantize)', encode: viaGifenc('rgb444') },
    ];
    const baselineName = 'gifenc rgb565 (quantize+applyPalette per frame)';
    const baselineEncode = viaGifenc('rgb565');

    const measure = async (encode: () => Promise<Uint8Array>): Promise<{ t: Timing; gif: Uint8Array }> => {
      let gif: Uint8Array = new Uint8Array(0);
      const t = await time(
        async () => {
          gif = await encode();
        },
        { minRuns: 3, minMs: 0 },
      );
      return { t, gif };
    };
    const quality = (gif: Uint8Array): { psnr: number; bpf: number; frames: number } => {
      const decoded = readGif(gif).frames;
      return {
        psnr: psnr(
          frames,
          decoded.map((f) => f.rgba),
        ),
        bpf: gif.length / FRAMES,
        frames: decoded.length,
      };
    };

    const base = await measure(baselineEncode);
    const baseQ = quality(base.gif);
    const note = (q: { psnr: number; bpf: number; frames: number }, t: Timing): string =>
      `PSNR ${q.psnr.toFixed(2)} dB, ${Math.round(q.bpf)} B/frame, ${q.frames} frames, ${(FRAMES / (t.medianMs / 1000)).toFixed(0)} frames/s`;
    console.log(
      `${FRAMES} frames ${frames[0]?.width}x${frames[0]?.height}, pan/zoom over faces.bmp + noise σ=3, RGB565`,
    );
    console.log(`baseline ${baselineName}: ${note(baseQ, base.t)}`);
    const results: { name: string; gif: Uint8Array }[] = [{ name: baselineName, gif: base.gif }];
    for (const c of contenders) {
      const m = await measure(c.encode);
      const q = quality(m.gif);
      const isTarget = c.name.startsWith('ours') && !c.name.includes('Floyd');
      const verdict = isTarget ? `; PSNR >= gifenc's: ${q.psnr >= baseQ.psnr ? 'yes' : 'NO'}` : '';
      report({
        name: `GIF encode: ${c.name}`,
        value: m.t,
        baselineName,
        baseline: base.t,
        targetRatio: isTarget ? 1 : undefined,
        note: note(q, m.t) + verdict,
      });
      results.push({ name: c.name, gif: m.gif });
    }

    // Cross-check the PSNR figures with an independent decoder on two of the GIFs.
    for (const r of [results[0], results[1]]) {
      if (!r) continue;
      const ff = ffmpegFrames(r.gif, 320, 240);
      if (!ff) {
        console.log('ffmpeg cross-check skipped: ffmpeg not found');
        break;
      }
      const oursDecoded = readGif(r.gif).frames.map((f) => f.rgba);
      const same =
        ff.length === oursDecoded.length && ff.every((f, i) => psnr([f], [oursDecoded[i]!]) === Infinity);
      console.log(
        `ffmpeg cross-check (${r.name}): ${ff.length} frames, PSNR ${psnr(frames, ff).toFixed(2)} dB; pixels identical to our reader's: ${same ? 'yes' : 'NO'}`,
      );
    }
  },
};
