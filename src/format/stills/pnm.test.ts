import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { fromHex, seededBytes, toHex, TEST_IMAGES } from '../test/helpers';
import { decodePnm, encodePgm, encodePpm } from './pnm';
import { firstDifference as diff } from './test-support';
import { osError } from '../test/expect-errors';

const DATA = TEST_IMAGES;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const u16s = (img: Image): number[] =>
  Array.from({ length: img.width * img.height }, (_, i) => img.data[2 * i]! | (img.data[2 * i + 1]! << 8));

function rgb565(w: number, h: number, pixels: number[]): Image {
  const d = new Uint8Array(w * h * 2);
  pixels.forEach((p, i) => {
    d[2 * i] = p & 0xff;
    d[2 * i + 1] = p >> 8;
  });
  return new Image(w, h, PIXFORMAT.RGB565, d);
}

describe('encodePpm / encodePgm: formats.md B §6.3', () => {
  it('writes the 2x1 P6 vector byte for byte', () => {
    const out = encodePpm(rgb565(2, 1, [0x8410, 0x1234]));
    expect(toHex(out)).toBe(toHex(fromHex('50 36 0A 32 20 31 0A 32 35 35 0A 84 82 84 10 45 A5')));
  });

  it('writes P5 with the bare header', () => {
    const out = encodePgm(new Image(3, 2, PIXFORMAT.GRAYSCALE, Uint8Array.from([1, 2, 3, 4, 5, 6])));
    expect(toHex(out)).toBe(toHex(Uint8Array.from([...ascii('P5\n3 2\n255\n'), 1, 2, 3, 4, 5, 6])));
  });

  it('refuses other formats with the firmware messages', () => {
    for (const fmt of [PIXFORMAT.RGB565, PIXFORMAT.BINARY, PIXFORMAT.BAYER_BGGR, PIXFORMAT.JPEG]) {
      expect(osError(() => encodePgm(new Image(2, 2, fmt, new Uint8Array(16))))).toBe('Image is not PGM!');
    }
    for (const fmt of [PIXFORMAT.GRAYSCALE, PIXFORMAT.YUV422, PIXFORMAT.PNG]) {
      expect(osError(() => encodePpm(new Image(2, 2, fmt, new Uint8Array(16))))).toBe('Image is not PPM!');
    }
  });

  it('honours a clipped roi', () => {
    const g = new Image(
      4,
      3,
      PIXFORMAT.GRAYSCALE,
      Uint8Array.from({ length: 12 }, (_, i) => i),
    );
    expect(Array.from(decodePnm(encodePgm(g, { roi: [2, -1, 9, 3] })).data)).toEqual([2, 3, 6, 7]);
    const c = rgb565(3, 2, [1, 2, 3, 0xffff, 0xf800, 0x07e0]);
    expect(u16s(decodePnm(encodePpm(c, { roi: [1, 1, 5, 5] })))).toEqual([0xf800, 0x07e0]);
    expect(osError(() => encodePgm(g, { roi: [4, 0, 1, 1] }))).toBe('No intersection!');
    expect(osError(() => encodePpm(c, { roi: [0, 0, 1, -1] }))).toBe('Invalid ROI dimensions!');
  });

  it.each([
    [1, 1],
    [3, 5],
    [17, 2],
    [2, 17],
    [101, 7],
  ])('round trips %ix%i, RGB565 exactly (bit replication then truncation)', (w, h) => {
    const g = new Image(w, h, PIXFORMAT.GRAYSCALE, seededBytes(w * h, w + 31 * h));
    expect(diff(decodePnm(encodePgm(g)).data, g.data)).toBe(-1);
    const c = new Image(w, h, PIXFORMAT.RGB565, seededBytes(2 * w * h, w + 37 * h));
    const back = decodePnm(encodePpm(c));
    expect(back.pixformat).toBe(PIXFORMAT.RGB565);
    expect(diff(back.data, c.data)).toBe(-1);
  });
});

