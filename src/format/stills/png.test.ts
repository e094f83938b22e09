import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OSError, ValueError } from '../errors';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import { rng, seededBytes } from '../test/helpers';
import { zlibInflate } from './inflate';
import { decodePng, encodePng, encodePngRgba, pngInfo } from './png';
import { buildPng, chunkBytes, expectedRgba, firstDifference as diff, type PngSpec } from './test-support';
import { osError } from '../test/expect-errors';

const crc = (d: Uint8Array): number => zlib.crc32(d);
const compress = (d: Uint8Array): Uint8Array => new Uint8Array(zlib.deflateSync(d));

/** The chunk types of a PNG, in order. */
function chunkTypes(png: Uint8Array): string[] {
  const types: string[] = [];
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at < png.length;) {
    const len = v.getUint32(at);
    types.push(String.fromCharCode(...png.subarray(at + 4, at + 8)));
    at += 12 + len;
  }
  return types;
}

/** The filter-type byte of each row of a non-interlaced PNG with one IDAT. */
function filterTypes(png: Uint8Array): number[] {
  const info = pngInfo(png);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const len = v.getUint32(33);
  const raw = new Uint8Array(zlib.inflateSync(png.subarray(41, 41 + len)));
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[info.colorType as 0 | 2 | 3 | 4 | 6];
  const rowBytes = Math.ceil((info.width * channels * info.bitDepth) / 8);
  return Array.from({ length: info.height }, (_, y) => raw[y * (rowBytes + 1)]!);
}

/** Replaces the data of the chunk at `at` (fixing length and CRC). */
function withChunk(png: Uint8Array, at: number, type: string, data: Uint8Array): Uint8Array {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const oldLen = v.getUint32(at);
  const c = chunkBytes(type, data, crc);
  return Uint8Array.from([...png.subarray(0, at), ...c, ...png.subarray(at + 12 + oldLen)]);
}

