/**
 * Every encoder output must decode in two independent decoders (jpeg-js, and ffmpeg's libavcodec when it
 * is installed) to the right size and close to its source, the closeness scaling with quality.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import { encodeJpeg, type JpegSubsampling } from './index';
import {
  gradientRgba,
  grayToBinary,
  parseJpeg,
  psnr,
  rgbaToGray,
  rgbaToRgb565,
  sceneRgba,
} from '../test/jpeg-support';

const FFMPEG = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' });
const HAS_FFMPEG = !FFMPEG.error && FFMPEG.status === 0;
if (!HAS_FFMPEG) {
  console.warn('ffmpeg not found on PATH: the ffmpeg cross-decode tests are skipped (CI installs ffmpeg).');
}

const dir = mkdtempSync(join(tmpdir(), 'omv-jpeg-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

/** ffmpeg's decode as RGB24 (the brief's command line). */
function ffmpegDecode(jpeg: Uint8Array): Uint8Array {
  const file = join(dir, `f${fileNo++}.jpg`);
  writeFileSync(file, jpeg);
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  if (r.stderr.length) throw new Error(`ffmpeg complained: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
}

function jsDecode(jpeg: Uint8Array): { width: number; height: number; data: Uint8Array } {
  return decode(jpeg, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
}

/** Minimum PSNR (dB) on smooth content: colour 4:4:4, lower for subsampled chroma, higher for grey. */
function minPsnr(quality: number, kind: 'gray' | '444' | '422' | '420'): number {
  const colour444 = quality >= 90 ? 37 : quality >= 75 ? 35 : quality >= 50 ? 33 : quality >= 35 ? 32 : 27;
  return colour444 + { gray: 3, '444': 0, '422': -1, '420': -2 }[kind];
}

interface Case {
  name: string;
  frame: Image | { width: number; height: number; data: Uint8ClampedArray };
  /** What the camera shows (RGBA): the reference for PSNR. */
  reference: Uint8ClampedArray;
  gray: boolean;
}

function cases(width: number, height: number, rgba: Uint8ClampedArray): Case[] {
  const rgb565 = new Image(width, height, PIXFORMAT.RGB565, rgbaToRgb565(rgba, width, height));
  const gray = new Image(width, height, PIXFORMAT.GRAYSCALE, rgbaToGray(rgba, width, height));
  return [
    { name: 'RGB565', frame: rgb565, reference: toRgba(rgb565), gray: false },
    { name: 'RGBA', frame: { width, height, data: rgba }, reference: rgba, gray: false },
    { name: 'GRAYSCALE', frame: gray, reference: toRgba(gray), gray: true },
  ];
}

function check(c: Case, quality: number, subsampling: JpegSubsampling, minimum: number): void {
  const jpeg = encodeJpeg(c.frame, { quality, subsampling });
  const { width, height } = c.frame;
  const what = `${c.name} ${width}x${height} q=${quality} ${subsampling}`;
  const parsed = parseJpeg(jpeg);
  expect(parsed.components.length, what).toBe(c.gray ? 1 : 3);

  const js = jsDecode(jpeg);
  expect([js.width, js.height], what).toEqual([width, height]);
  expect(psnr(js.data, 4, c.reference, 4, width * height), `${what} jpeg-js`).toBeGreaterThanOrEqual(minimum);
  if (c.gray) {
    for (let i = 0; i < width * height; i++) {
      if (js.data[4 * i] !== js.data[4 * i + 1] || js.data[4 * i] !== js.data[4 * i + 2]) {
        throw new Error(`${what}: 1-component output decoded with colour at pixel ${i}`);
      }
    }
  }
  if (HAS_FFMPEG) {
    const ff = ffmpegDecode(jpeg);
    expect(ff.length, `${what} ffmpeg size`).toBe(width * height * 3);
    expect(psnr(ff, 3, c.reference, 4, width * height), `${what} ffmpeg`).toBeGreaterThanOrEqual(minimum);
  }
}

describe('encodeJpeg output decodes in jpeg-js and ffmpeg', () => {
  if (!HAS_FFMPEG)
    it.skip('ffmpeg not found on PATH: ffmpeg cross-decoding skipped (CI installs it)', () => {});

  it('smooth 128x96 content: PSNR grows with quality, for every subsampling', { timeout: 120_000 }, () => {
    for (const c of cases(128, 96, sceneRgba(128, 96, 2, 2))) {
      for (const quality of [10, 35, 50, 75, 90, 95]) {
        // Grey output ignores subsampling; the RGBA path shares the block coder with RGB565.
        const modes = c.name === 'RGB565' ? (['auto', '444', '422', '420'] as const) : (['auto'] as const);
        for (const subsampling of modes) {
          const kind = c.gray
            ? 'gray'
            : subsampling === 'auto'
              ? quality <= 35
                ? '420'
                : quality < 60
                  ? '422'
                  : '444'
              : subsampling;
          check(c, quality, subsampling, minPsnr(quality, kind));
        }
      }
    }
  });

  it(
    'a VGA frame at q=90 is at least 35 dB (4:2:0 and AUTO), and q=50 at least 32 dB',
    { timeout: 60_000 },
    () => {
      const rgba = sceneRgba(640, 480, 3, 2);
      for (const c of cases(640, 480, rgba).filter((x) => x.name !== 'RGBA')) {
        check(c, 90, '420', 35);
        check(c, 90, 'auto', 35);
        check(c, 50, 'auto', 32);
      }
    },
  );

  it('odd sizes 1x1, 7x3, 17x9, 33x17 decode to their size in every mode', { timeout: 120_000 }, () => {
    for (const [w, h] of [
      [1, 1],
      [7, 3],
      [17, 9],
      [33, 17],
    ] as const) {
      const rgba = gradientRgba(w, h);
      for (const c of cases(w, h, rgba)) {
        for (const quality of [50, 90]) {
          const modes = c.name === 'RGB565' ? (['444', '422', '420'] as const) : (['444'] as const);
          for (const subsampling of modes) {
            // Edge blocks are zero-filled (mid-grey) as the firmware does: a few real pixels beside many
            // grey ones quantise coarsely, and subsampled chroma at the border is averaged with grey.
            // Floors from measurement with ~2 dB margin; garbage decodes land near 10 dB.
            const floor = c.gray ? 34 : w * h < 100 ? 17 : { '444': 30, '422': 26, '420': 23 }[subsampling];
            check(c, quality, subsampling, floor);
          }
        }
      }
    }
  });

  it('BINARY decodes as 1-component black and white', () => {
    const w = 45;
    const h = 27;
    const gray = rgbaToGray(sceneRgba(w, h, 6), w, h);
    const frame = new Image(w, h, PIXFORMAT.BINARY, grayToBinary(gray, w, h));
    const reference = toRgba(frame);
    for (const quality of [50, 90]) {
      const jpeg = encodeJpeg(frame, { quality });
      expect(parseJpeg(jpeg).components.length).toBe(1);
      const decoders = [jsDecode(jpeg).data];
      if (HAS_FFMPEG) decoders.push(ffmpegDecode(jpeg));
      for (const decoded of decoders) {
        const channels = decoded.length / (w * h);
        let wrong = 0;
        for (let i = 0; i < w * h; i++) if (decoded[i * channels]! > 127 !== reference[4 * i]! > 127) wrong++;
        expect(wrong / (w * h)).toBeLessThan(0.01);
      }
    }
  });
});