describe('decodePnm', () => {
  it('reads P2 and P3 with comments anywhere between tokens', () => {
    const p2 = decodePnm(ascii('P2 # grey\n# size next\n3 #w\n 2\n255\n0 1 2\n# row two\n253 254 255'));
    expect(p2.toString()).toBe('3x2 GRAYSCALE');
    expect(Array.from(p2.data)).toEqual([0, 1, 2, 253, 254, 255]);
    const p3 = decodePnm(ascii('P3\r\n2 1\r\n255\r\n255 0 0\t0 255 7\r\n'));
    expect(p3.toString()).toBe('2x1 RGB565');
    expect(u16s(p3)).toEqual([0xf800, 0x07e0]);
  });

  it('reads P5/P6 data right after the single whitespace byte after maxval', () => {
    // The raster of a 2x1 P5 starts with a byte that looks like whitespace: it is data.
    const p5 = decodePnm(Uint8Array.from([...ascii('P5\n2 1\n255\r'), 0x0a, 0x20]));
    expect(Array.from(p5.data)).toEqual([0x0a, 0x20]);
    const p6 = decodePnm(Uint8Array.from([...ascii('P6 #c\n1 1 255 '), 0x12, 0x34, 0x56]));
    expect(u16s(p6)).toEqual([((0x12 & 0xf8) << 8) | ((0x34 & 0xfc) << 3) | (0x56 >> 3)]);
  });

  it('rejects what the firmware rejects, naming value and offset', () => {
    expect(osError(() => decodePnm(ascii('P4\n1 1\n')))).toBe(
      'Unsupported format! PNM at offset 1: magic P4; only P2, P3, P5 and P6 are read',
    );
    expect(osError(() => decodePnm(ascii('P5\n4 2\n65535\n')))).toBe(
      'Unsupported format! PNM at offset 7: maxval is 65535; only 255 is read',
    );
    expect(osError(() => decodePnm(ascii('P5\n0 2\n255\n')))).toBe(
      'File corrupted! PNM at offset 3: width is 0',
    );
    expect(osError(() => decodePnm(ascii('P5\n2 0\n255\n')))).toBe(
      'File corrupted! PNM at offset 5: height is 0',
    );
    expect(osError(() => decodePnm(ascii('P5\n2 2\n')))).toBe(
      'File corrupted! PNM at offset 7: the file ends before the maxval',
    );
    expect(osError(() => decodePnm(ascii('P6\n2 2\n255\nabc')))).toBe(
      'Failed to read requested bytes! PNM at offset 11: the 2x2 raster needs 12 bytes, the file has 3 left (length 14)',
    );
  });

  it('is stricter than the firmware about separators, samples and short ASCII rasters', () => {
    expect(osError(() => decodePnm(ascii('P5\n2x2\n255\n')))).toBe(
      "Unexpected value read! PNM at offset 4: the width is followed by byte 0x78 'x'",
    );
    expect(osError(() => decodePnm(ascii('P52 2\n255\n')))).toBe(
      "Unexpected value read! PNM at offset 2: the magic is followed by byte 0x32 '2'",
    );
    expect(osError(() => decodePnm(Uint8Array.from([...ascii('P5\n1 1\n255#'), 7])))).toMatch(
      /^Unexpected value read! PNM at offset 10: maxval must be followed by one whitespace byte/,
    );
    expect(osError(() => decodePnm(ascii('P2\n2 1\n255\n7 256\n')))).toBe(
      'Unexpected value read! PNM at offset 13: sample 256 is above maxval 255',
    );
    expect(osError(() => decodePnm(ascii('P2\n2 2\n255\n1 2 3\n')))).toMatch(
      /^Failed to read requested bytes! PNM at offset 17: the ASCII raster ends early/,
    );
    expect(osError(() => decodePnm(ascii('P2\n2 2\n255\n1 2 3 -4\n')))).toMatch(
      /^Unexpected value read! PNM at offset 17: expected the sample, found byte 0x2D '-'/,
    );
  });

  it('checks absurd sizes against the bytes present before allocating', () => {
    expect(osError(() => decodePnm(ascii('P6\n2000000000 2000000000\n255\n')))).toMatch(
      /^Failed to read requested bytes! PNM at offset 29: the 2000000000x2000000000 raster needs 12000000000000000000 bytes/,
    );
    expect(osError(() => decodePnm(ascii('P3\n100000 100000\n255\n1 2 3')))).toMatch(
      /^Failed to read requested bytes! .* ASCII raster needs at least 30000000000 bytes/,
    );
    expect(osError(() => decodePnm(ascii('P5\n99999999999 1\n255\n')))).toBe(
      'Unsupported format! PNM at offset 3: the width is too large',
    );
  });
});

describe('decodePnm: real files', () => {
  const files = readdirSync(DATA).filter((f) => /\.p[gp]m$/.test(f));

  it('covers every PGM/PPM in the test data', () => {
    expect(files.length).toBe(17);
  });

  it.each(files)('%s decodes and re-encodes to the same pixels', (name) => {
    const bytes = new Uint8Array(readFileSync(DATA + name));
    const img = decodePnm(bytes);
    expect(img.pixformat).toBe(name.endsWith('.pgm') ? PIXFORMAT.GRAYSCALE : PIXFORMAT.RGB565);
    const again = name.endsWith('.pgm') ? encodePgm(img) : encodePpm(img);
    expect(diff(decodePnm(again).data, img.data)).toBe(-1);
    if (name.endsWith('.pgm')) {
      // Grey rasters are stored verbatim: the decoded pixels are the file's last w*h bytes.
      expect(diff(img.data, bytes.subarray(bytes.length - img.width * img.height))).toBe(-1);
    }
  });
});