describe('encodePng: formats.md B §6.6', () => {
  const sizes = [
    [1, 1],
    [3, 2],
    [7, 5],
    [33, 9],
    [2, 31],
  ] as const;

  it.each(sizes)('GRAYSCALE %ix%i → 8-bit grey, pixels exact', (w, h) => {
    const img = new Image(w, h, PIXFORMAT.GRAYSCALE, seededBytes(w * h, w * 7 + h));
    const png = encodePng(img);
    expect(pngInfo(png)).toEqual({ width: w, height: h, bitDepth: 8, colorType: 0, interlaced: false });
    expect(chunkTypes(png)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(diff(decodePng(png).data, toRgba(img))).toBe(-1);
  });

  it.each(sizes)('RGB565 %ix%i → 8-bit RGB by bit replication', (w, h) => {
    const img = new Image(w, h, PIXFORMAT.RGB565, seededBytes(2 * w * h, w * 11 + h));
    const png = encodePng(img);
    expect(pngInfo(png).colorType).toBe(2);
    expect(pngInfo(png).bitDepth).toBe(8);
    expect(diff(decodePng(png).data, toRgba(img))).toBe(-1);
  });

  it.each(sizes)('BINARY %ix%i → 1-bit grey, MSB first, 1 = white, filter None', (w, h) => {
    const img = new Image(w, h, PIXFORMAT.BINARY, seededBytes(4 * Math.ceil(w / 32) * h, w * 13 + h));
    const png = encodePng(img);
    expect(pngInfo(png)).toMatchObject({ bitDepth: 1, colorType: 0 });
    expect(filterTypes(png).every((f) => f === 0)).toBe(true);
    expect(diff(decodePng(png).data, toRgba(img))).toBe(-1);
    // The first packed byte holds pixels 0..7 with pixel 0 in the most significant bit.
    const raw = new Uint8Array(zlib.inflateSync(png.subarray(41, png.length - 12 - 4)));
    let expected = 0;
    for (let x = 0; x < Math.min(8, w); x++) expected |= ((img.data[x >> 3]! >> (x & 7)) & 1) << (7 - x);
    expect(raw[1]).toBe(expected);
  });

  it.each([
    PIXFORMAT.BAYER_BGGR,
    PIXFORMAT.BAYER_GBRG,
    PIXFORMAT.BAYER_GRBG,
    PIXFORMAT.BAYER_RGGB,
    PIXFORMAT.YUV422,
    PIXFORMAT.YVU422,
  ])('Bayer / YUV (0x%s) → 8-bit RGB of what the camera shows (the firmware refuses these)', (fmt) => {
    const img = new Image(11, 6, fmt, seededBytes(132, fmt & 0xffff));
    const png = encodePng(img);
    expect(pngInfo(png).colorType).toBe(2);
    expect(diff(decodePng(png).data, toRgba(img))).toBe(-1);
  });

  it('passes a PNG image through and refuses JPEG and ARGB8', () => {
    const inner = encodePng(new Image(2, 2, PIXFORMAT.GRAYSCALE, Uint8Array.from([1, 2, 3, 4])));
    const img = new Image(2, 2, PIXFORMAT.PNG, inner);
    const out = encodePng(img);
    expect(diff(out, inner)).toBe(-1);
    expect(out).not.toBe(inner);
    expect(() => encodePng(new Image(2, 2, PIXFORMAT.JPEG, new Uint8Array(10)))).toThrow(
      /JPEG frame cannot be written as PNG directly: decode it first/,
    );
    expect(() => encodePng(new Image(2, 2, PIXFORMAT.JPEG, new Uint8Array(10)))).toThrow(ValueError);
    expect(() => encodePng(new Image(2, 2, PIXFORMAT.ARGB8))).toThrow(ValueError);
  });

  it('filters adaptively (MINSUM): identical rows use Up', () => {
    const row = seededBytes(40, 3);
    const data = new Uint8Array(40 * 6);
    for (let y = 0; y < 6; y++) data.set(row, y * 40);
    const types = filterTypes(encodePng(new Image(40, 6, PIXFORMAT.GRAYSCALE, data)));
    expect(types.slice(1)).toEqual([2, 2, 2, 2, 2]);
    // Every row takes the filter with the smallest MINSUM cost (lodepng's rule), ties to the lower type.
    const w = 23;
    const h = 12;
    const img = new Image(
      w,
      h,
      PIXFORMAT.RGB565,
      seededBytes(2 * w * h, 8).map((b, i) => (i % 5 ? b : i & 255)),
    );
    const rgb = decodePng(encodePng(img)).data;
    const rows = Array.from({ length: h }, (_, y) =>
      Array.from({ length: w * 3 }, (_, i) => rgb[(y * w + Math.floor(i / 3)) * 4 + (i % 3)]!),
    );
    const chosen = filterTypes(encodePng(img));
    rows.forEach((row, y) => {
      const prev = y > 0 ? rows[y - 1]! : new Array<number>(w * 3).fill(0);
      const costs = [0, 1, 2, 3, 4].map((type) =>
        row.reduce((sum, x, i) => {
          const a = i >= 3 ? row[i - 3]! : 0;
          const b = prev[i]!;
          const c = i >= 3 ? prev[i - 3]! : 0;
          const p = a + b - c;
          const paeth =
            Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
              ? a
              : Math.abs(p - b) <= Math.abs(p - c)
                ? b
                : c;
          const v = (x - [0, a, b, (a + b) >> 1, paeth][type]!) & 255;
          return sum + (type === 0 ? v : v < 128 ? v : 255 - v);
        }, 0),
      );
      expect(chosen[y]).toBe(costs.indexOf(Math.min(...costs)));
    });
  });

  it('is deterministic', () => {
    const img = new Image(30, 20, PIXFORMAT.RGB565, seededBytes(1200, 77));
    expect(diff(encodePng(img), encodePng(img))).toBe(-1);
  });
});

describe('encodePngRgba', () => {
  const opaque = {
    width: 3,
    height: 2,
    data: new Uint8ClampedArray(24).map((_, i) => (i % 4 === 3 ? 255 : i * 9)),
  };

  it('writes RGB when every pixel is opaque, RGBA otherwise or when asked', () => {
    const rgb = encodePngRgba(opaque);
    expect(pngInfo(rgb).colorType).toBe(2);
    expect(diff(decodePng(rgb).data, opaque.data)).toBe(-1);
    const forced = encodePngRgba(opaque, { alpha: true });
    expect(pngInfo(forced).colorType).toBe(6);
    expect(diff(decodePng(forced).data, opaque.data)).toBe(-1);
    const translucent = { ...opaque, data: opaque.data.slice() };
    translucent.data[7] = 10;
    const rgba = encodePngRgba(translucent);
    expect(pngInfo(rgba).colorType).toBe(6);
    expect(diff(decodePng(rgba).data, translucent.data)).toBe(-1);
    const dropped = decodePng(encodePngRgba(translucent, { alpha: false }));
    expect(dropped.data[7]).toBe(255);
  });

  it('validates the raster', () => {
    expect(() => encodePngRgba({ width: 0, height: 2, data: new Uint8ClampedArray(0) })).toThrow(ValueError);
    expect(() => encodePngRgba({ width: 2, height: 2, data: new Uint8ClampedArray(15) })).toThrow(
      /RGBA data is 15 bytes, 2x2 needs 16/,
    );
  });
});

describe('decodePng of PNGs built with Node zlib', () => {
  const combos: [0 | 2 | 3 | 4 | 6, (1 | 2 | 4 | 8 | 16)[]][] = [
    [0, [1, 2, 4, 8, 16]],
    [2, [8, 16]],
    [3, [1, 2, 4, 8]],
    [4, [8, 16]],
    [6, [8, 16]],
  ];
  const cases: { name: string; spec: PngSpec }[] = [];
  for (const [colorType, depths] of combos) {
    for (const bitDepth of depths) {
      for (const interlaced of [false, true]) {
        for (const [width, height] of [
          [1, 1],
          [13, 7],
          [9, 10],
          [3, 17],
        ] as const) {
          const next = rng(colorType * 1000 + bitDepth * 10 + width + (interlaced ? 500 : 0));
          const max = 2 ** bitDepth - 1;
          const paletteSize = colorType === 3 ? Math.min(max + 1, 1 + Math.floor(next() * 200)) : 0;
          const values = Array.from({ length: width * height * 4 }, () =>
            colorType === 3 ? Math.floor(next() * paletteSize) : Math.floor(next() * (max + 1)),
          );
          const spec: PngSpec = {
            width,
            height,
            colorType,
            bitDepth,
            interlaced,
            sample: (x, y, c) => values[(y * width + x) * 4 + c]!,
            compress,
            crc,
          };
          if (colorType === 3) {
            spec.palette = seededBytes(paletteSize * 3, paletteSize);
            spec.trns = seededBytes(Math.floor(paletteSize / 2), 5);
          }
          cases.push({
            name: `type ${colorType} depth ${bitDepth} ${width}x${height}${interlaced ? ' Adam7' : ''}`,
            spec,
          });
        }
      }
    }
  }

  it.each(cases.map((c) => [c.name, c.spec] as const))('%s', (_, spec) => {
    const png = buildPng(spec);
    expect(pngInfo(png)).toEqual({
      width: spec.width,
      height: spec.height,
      bitDepth: spec.bitDepth,
      colorType: spec.colorType,
      interlaced: spec.interlaced === true,
    });
    const out = decodePng(png);
    expect(out.width).toBe(spec.width);
    expect(out.height).toBe(spec.height);
    expect(diff(out.data, expectedRgba(spec))).toBe(-1);
  });

  it('applies tRNS colour keys for grey and RGB at 8 and 16 bits', () => {
    for (const [colorType, bitDepth, trns] of [
      [0, 8, [0, 7]],
      [0, 16, [0x12, 0x34]],
      [0, 2, [0, 2]],
      [2, 8, [0, 1, 0, 2, 0, 3]],
      [2, 16, [1, 0, 2, 0, 3, 0]],
    ] as const) {
      const spec: PngSpec = {
        width: 6,
        height: 3,
        colorType,
        bitDepth,
        sample: (x, y, c) =>
          (x + y) % 2 === 0
            ? bitDepth === 16
              ? [0x1234, 0x100, 0x200, 0x300][colorType === 0 ? 0 : c + 1]!
              : bitDepth === 2
                ? 2
                : colorType === 0
                  ? 7
                  : c + 1
            : x % 3,
        trns: Uint8Array.from(trns),
        compress,
        crc,
      };
      const out = decodePng(buildPng(spec));
      expect(out.data[3], `type ${colorType} depth ${bitDepth}`).toBe(0);
      expect(diff(out.data, expectedRgba(spec))).toBe(-1);
    }
  });

  it('reads IDAT split into many chunks, skips ancillary chunks, any zlib level', () => {
    for (const level of [0, 1, 9]) {
      const spec: PngSpec = {
        width: 20,
        height: 11,
        colorType: 6,
        bitDepth: 8,
        sample: (x, y, c) => (x * 13 + y * 7 + c * 50) & 255,
        compress: (d) => new Uint8Array(zlib.deflateSync(d, { level })),
        crc,
        idatSize: 7,
        before: [
          { type: 'gAMA', data: Uint8Array.from([0, 0, 0xb1, 0x8f]) },
          { type: 'tEXt', data: Uint8Array.from([0x41, 0, 0x42]) },
        ],
      };
      expect(diff(decodePng(buildPng(spec)).data, expectedRgba(spec))).toBe(-1);
    }
  });
});

describe('decodePng errors', () => {
  const base: PngSpec = {
    width: 4,
    height: 3,
    colorType: 2,
    bitDepth: 8,
    sample: (x, y, c) => x * 40 + y * 20 + c,
    compress,
    crc,
  };
  const good = buildPng(base);

  it('signature, IHDR and CRCs', () => {
    expect(osError(() => decodePng(good.subarray(0, 5)))).toMatch(
      /^Failed to read requested bytes! PNG at offset 0/,
    );
    const sig = good.slice();
    sig[1] = 0x51;
    expect(osError(() => decodePng(sig))).toBe(
      'Unexpected value read! PNG at offset 1: signature byte is 0x51, expected 0x50',
    );
    const crcBad = good.slice();
    crcBad[20]! ^= 1;
    expect(osError(() => decodePng(crcBad))).toMatch(
      /^File corrupted! PNG at offset 29: CRC of chunk IHDR is 0x[0-9a-f]{8}, computed/,
    );
    const ihdr = (patch: (d: Uint8Array) => void): Uint8Array => {
      const d = good.slice(16, 29);
      patch(d);
      return withChunk(good, 8, 'IHDR', d);
    };
    expect(osError(() => decodePng(ihdr((d) => (d[3] = 0))))).toMatch(
      /^File corrupted! PNG at offset 16: width 0/,
    );
    expect(osError(() => decodePng(ihdr((d) => (d[8] = 4))))).toBe(
      'Unsupported format! PNG at offset 24: bit depth 4 with colour type 2 (allowed: 8, 16)',
    );
    expect(osError(() => decodePng(ihdr((d) => (d[9] = 5))))).toMatch(/colour type 5/);
    expect(osError(() => decodePng(ihdr((d) => (d[12] = 2))))).toMatch(/interlace method 2/);
    const notFirst = Uint8Array.from([
      ...good.subarray(0, 8),
      ...chunkBytes('gAMA', new Uint8Array(4), crc),
      ...good.subarray(8),
    ]);
    expect(osError(() => decodePng(notFirst))).toBe(
      'File corrupted! PNG at offset 12: the first chunk is gAMA, expected IHDR',
    );
  });

  it('chunk order and contents', () => {
    const idatAt = 33;
    const insertBefore = (at: number, c: Uint8Array): Uint8Array =>
      Uint8Array.from([...good.subarray(0, at), ...c, ...good.subarray(at)]);
    expect(osError(() => decodePng(insertBefore(idatAt, chunkBytes('ABCD', new Uint8Array(1), crc))))).toBe(
      'Unsupported format! PNG at offset 33: unknown critical chunk ABCD',
    );
    expect(osError(() => decodePng(insertBefore(idatAt, chunkBytes('tRNS', new Uint8Array(2), crc))))).toBe(
      'File corrupted! PNG at offset 33: tRNS is 2 bytes, expected 6',
    );
    expect(
      osError(() => decodePng(insertBefore(idatAt, chunkBytes('PLTE', new Uint8Array(4), crc)))),
    ).toMatch(/PLTE is 4 bytes/);
    expect(osError(() => decodePng(good.subarray(0, good.length - 12)))).toMatch(
      /^Failed to read requested bytes! PNG at offset \d+: a chunk header needs 8 bytes, the file has 0 left/,
    );
    const split = buildPng({ ...base, idatSize: 10 });
    const v = new DataView(split.buffer);
    const second = 33 + 12 + v.getUint32(33);
    const interrupted = Uint8Array.from([
      ...split.subarray(0, second),
      ...chunkBytes('tEXt', Uint8Array.from([0x61, 0]), crc),
      ...split.subarray(second),
    ]);
    expect(osError(() => decodePng(interrupted))).toMatch(/IDAT chunks are not consecutive/);
    const palette = buildPng({ ...base, colorType: 3, palette: seededBytes(6, 1), sample: () => 1 });
    const noPlte = Uint8Array.from([...palette.subarray(0, 33), ...palette.subarray(33 + 18)]);
    expect(osError(() => decodePng(noPlte))).toMatch(/a palette image without PLTE/);
    const badIndex = buildPng({
      ...base,
      colorType: 3,
      palette: seededBytes(6, 1),
      sample: (x) => (x === 3 ? 2 : 0),
    });
    expect(osError(() => decodePng(badIndex))).toMatch(
      /pixel \(3, 0\) uses palette index 2, the palette has 2 entries/,
    );
  });

  it('image data: amount, filters, zlib', () => {
    const short = buildPng({ ...base, compress: (d) => compress(d.subarray(0, d.length - 1)) });
    expect(osError(() => decodePng(short))).toMatch(
      /^File corrupted! PNG at offset 33: IDAT: Invalid deflate data at byte \d+: the stream ends after 38 of the 39 bytes expected/,
    );
    const long = buildPng({ ...base, compress: (d) => compress(Uint8Array.from([...d, 0])) });
    expect(osError(() => decodePng(long))).toMatch(/more than the 39 bytes expected/);
    const badFilter = buildPng({ ...base, compress: (d) => compress(d.map((b, i) => (i === 13 ? 5 : b))) });
    expect(osError(() => decodePng(badFilter))).toBe(
      'File corrupted! PNG at offset 33: filter type 5 (0..4) in the image data',
    );
    const badZlib = buildPng({ ...base, compress: (d) => compress(d).map((b, i) => (i === 0 ? 0x79 : b)) });
    expect(osError(() => decodePng(badZlib))).toMatch(/IDAT: Invalid zlib data: compression method 9/);
    const badAdler = buildPng({
      ...base,
      compress: (d) => compress(d).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b)),
    });
    expect(osError(() => decodePng(badAdler))).toMatch(/Adler-32 mismatch/);
  });

  it('bounds the allocation by maxPixels and by what the IDAT bytes can expand to', () => {
    expect(osError(() => decodePng(good, { maxPixels: 11 }))).toBe(
      'Unsupported format! PNG at offset 16: 4x3 is more than the 11 pixels allowed',
    );
    const d = good.slice(16, 29);
    new DataView(d.buffer).setUint32(0, 100000);
    new DataView(d.buffer).setUint32(4, 100000);
    const huge = withChunk(good, 8, 'IHDR', d);
    expect(osError(() => decodePng(huge, { maxPixels: 2 ** 40 }))).toMatch(
      /^File corrupted! PNG at offset 33: \d+ bytes of IDAT cannot hold the 30000100000 bytes of image data 100000x100000 needs/,
    );
  });
});

describe('pngInfo', () => {
  it('reads the IHDR only', () => {
    const png = encodePng(new Image(640, 3, PIXFORMAT.GRAYSCALE));
    expect(pngInfo(png.subarray(0, 33))).toEqual({
      width: 640,
      height: 3,
      bitDepth: 8,
      colorType: 0,
      interlaced: false,
    });
    expect(() => pngInfo(png.subarray(0, 30))).toThrow(OSError);
    expect(() => pngInfo(new Uint8Array(8))).toThrow(OSError);
  });

  it('decodes what zlib inflates to the same scanlines', () => {
    const img = new Image(25, 9, PIXFORMAT.RGB565, seededBytes(450, 4));
    const png = encodePng(img);
    const v = new DataView(png.buffer);
    const idat = png.subarray(41, 41 + v.getUint32(33));
    expect(diff(zlibInflate(idat), new Uint8Array(zlib.inflateSync(idat)))).toBe(-1);
  });
});
