import { describe, expect, it } from 'vitest';
import { letterbox, resizeBilinear, resizeNearest, type RgbaImage } from './raster';

const img = (width: number, height: number, f: (x: number, y: number) => number[]): RgbaImage => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 4);
  return { width, height, data };
};
const px = (im: RgbaImage, x: number, y: number) =>
  Array.from(im.data.subarray((y * im.width + x) * 4, (y * im.width + x) * 4 + 4));

describe('raster', () => {
  it('nearest doubles each pixel and halves by picking centres', () => {
    const src = img(2, 1, (x) => [x * 100, 0, 0, 255]);
    const up = resizeNearest(src, 4, 2);
    expect([px(up, 0, 0), px(up, 1, 1), px(up, 2, 0), px(up, 3, 1)].map((p) => p[0])).toEqual([
      0, 0, 100, 100,
    ]);
    const down = resizeNearest(
      img(4, 4, (x, y) => [x, y, 0, 255]),
      2,
      2,
    );
    expect([px(down, 0, 0), px(down, 1, 1)]).toEqual([
      [1, 1, 0, 255],
      [3, 3, 0, 255],
    ]);
  });

  it('bilinear keeps a flat image flat and blends neighbours', () => {
    const flat = resizeBilinear(
      img(3, 3, () => [10, 20, 30, 255]),
      7,
      5,
    );
    expect(new Set(Array.from(flat.data)).size).toBeLessThanOrEqual(4);
    const ramp = resizeBilinear(
      img(2, 1, (x) => [x * 200, 0, 0, 255]),
      4,
      1,
    );
    expect(ramp.data[4]! > 0 && ramp.data[4]! < 200).toBe(true);
  });

  it('letterboxes a 4:3 frame into a 16:9 canvas as the mjpeg module places it', () => {
    const out = letterbox(
      img(4, 3, () => [255, 255, 255, 255]),
      16,
      9,
    );
    // scale = min(16/4, 9/3) = 3 → 12x9 at x = floor((16-12)/2) = 2
    expect(px(out, 1, 4)).toEqual([0, 0, 0, 255]);
    expect(px(out, 2, 4)).toEqual([255, 255, 255, 255]);
    expect(px(out, 13, 0)).toEqual([255, 255, 255, 255]);
    expect(px(out, 14, 0)).toEqual([0, 0, 0, 255]);
  });
});
