import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import { fromHex, seededBytes, toHex, TEST_IMAGES } from '../test/helpers';
import { decodeBmp, encodeBmp, readBmpHeader } from './bmp';
import { decodePnm } from './pnm';
import { firstDifference as diff } from './test-support';
import { osError } from '../test/expect-errors';

const DATA = TEST_IMAGES;

const RGB565_VECTOR = fromHex(`
0000: 42 4D 52 00 00 00 00 00 00 00 42 00 00 00 28 00
0010: 00 00 03 00 00 00 FE FF FF FF 01 00 10 00 03 00
0020: 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
0030: 00 00 00 00 00 00 00 F8 00 00 E0 07 00 00 1F 00
0040: 00 00 00 F8 E0 07 1F 00 00 00 FF FF 00 00 10 84
0050: 00 00`);

const GREY_HEADER = fromHex(
  '42 4D 3E 04 00 00 00 00 00 00 36 04 00 00 28 00 00 00 03 00 00 00 FE FF FF FF 01 00 08 00 00 00 00 00 08 00 00 00',
);

/** An RGB565 image from u16 pixel values. */
function rgb565(w: number, h: number, pixels: number[]): Image {
  const d = new Uint8Array(w * h * 2);
  pixels.forEach((p, i) => {
    d[2 * i] = p & 0xff;
    d[2 * i + 1] = p >> 8;
  });
  return new Image(w, h, PIXFORMAT.RGB565, d);
}

const pixel565 = (img: Image, x: number, y: number): number =>
  img.data[2 * (y * img.width + x)]! | (img.data[2 * (y * img.width + x) + 1]! << 8);

/** A BMP assembled field by field, for reader tests. */
function bmp(o: {
  w: number;
  h: number;
  bpp: 8 | 16 | 24;
  compression?: number;
  headerSize?: number;
  rows: Uint8Array[]; // stored order, unpadded
  gap?: number;
  masks?: number[];
  palette?: (i: number) => number;
}): Uint8Array {
  const headerSize = o.headerSize ?? 40;
  const compression = o.compression ?? (o.bpp === 16 ? 3 : 0);
  const rowBytes = Math.floor((Math.abs(o.w) * o.bpp + 31) / 32) * 4;
  const h = Math.abs(o.h);
  const masksAfter = compression === 3 && headerSize === 40 ? 12 : 0;
  const paletteBytes = o.bpp === 8 ? 1024 : 0;
  const offset = 14 + headerSize + masksAfter + paletteBytes + (o.gap ?? 0);
  const size = offset + rowBytes * h;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  v.setUint32(2, size, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, headerSize, true);
  v.setInt32(18, o.w, true);
  v.setInt32(22, o.h, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, o.bpp, true);
  v.setUint32(30, compression, true);
  v.setUint32(34, rowBytes * h, true);
  if (compression === 3) {
    const masks = o.masks ?? (o.bpp === 16 ? [0xf800, 0x07e0, 0x001f] : [0xff0000, 0xff00, 0xff]);
    masks.forEach((m, k) => v.setUint32(54 + 4 * k, m, true));
  }
  if (o.bpp === 8) {
    const at = 14 + headerSize;
    for (let i = 0; i < 256; i++) v.setUint32(at + 4 * i, o.palette ? o.palette(i) : i * 0x010101, true);
  }
  o.rows.forEach((r, y) => out.set(r, offset + y * rowBytes));
  return out;
}

