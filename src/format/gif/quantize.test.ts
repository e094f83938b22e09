import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import type { RgbaImage } from '../raster';
import { rng, TEST_IMAGES } from '../test/helpers';
import { ditherBayer, ditherFloydSteinberg } from './dither';
import { buildPalette, ColorMapper, greyPalette } from './quantize';

const DATA = TEST_IMAGES;

/** A binary PPM (P6) or PGM (P5) with `#` comments, as RGBA. */
function readPnm(name: string): RgbaImage {
  const b = new Uint8Array(readFileSync(DATA + name));
  const text = new TextDecoder('latin1').decode(b.subarray(0, 200));
  const m = /^(P[56])\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*255\s/.exec(text);
  if (!m) throw new Error(`cannot parse ${name}`);
  const [head, magic, w, h] = m as unknown as [string, string, string, string];
  const width = Number(w);
  const height = Number(h);
  const data = new Uint8ClampedArray(width * height * 4);
  const ch = magic === 'P6' ? 3 : 1;
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) data[i * 4 + k] = b[head.length + i * ch + (ch === 3 ? k : 0)] as number;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

function image(
  width: number,
  height: number,
  f: (x: number, y: number) => [number, number, number],
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const [r, g, b] = f(x, y);
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

function bruteNearest(p: Uint8Array, r: number, g: number, b: number): number {
  let best = Infinity;
  let idx = 0;
  for (let i = 0; i < p.length / 3; i++) {
    const d =
      ((p[i * 3] as number) - r) ** 2 +
      ((p[i * 3 + 1] as number) - g) ** 2 +
      ((p[i * 3 + 2] as number) - b) ** 2;
    if (d < best) {
      best = d;
      idx = i;
    }
  }
  return idx;
}

function psnr(a: RgbaImage, palette: Uint8Array, idx: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < idx.length; i++) {
    for (let k = 0; k < 3; k++)
      se += ((a.data[i * 4 + k] as number) - (palette[(idx[i] as number) * 3 + k] as number)) ** 2;
  }
  return 10 * Math.log10((255 * 255 * idx.length * 3) / se);
}

describe('buildPalette', () => {
  it('gives content with few colours exactly its colours', () => {
    const img = image(50, 40, (x, y) => [(x % 5) * 50, (y % 4) * 60, ((x + y) % 3) * 100]);
    const { palette, kind } = buildPalette(img);
    expect(kind).toBe('exact');
    expect(palette.length / 3).toBe(60);
    const idx = new ColorMapper(palette, kind).map(img.data);
    for (let i = 0; i < idx.length; i++) {
      for (let k = 0; k < 3; k++) expect(palette[(idx[i] as number) * 3 + k]).toBe(img.data[i * 4 + k]);
    }
  });

  it('gives black-and-white frames two colours, even as a global palette', () => {
    const img = image(16, 16, (x, y) => ((x ^ y) & 1 ? [255, 255, 255] : [0, 0, 0]));
    expect(buildPalette(img).palette).toEqual(Uint8Array.of(0, 0, 0, 255, 255, 255));
    expect(buildPalette(img, { global: true }).palette.length).toBe(6);
  });

  it('gives greyscale content the 256-level ramp (a global palette always; a frame when it has > 128 levels)', () => {
    const cat = readPnm('cat.pgm');
    const built = buildPalette(cat);
    expect(built.kind).toBe('grey');
    expect(built.palette).toEqual(greyPalette());
    const few = image(8, 8, (x) => [x * 10, x * 10, x * 10]);
    expect(buildPalette(few).kind).toBe('exact');
    expect(buildPalette(few, { global: true }).kind).toBe('grey');
    // The ramp maps every grey level to itself.
    const idx = new ColorMapper(greyPalette()).map(cat.data);
    for (let i = 0; i < idx.length; i++) expect(idx[i]).toBe(cat.data[i * 4]);
  });

  it("quantizes a photo to at most 256 colours with Wu's method, at a good PSNR", () => {
    const photo = readPnm('csi.ppm');
    const { palette, kind } = buildPalette(photo);
    expect(kind).toBe('adaptive');
    expect(palette.length / 3).toBeLessThanOrEqual(256);
    expect(palette.length / 3).toBeGreaterThan(200);
    const idx = new ColorMapper(palette, kind).map(photo.data);
    expect(psnr(photo, palette, idx)).toBeGreaterThan(34); // gifenc (PnnQuant) gets 34.4 dB
    // Fewer colours, lower but sane quality.
    const small = buildPalette(photo, { maxColors: 16 });
    expect(small.palette.length / 3).toBeLessThanOrEqual(16);
    expect(
      psnr(photo, small.palette, new ColorMapper(small.palette, small.kind).map(photo.data)),
    ).toBeGreaterThan(22);
  });

  it('rejects bad sizes', () => {
    const img = image(2, 2, () => [1, 2, 3]);
    expect(() => buildPalette(img, { maxColors: 1 })).toThrow(ValueError);
    expect(() => buildPalette(img, { maxColors: 257 })).toThrow(ValueError);
    expect(() => buildPalette([])).toThrow(ValueError);
  });
});

