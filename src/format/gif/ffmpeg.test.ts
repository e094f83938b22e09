/**
 * ffmpeg as the outside judge of the GIF writer: ffprobe counts the frames, reads the size, codec and
 * duration, ffmpeg decodes every frame without complaint, and its pixels equal our reader's.
 * Skipped (with the reason in the test name) where ffprobe/ffmpeg are not installed; CI installs them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodesCleanly, ffprobe, hasFfmpeg } from '../test/ffmpeg';
import type { RgbaImage } from '../raster';
import { rng, TEST_IMAGES } from '../test/helpers';
import { concatChunks, encodeGif, type EncodeGifOptions, type GifInputFrame } from './encoder';
import { readGif } from './reader';

const DATA = TEST_IMAGES;
const available = hasFfmpeg;
const title = available
  ? 'ffmpeg judges the GIF writer'
  : 'ffmpeg judges the GIF writer (SKIPPED: ffprobe/ffmpeg not found; install ffmpeg, e.g. apt-get install ffmpeg)';

/** A camera-like clip: pans over csi.ppm (160x120 photo) with seeded sensor noise. */
function clip(count: number, w: number, h: number, seed: number): RgbaImage[] {
  const b = new Uint8Array(readFileSync(DATA + 'csi.ppm'));
  const head = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(new TextDecoder('latin1').decode(b.subarray(0, 40)));
  if (!head) throw new Error('csi.ppm: unexpected header');
  const sw = Number(head[1]);
  const off = head[0].length;
  const next = rng(seed);
  return Array.from({ length: count }, (_, f) => {
    const data = new Uint8ClampedArray(w * h * 4);
    const x0 = f % (sw - w + 1);
    const y0 = (f >> 1) % 10;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = off + ((y0 + y) * sw + x0 + x) * 3;
        const o = (y * w + x) * 4;
        for (let k = 0; k < 3; k++) data[o + k] = (b[s + k] as number) + Math.round((next() - 0.5) * 8);
        data[o + 3] = 255;
      }
    }
    return { width: w, height: h, data };
  });
}

const dir = available ? mkdtempSync(join(tmpdir(), 'omv-gif-ffmpeg-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function judge(name: string, frames: GifInputFrame[], opts: EncodeGifOptions) {
  const chunks: Uint8Array[] = [];
  const summary = await encodeGif(frames, opts, chunks);
  const bytes = concatChunks(chunks);
  const file = join(dir, `${name}.gif`);
  writeFileSync(file, bytes);
  const probe = ffprobe(file);
  decodesCleanly(file);
  const raw = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    {
      maxBuffer: 1 << 28,
    },
  );
  expect(raw.status).toBe(0);
  return { summary, bytes, probe, raw: raw.stdout as Buffer };
}

describe.skipIf(!available)(title, () => {
  it('global palette, irregular recorded intervals: frames, size, codec, duration within 10 ms', async () => {
    const next = rng(1);
    const imgs = clip(40, 120, 90, 2);
    const frames = imgs.map((rgba) => ({ rgba, durationMs: 25 + next() * 30 }));
    const recordedMs = frames.reduce((s, f) => s + f.durationMs, 0);
    const { probe, summary, bytes, raw } = await judge('global', frames, {});
    const s = probe.streams[0]!;
    console.log(`ffprobe (global): ${JSON.stringify(probe)}; recorded ${recordedMs.toFixed(1)} ms`);
    expect(s.codec_name).toBe('gif');
    expect([s.width, s.height]).toEqual([120, 90]);
    expect(Number(s.nb_read_frames)).toBe(summary.frames);
    expect(summary.frames).toBe(40);
    expect(Math.abs(Number(probe.format.duration) * 1000 - recordedMs)).toBeLessThanOrEqual(10);
    // ffmpeg's pixels are our reader's pixels.
    const ours = readGif(bytes).frames;
    expect(raw.length).toBe(ours.length * 120 * 90 * 4);
    ours.forEach((f, i) => {
      expect(Buffer.compare(Buffer.from(f.rgba.data.buffer), raw.subarray(i * 43200, (i + 1) * 43200))).toBe(
        0,
      );
    });
  });

  it('per-frame palettes with dithering, 60 fps (frames dropped to stay >= 2 cs), scaled, no loop', async () => {
    const imgs = clip(60, 160, 120, 3);
    const frames = imgs.map((rgba) => ({ rgba, durationMs: 1000 / 60 }));
    const { probe, summary } = await judge('per-frame', frames, {
      palette: 'per-frame',
      dither: true,
      width: 100,
      loop: false,
    });
    console.log(`ffprobe (per-frame, 60 fps): ${JSON.stringify(probe)}; recorded 1000 ms`);
    const s = probe.streams[0]!;
    expect(s.codec_name).toBe('gif');
    expect([s.width, s.height]).toEqual([100, 75]);
    expect(Number(s.nb_read_frames)).toBe(summary.frames);
    expect(summary.frames + summary.dropped).toBe(60);
    expect(Math.abs(Number(probe.format.duration) * 1000 - 1000)).toBeLessThanOrEqual(10);
  });

  it('trimmed clip at 30 fps with a long pause in it', async () => {
    const imgs = clip(20, 64, 48, 4);
    const frames = imgs.map((rgba, i) => ({ rgba, durationMs: i === 8 ? 2500 : 1000 / 30 }));
    const { probe, summary } = await judge('trimmed', frames, { from: 5, to: 15 });
    const recordedMs = frames.slice(5, 15).reduce((s, f) => s + f.durationMs, 0);
    console.log(`ffprobe (trimmed): ${JSON.stringify(probe)}; recorded ${recordedMs.toFixed(1)} ms`);
    expect(Number(probe.streams[0]!.nb_read_frames)).toBe(10);
    expect(summary.frames).toBe(10);
    expect(Math.abs(Number(probe.format.duration) * 1000 - recordedMs)).toBeLessThanOrEqual(10);
  });
});