describe('encodeBmp: formats.md B §6.2 vectors', () => {
  it('writes the 3x2 RGB565 vector byte for byte', () => {
    const img = rgb565(3, 2, [0xf800, 0x07e0, 0x001f, 0xffff, 0x0000, 0x8410]);
    const out = encodeBmp(img);
    expect(out.length).toBe(82);
    expect(toHex(out)).toBe(toHex(RGB565_VECTOR));
  });

  it('writes the 3x2 GRAYSCALE vector: header, grey palette, padded rows', () => {
    const img = new Image(3, 2, PIXFORMAT.GRAYSCALE, Uint8Array.from([1, 2, 3, 4, 5, 6]));
    const out = encodeBmp(img);
    expect(out.length).toBe(1086);
    expect(toHex(out.subarray(0, 38))).toBe(toHex(GREY_HEADER));
    expect(Array.from(out.subarray(38, 54))).toEqual(new Array(16).fill(0));
    for (let i = 0; i < 256; i++)
      expect(Array.from(out.subarray(0x36 + 4 * i, 0x3a + 4 * i))).toEqual([i, i, i, 0]);
    expect(toHex(out.subarray(0x436))).toBe('01 02 03 00 04 05 06 00');
  });

  it('reads both vectors back', () => {
    const a = decodeBmp(RGB565_VECTOR);
    expect(a.toString()).toBe('3x2 RGB565');
    expect([0, 1, 2].map((x) => pixel565(a, x, 0))).toEqual([0xf800, 0x07e0, 0x001f]);
    expect([0, 1, 2].map((x) => pixel565(a, x, 1))).toEqual([0xffff, 0x0000, 0x8410]);
    const g = decodeBmp(encodeBmp(new Image(3, 2, PIXFORMAT.GRAYSCALE, Uint8Array.from([1, 2, 3, 4, 5, 6]))));
    expect(g.toString()).toBe('3x2 GRAYSCALE');
    expect(Array.from(g.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('encodeBmp → decodeBmp round trips', () => {
  const sizes = [
    [1, 1],
    [2, 1],
    [3, 5],
    [5, 3],
    [7, 7],
    [13, 1],
    [1, 13],
    [33, 17],
    [64, 3],
  ] as const;

  it.each(sizes)('GRAYSCALE and RGB565 %ix%i', (w, h) => {
    const g = new Image(w, h, PIXFORMAT.GRAYSCALE, seededBytes(w * h, w * 100 + h));
    const gb = encodeBmp(g);
    expect(gb.length).toBe(1078 + Math.ceil(w / 4) * 4 * h);
    expect(diff(decodeBmp(gb).data, g.data)).toBe(-1);
    const c = new Image(w, h, PIXFORMAT.RGB565, seededBytes(2 * w * h, w * 100 + h + 1));
    const cb = encodeBmp(c);
    expect(cb.length).toBe(66 + 4 * Math.ceil((2 * w) / 4) * h);
    const back = decodeBmp(cb);
    expect(back.pixformat).toBe(PIXFORMAT.RGB565);
    expect(diff(back.data, c.data)).toBe(-1);
  });

  it('BINARY becomes 0x0000 / 0xFFFF (not the firmware reinterpretation of raw words)', () => {
    const w = 37;
    const h = 3;
    const img = new Image(w, h, PIXFORMAT.BINARY, seededBytes(8 * h, 9));
    const back = decodeBmp(encodeBmp(img));
    expect(back.pixformat).toBe(PIXFORMAT.RGB565);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const bit = (img.data[y * 8 + (x >> 3)]! >> (x & 7)) & 1;
        expect(pixel565(back, x, y)).toBe(bit ? 0xffff : 0);
      }
    }
  });

  it.each([PIXFORMAT.YUV422, PIXFORMAT.YVU422])('YUV (0x%s) converts with the firmware rules', (fmt) => {
    const img = new Image(9, 4, fmt, seededBytes(72, fmt & 0xffff));
    const back = decodeBmp(encodeBmp(img));
    expect(back.pixformat).toBe(PIXFORMAT.RGB565);
    // toRgba of the stored RGB565 equals toRgba of the YUV frame: the exact firmware pixels.
    expect(diff(toRgba(back), toRgba(img))).toBe(-1);
  });

  it('honours a clipped roi', () => {
    const img = new Image(
      5,
      4,
      PIXFORMAT.GRAYSCALE,
      Uint8Array.from({ length: 20 }, (_, i) => i),
    );
    const out = decodeBmp(encodeBmp(img, { roi: [-2, 1, 4, 10] }));
    expect(out.toString()).toBe('2x3 GRAYSCALE');
    expect(Array.from(out.data)).toEqual([5, 6, 10, 11, 15, 16]);
    const c = rgb565(4, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const cr = decodeBmp(encodeBmp(c, { roi: [1, 1, 2, 1] }));
    expect([pixel565(cr, 0, 0), pixel565(cr, 1, 0)]).toEqual([6, 7]);
  });

  it('rejects an empty intersection and bad roi dimensions with the firmware messages', () => {
    const img = new Image(5, 4, PIXFORMAT.GRAYSCALE);
    expect(osError(() => encodeBmp(img, { roi: [5, 0, 3, 3] }))).toBe('No intersection!');
    expect(osError(() => encodeBmp(img, { roi: [-3, -3, 3, 3] }))).toBe('No intersection!');
    expect(osError(() => encodeBmp(img, { roi: [0, 0, 0, 3] }))).toBe('Invalid ROI dimensions!');
    expect(() => encodeBmp(img, { roi: [0, 0, 1.5, 3] })).toThrow(ValueError);
  });

  it('refuses JPEG, PNG, Bayer and ARGB8 sources', () => {
    for (const fmt of [
      PIXFORMAT.JPEG,
      PIXFORMAT.PNG,
      PIXFORMAT.BAYER_BGGR,
      PIXFORMAT.BAYER_RGGB,
      PIXFORMAT.ARGB8,
    ]) {
      const img = new Image(4, 4, fmt, new Uint8Array(64));
      expect(osError(() => encodeBmp(img))).toBe('Image is not BMP!');
    }
  });
});

describe('decodeBmp: variants the strict reader accepts', () => {
  const w = 5;
  const h = 3;
  const grey = Array.from({ length: h }, (_, y) => Uint8Array.from({ length: w }, (_, x) => 10 * y + x));
  const c16 = Array.from({ length: h }, (_, y) =>
    Uint8Array.from({ length: 2 * w }, (_, i) => (i % 2 ? y * 16 + (i >> 1) : 0x41 + i)),
  );

  it('flips bottom-up files and mirrors negative widths', () => {
    const top = decodeBmp(bmp({ w, h: -h, bpp: 8, rows: grey }));
    expect(Array.from(top.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    const bottom = decodeBmp(bmp({ w, h, bpp: 8, rows: grey }));
    expect(Array.from(bottom.data.subarray(0, 5))).toEqual([20, 21, 22, 23, 24]);
    const mirrored = decodeBmp(bmp({ w: -w, h: -h, bpp: 8, rows: grey }));
    expect(Array.from(mirrored.data.subarray(0, 5))).toEqual([4, 3, 2, 1, 0]);
    const both = decodeBmp(bmp({ w: -w, h, bpp: 8, rows: grey }));
    expect(Array.from(both.data.subarray(10, 15))).toEqual([4, 3, 2, 1, 0]);
    const c = decodeBmp(bmp({ w: -w, h, bpp: 16, rows: c16 }));
    // Stored row 0 is the bottom row; its first stored pixel lands at the right edge.
    expect(pixel565(c, w - 1, h - 1)).toBe(c16[0]![0]! | (c16[0]![1]! << 8));
  });

  it('reads 24-bit BI_RGB and BI_BITFIELDS files as RGB565 by truncation', () => {
    const rows = [Uint8Array.from([0x10, 0x20, 0x30, 0xff, 0x80, 0x07])]; // B G R, B G R
    for (const compression of [0, 3]) {
      const img = decodeBmp(bmp({ w: 2, h: 1, bpp: 24, compression, rows }));
      expect(img.pixformat).toBe(PIXFORMAT.RGB565);
      expect(pixel565(img, 0, 0)).toBe(((0x30 & 0xf8) << 8) | ((0x20 & 0xfc) << 3) | (0x10 >> 3));
      expect(pixel565(img, 1, 0)).toBe(((0x07 & 0xf8) << 8) | ((0x80 & 0xfc) << 3) | (0xff >> 3));
    }
  });

  it.each([40, 52, 56, 108, 124])('reads a %i-byte info header at every depth', (headerSize) => {
    const g = decodeBmp(bmp({ w, h: -h, bpp: 8, headerSize, rows: grey }));
    expect(Array.from(g.data)).toEqual(grey.flatMap((r) => Array.from(r)));
    const c = decodeBmp(bmp({ w, h: -h, bpp: 16, headerSize, rows: c16 }));
    expect(pixel565(c, 1, 2)).toBe(c16[2]![2]! | (c16[2]![3]! << 8));
    const rgb = decodeBmp(
      bmp({ w: 1, h: -1, bpp: 24, headerSize, compression: 3, rows: [Uint8Array.from([0, 0, 0xff])] }),
    );
    expect(pixel565(rgb, 0, 0)).toBe(0xf800);
  });

  it('reads pixels at bfOffBits when a file leaves a gap after the headers', () => {
    const g = decodeBmp(bmp({ w, h: -h, bpp: 8, rows: grey, gap: 100 }));
    expect(Array.from(g.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(readBmpHeader(bmp({ w, h: -h, bpp: 16, rows: c16, gap: 8 })).pixelOffset).toBe(66 + 8);
  });

  it('ignores trailing bytes', () => {
    const file = Uint8Array.from([...bmp({ w, h: -h, bpp: 8, rows: grey }), 1, 2, 3]);
    expect(decodeBmp(file).width).toBe(w);
  });
});

describe('decodeBmp: violations name the value and the offset', () => {
  const good = encodeBmp(rgb565(3, 2, [1, 2, 3, 4, 5, 6]));
  const patch = (at: number, bytes: number[], src = good): Uint8Array => {
    const out = src.slice();
    out.set(bytes, at);
    return out;
  };
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

  it('signature, sizes and header fields', () => {
    expect(osError(() => decodeBmp(patch(0, [0x42, 0x41])))).toBe(
      'Unexpected value read! BMP at offset 0: signature is 42 41, expected 42 4D ("BM")',
    );
    expect(osError(() => decodeBmp(patch(2, u32(66))))).toMatch(
      /^File corrupted! BMP at offset 2: file size 66/,
    );
    expect(osError(() => decodeBmp(patch(2, u32(83))))).toMatch(/^File corrupted! .* not a multiple of 4/);
    expect(osError(() => decodeBmp(patch(14, u32(12))))).toBe(
      'Unsupported format! BMP at offset 14: info header size 12; only 40, 52, 56, 108 and 124 are read',
    );
    expect(osError(() => decodeBmp(patch(18, u32(0))))).toBe('File corrupted! BMP at offset 18: width is 0');
    expect(osError(() => decodeBmp(patch(22, u32(0))))).toBe('File corrupted! BMP at offset 22: height is 0');
    expect(osError(() => decodeBmp(patch(26, [2, 0])))).toBe(
      'Unexpected value read! BMP at offset 26: planes is 2, expected 1',
    );
    expect(osError(() => decodeBmp(patch(28, [32, 0])))).toBe(
      'Unsupported format! BMP at offset 28: 32 bits per pixel; only 8, 16 and 24 are read',
    );
    expect(osError(() => decodeBmp(patch(30, u32(1))))).toMatch(
      /^Unsupported format! BMP at offset 30: compression 1/,
    );
    expect(osError(() => decodeBmp(patch(34, u32(0))))).toBe(
      'Unexpected value read! BMP at offset 34: image size is 0, expected 16 (file size 82 - pixel offset 66)',
    );
  });

  it('palettes and masks', () => {
    const g = encodeBmp(new Image(3, 2, PIXFORMAT.GRAYSCALE));
    expect(osError(() => decodeBmp(patch(54 + 4 * 7, u32(0x070708), g)))).toBe(
      'Unexpected value read! BMP at offset 82: palette entry 7 is 0x00070708, expected 0x00070707: only the grey palette is read (8-bit files load as GRAYSCALE)',
    );
    expect(osError(() => decodeBmp(patch(30, u32(3), g)))).toMatch(/8-bit files must be BI_RGB/);
    expect(osError(() => decodeBmp(patch(54, u32(0x7c00))))).toBe(
      'Unexpected value read! BMP at offset 54: 16-bit red mask is 0x00007C00, expected 0x0000F800',
    );
    expect(osError(() => decodeBmp(patch(30, u32(0))))).toMatch(/16-bit files must be BI_BITFIELDS/);
    const rgb = bmp({
      w: 1,
      h: 1,
      bpp: 24,
      compression: 3,
      rows: [new Uint8Array(3)],
      masks: [0xff, 0xff00, 0xff0000],
    });
    expect(osError(() => decodeBmp(rgb))).toMatch(
      /^Unexpected value read! BMP at offset 54: 24-bit red mask is 0x000000FF/,
    );
  });

  it('geometry that disagrees with the data size, headers overlapping pixels, truncation', () => {
    expect(osError(() => decodeBmp(patch(18, u32(5))))).toMatch(
      /^File corrupted! BMP at offset 2: pixel data size 16 does not match 2 rows of 12 bytes/,
    );
    const inside = patch(10, u32(62), patch(2, u32(78), patch(34, u32(16))));
    expect(osError(() => decodeBmp(inside))).toBe(
      'File corrupted! BMP at offset 10: pixel offset 62 points inside the headers, which end at 66',
    );
    expect(osError(() => decodeBmp(good.subarray(0, 81)))).toBe(
      'Failed to read requested bytes! BMP at offset 66: the pixel data (2 rows of 8 bytes) needs 16 bytes, the file has 15 left (length 81)',
    );
    expect(osError(() => decodeBmp(good.subarray(0, 30)))).toMatch(
      /^Failed to read requested bytes! BMP at offset 18/,
    );
  });

  it('absurd sizes fail before any allocation', () => {
    const huge = patch(18, u32(0x7fffffff), patch(22, u32(0x80000001)));
    expect(osError(() => decodeBmp(huge))).toMatch(
      /^File corrupted! BMP at offset 2: pixel data size 16 does not match/,
    );
    // Consistent header fields claiming 16384x4096 RGB565 (128 MiB of pixels), in an 82-byte file.
    const data = 0x8000 * 0x1000;
    const claim = patch(
      2,
      u32(66 + data),
      patch(18, [...u32(0x4000), ...u32(-0x1000 >>> 0)], patch(34, u32(data))),
    );
    expect(readBmpHeader(claim).width).toBe(0x4000);
    expect(osError(() => decodeBmp(claim))).toBe(
      `Failed to read requested bytes! BMP at offset 66: the pixel data (4096 rows of 32768 bytes) needs ${data} bytes, the file has 16 left (length 82)`,
    );
  });
});

describe('decodeBmp: real files', () => {
  it('graffiti.bmp (8-bit grey palette, top-down) equals graffiti.pgm', () => {
    const bmpImage = decodeBmp(new Uint8Array(readFileSync(DATA + 'graffiti.bmp')));
    const pgmImage = decodePnm(new Uint8Array(readFileSync(DATA + 'graffiti.pgm')));
    expect(bmpImage.toString()).toBe('320x240 GRAYSCALE');
    expect(diff(bmpImage.data, pgmImage.data)).toBe(-1);
  });

  it.each([
    ['faces.bmp', '400x272 RGB565', true],
    ['hand.bmp', '370x370 RGB565', true],
    ['person.bmp', '400x400 RGB565', false],
  ] as const)('%s (16-bit BI_BITFIELDS, 56-byte header) decodes', (name, geometry, bottomUp) => {
    const bytes = new Uint8Array(readFileSync(DATA + name));
    const h = readBmpHeader(bytes);
    expect(h.infoHeaderSize).toBe(56);
    expect(h.bottomUp).toBe(bottomUp);
    expect(h.pixelOffset).toBe(70);
    const img = decodeBmp(bytes);
    expect(img.toString()).toBe(geometry);
    // Re-encoding writes the firmware layout (40-byte header, top-down) with the same pixels.
    expect(diff(decodeBmp(encodeBmp(img)).data, img.data)).toBe(-1);
  });
});