describe('ColorMapper', () => {
  it('finds the exact nearest colour (lowest index on ties) for random colours and palettes', () => {
    const next = rng(11);
    for (let t = 0; t < 6; t++) {
      const n = [2, 3, 16, 100, 255, 256][t] as number;
      const palette = Uint8Array.from({ length: n * 3 }, () => Math.floor(next() * 256));
      if (t === 5) palette.set(palette.subarray(0, 30), 300); // duplicates: the lower index must win
      const data = Uint8ClampedArray.from({ length: 4 * 20000 }, () => Math.floor(next() * 256));
      for (const kind of ['adaptive', 'exact'] as const) {
        const m = new ColorMapper(palette, kind);
        const idx = m.map(data);
        for (let i = 0; i < 20000; i++) {
          const want = bruteNearest(
            palette,
            data[i * 4] as number,
            data[i * 4 + 1] as number,
            data[i * 4 + 2] as number,
          );
          const got = idx[i] as number;
          if (got !== want) {
            // Equal distance is fine only if the index is the lower one.
            expect(got).toBe(want);
          }
        }
        // Second pass (warm caches) gives the same answer.
        expect(m.map(data)).toEqual(idx);
      }
    }
  });

  it('maps colours outside a grey palette to the nearest grey', () => {
    const m = new ColorMapper(greyPalette());
    expect(m.kind).toBe('grey');
    const idx = m.map(Uint8Array.of(10, 20, 30, 255, 255, 0, 0, 255));
    expect(Array.from(idx)).toEqual([20, 85]);
    expect(() => new ColorMapper(Uint8Array.of(1, 2, 3), 'grey')).toThrow(ValueError);
    expect(() => new ColorMapper(new Uint8Array(4))).toThrow(ValueError);
  });

  it('dithers (Floyd-Steinberg and Bayer) to valid indices with the average colour kept', () => {
    const grad = image(64, 32, (x) => [x * 4, x * 4, x * 4]);
    const bw = Uint8Array.of(0, 0, 0, 255, 255, 255);
    const m = new ColorMapper(bw);
    for (const idx of [ditherFloydSteinberg(grad.data, 64, 32, m), ditherBayer(grad.data, 64, 32, m)]) {
      // Left quarter mostly black, right quarter mostly white, middle mixed.
      let mid = 0;
      for (let y = 0; y < 32; y++) for (let x = 24; x < 40; x++) mid += idx[y * 64 + x] as number;
      expect(mid / (32 * 16)).toBeGreaterThan(0.3);
      expect(mid / (32 * 16)).toBeLessThan(0.7);
      expect(idx.every((v) => v <= 1)).toBe(true);
    }
  });
});
