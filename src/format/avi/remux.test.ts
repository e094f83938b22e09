import { decode, encode } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../byte-store';
import { ValueError } from '../errors';
import { Image } from '../image';
import { ImageIO } from '../imageio';
import { ManualClock } from '../clock';
import { PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import type { RgbaImage } from '../raster';
import { frameDurations, imageIoToAvi, jpegSize, letterboxEncoder, readFrame, readMjpegAvi } from './index';

const jpegOf = (w: number, h: number, shade: number): Uint8Array =>
  new Uint8Array(encode({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(shade) }, 80).data);

/** The encoder stand-in: jpeg-js where the project's own encoder will go. */
const standIn = letterboxEncoder(
  (frame: Image): RgbaImage => {
    if (frame.pixformat !== PIXFORMAT.JPEG)
      return { width: frame.width, height: frame.height, data: toRgba(frame) };
    const d = decode(frame.data, { useTArray: true, formatAsRGBA: true });
    return { width: d.width, height: d.height, data: new Uint8ClampedArray(d.data) };
  },
  (rgba) => new Uint8Array(encode({ width: rgba.width, height: rgba.height, data: rgba.data }, 90).data),
);

/** A recording: 32x24 JPEGs, an RGB565 frame, a 16x16 JPEG; elapsed 5 (since open), 40, 30, 50, 40 ms. */
function recording(): { store: MemoryStore; jpegs: Uint8Array[] } {
  const jpegs = [jpegOf(32, 24, 10), jpegOf(32, 24, 90), jpegOf(32, 24, 200)];
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  const frames = [
    new Image(32, 24, PIXFORMAT.JPEG, jpegs[0]),
    new Image(32, 24, PIXFORMAT.RGB565, new Uint8Array(32 * 24 * 2).fill(0x5a)),
    new Image(32, 24, PIXFORMAT.JPEG, jpegs[1]),
    new Image(16, 16, PIXFORMAT.JPEG, jpegOf(16, 16, 50)),
    new Image(32, 24, PIXFORMAT.JPEG, jpegs[2]),
  ];
  [5, 40, 30, 50, 40].forEach((ms, i) => io.write(frames[i] as Image, { elapsedMs: ms }));
  io.close();
  return { store, jpegs };
}

describe('imageIoToAvi', () => {
  it('copies JPEG frames of the clip size and sends the rest through the injected encoder', async () => {
    const { store, jpegs } = recording();
    const out = new MemoryStore();
    const progress: number[] = [];
    const result = await imageIoToAvi(ImageIO.open(store, 'r'), out, {
      encode: standIn,
      onProgress: (done) => progress.push(done),
    });
    expect(result).toEqual({ frames: 5, copied: 3, encoded: 2, durationMs: 200 });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const avi = readMjpegAvi(out);
    expect(avi).toMatchObject({ width: 32, height: 24, frameCount: 5, damage: null });
    expect(avi.usPerFrame).toBeCloseTo(40_000, 6); // 200 ms over 5 frames
    const got = avi.frames.map((f) => readFrame(out, f));
    expect([got[0], got[2], got[4]]).toEqual(jpegs);
    for (const i of [1, 3]) expect(jpegSize(got[i] as Uint8Array)).toEqual({ width: 32, height: 24 });
  });

  it('without an encoder, a frame that needs one is a ValueError naming it', async () => {
    const { store } = recording();
    await expect(imageIoToAvi(ImageIO.open(store, 'r'), new MemoryStore())).rejects.toThrow(
      new ValueError('Frame 1 is 32x24 RGB565, not a 32x24 JPEG, and no encoder was given'),
    );
  });

  it('stops when its signal is aborted', async () => {
    const { store } = recording();
    const signal = { aborted: true, reason: new Error('stopped') };
    await expect(imageIoToAvi(ImageIO.open(store, 'r'), new MemoryStore(), { signal })).rejects.toThrow(
      'stopped',
    );
  });
});

describe('frameDurations', () => {
  it('frame i lasts until frame i+1; the last lasts the mean; no timing gives the fallback', () => {
    expect(Array.from(frameDurations([5, 40, 30, 50, 40], 33))).toEqual([40, 30, 50, 40, 40]);
    expect(Array.from(frameDurations([7], 33))).toEqual([33]);
    expect(Array.from(frameDurations([0, 0, 0], 25))).toEqual([25, 25, 25]);
    expect(Array.from(frameDurations([], 25))).toEqual([]);
  });
});
