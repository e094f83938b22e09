import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import { seededBytes, TEST_IMAGES } from '../test/helpers';
import { decodeBmp, encodeBmp } from './bmp';
import { decodePng, encodePng, encodePngRgba } from './png';
import { firstDifference as diff } from './test-support';

const DATA = TEST_IMAGES;

/**
 * Cross-checks with an independent decoder and encoder: ffmpeg must decode this module's BMP and PNG
 * output to the same pixels, and this module must decode real BMPs and ffmpeg's PNGs as ffmpeg does.
 * CI installs ffmpeg; without it these tests are skipped with a message.
 */
const HAS_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;
if (!HAS_FFMPEG) console.warn('ffmpeg is not on PATH: skipping the ffmpeg cross-checks (CI installs it)');

const dir = HAS_FFMPEG ? mkdtempSync(join(tmpdir(), 'omv-stills-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** ffmpeg's decode of a file as raw pixels. */
function ffmpegDecode(file: string, pixFmt = 'rgba'): Uint8Array {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', pixFmt, '-']);
  if (r.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

let counter = 0;
function write(bytes: Uint8Array, ext: string): string {
  const file = join(dir, `f${counter++}.${ext}`);
  writeFileSync(file, bytes);
  return file;
}

describe.skipIf(!HAS_FFMPEG)(
  `ffmpeg cross-checks${HAS_FFMPEG ? '' : ' (skipped: ffmpeg is not on PATH)'}`,
  () => {
    const sizes = [
      [1, 1],
      [3, 2],
      [7, 5],
      [33, 9],
      [2, 31],
    ] as const;

    it.each(sizes)('ffmpeg decodes our BMP and PNG output (%ix%i) to the same pixels', (w, h) => {
      const images = [
        new Image(w, h, PIXFORMAT.GRAYSCALE, seededBytes(w * h, w + h)),
        new Image(w, h, PIXFORMAT.RGB565, seededBytes(2 * w * h, w + 2 * h)),
        new Image(w, h, PIXFORMAT.BINARY, seededBytes(4 * Math.ceil(w / 32) * h, w + 3 * h)),
        new Image(w, h, PIXFORMAT.YUV422, seededBytes(2 * w * h, w + 4 * h)),
      ];
      for (const img of images) {
        const expected = toRgba(img);
        const bmp = encodeBmp(img);
        // A 1-pixel-wide YUV frame shows as its luma, which RGB565 cannot always hold exactly.
        const expectedBmp = img.pixformat === PIXFORMAT.YUV422 && w === 1 ? toRgba(decodeBmp(bmp)) : expected;
        expect(diff(ffmpegDecode(write(bmp, 'bmp')), expectedBmp), `BMP ${img}`).toBe(-1);
        expect(diff(ffmpegDecode(write(encodePng(img), 'png')), expected), `PNG ${img}`).toBe(-1);
      }
      const bayer = new Image(w, h, PIXFORMAT.BAYER_GRBG, seededBytes(w * h, 5 * h));
      expect(diff(ffmpegDecode(write(encodePng(bayer), 'png')), toRgba(bayer))).toBe(-1);
      const rgba = { width: w, height: h, data: new Uint8ClampedArray(seededBytes(4 * w * h, 6 * w)) };
      expect(diff(ffmpegDecode(write(encodePngRgba(rgba), 'png')), rgba.data)).toBe(-1);
    });

    it.each(['faces.bmp', 'hand.bmp', 'person.bmp', 'graffiti.bmp'])(
      'decodes the real %s as ffmpeg does',
      (name) => {
        const img = decodeBmp(new Uint8Array(readFileSync(DATA + name)));
        expect(diff(toRgba(img), ffmpegDecode(DATA + name))).toBe(-1);
      },
    );

    it.each([
      ['rgb24', 'rgba'],
      ['rgba', 'rgba'],
      ['gray', 'rgba'],
      ['ya8', 'rgba'],
      ['pal8', 'rgba'],
      ['monob', 'rgba'],
      ['gray16be', 'rgba64be'],
      ['rgb48be', 'rgba64be'],
      ['rgba64be', 'rgba64be'],
    ])('decodes ffmpeg PNGs written as %s', (pixFmt, readAs) => {
      const source = write(new Uint8Array(readFileSync(DATA + 'hand.bmp')), 'bmp');
      const png = join(dir, `ff-${pixFmt}.png`);
      const r = spawnSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-i',
        source,
        '-vf',
        'scale=97:61',
        '-pix_fmt',
        pixFmt,
        png,
      ]);
      expect(r.status, r.stderr.toString()).toBe(0);
      const ours = decodePng(new Uint8Array(readFileSync(png)));
      expect([ours.width, ours.height]).toEqual([97, 61]);
      let theirs = ffmpegDecode(png, readAs);
      if (readAs === 'rgba64be') theirs = theirs.filter((_, i) => i % 2 === 0); // high bytes
      expect(diff(ours.data, theirs)).toBe(-1);
    });
  },
);
