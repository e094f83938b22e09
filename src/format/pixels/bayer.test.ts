import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { rng as mulberry32, seededBytes as randomBytes, shown } from '../test/helpers';
import { PIXFORMAT } from '../pixformat';
import { bayerPatternOf, bayerToRgba, type BayerPattern } from './bayer';

const PATTERNS: BayerPattern[] = ['BGGR', 'GBRG', 'GRBG', 'RGGB'];

/**
 * Slow, per-pixel reference written from formats.md B §1.7 plus the firmware's borders:
 * rows reflect-101 (row -1 -> 1, row h -> h-2; h == 1 -> row 0); column -1 -> 1 (w == 1 -> 0);
 * column w -> w-2 for odd w and w == 2, but -> w-1 for even w >= 4 (bayer.c `case 3` lane fixup).
 */
function reference(data: Uint8Array, w: number, h: number, pattern: BayerPattern): number[] {
  const colourAt = (x: number, y: number): string => pattern[(y & 1) * 2 + (x & 1)]!;
  const mapRow = (y: number): number => (y < 0 ? (h >= 2 ? 1 : 0) : y >= h ? (h >= 2 ? h - 2 : 0) : y);
  const mapCol = (x: number): number =>
    x < 0 ? (w >= 2 ? 1 : 0) : x >= w ? (w === 1 ? 0 : w % 2 === 0 && w >= 4 ? w - 1 : w - 2) : x;
  const raw = (x: number, y: number): number => data[mapRow(y) * w + mapCol(x)]!;
  const avg = (a: number, b: number): number => Math.floor((a + b) / 2);
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const W = raw(x - 1, y);
      const E = raw(x + 1, y);
      const N = raw(x, y - 1);
      const S = raw(x, y + 1);
      const rgb: Record<string, number> = {};
      const own = colourAt(x, y);
      rgb[own] = raw(x, y);
      if (own === 'G') {
        // The chroma colour of this row sits at x±1 (pattern colours, not the border-substituted pixels).
        const rowColour = colourAt(x + 1, y);
        const colColour = rowColour === 'R' ? 'B' : 'R';
        rgb[rowColour] = avg(W, E);
        rgb[colColour] = avg(N, S);
      } else {
        const other = own === 'R' ? 'B' : 'R';
        rgb.G = avg(avg(W, E), avg(N, S));
        rgb[other] = avg(
          avg(raw(x - 1, y - 1), raw(x - 1, y + 1)),
          avg(raw(x + 1, y - 1), raw(x + 1, y + 1)),
        );
      }
      out.push(...shown(rgb.R!, rgb.G!, rgb.B!));
    }
  }
  return out;
}

function convert(data: Uint8Array, w: number, h: number, pattern: BayerPattern): number[] {
  const out = new Uint8ClampedArray(w * h * 4);
  expect(bayerToRgba(data, w, h, pattern, out)).toBe(out);
  return [...out];
}

/** Compares pixel by pixel so a failure names the pixel instead of dumping two long arrays. */
function expectSameImage(got: number[], want: number[], w: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i += 4) {
    const a = got.slice(i, i + 4);
    const b = want.slice(i, i + 4);
    if (a.join() !== b.join()) {
      const p = i / 4;
      expect({ x: p % w, y: Math.floor(p / w), rgba: a }).toEqual({
        x: p % w,
        y: Math.floor(p / w),
        rgba: b,
      });
    }
  }
}

describe('bayerToRgba: hand-computed vectors', () => {
  it('2x2 BGGR [B=10 G=20 / G=30 R=40]: every neighbour mirrors', () => {
    // (0,0) B: G = avg(avg(20,20), avg(30,30)) = 25, R = 40 -> RGB565 -> (41, 24, 8)
    // (1,0) G: B = avg(10, 10) = 10, R = avg(40, 40) = 40 -> (41, 20, 8)
    // (0,1) G: R = avg(40, 40), B = avg(10, 10) -> (41, 28, 8)
    // (1,1) R: G = avg(avg(30,30), avg(20,20)) = 25, B = 10 -> (41, 24, 8)
    expect(convert(new Uint8Array([10, 20, 30, 40]), 2, 2, 'BGGR')).toEqual([
      41, 24, 8, 255, 41, 20, 8, 255, 41, 28, 8, 255, 41, 24, 8, 255,
    ]);
  });

  it('1x1: every neighbour is the pixel itself', () => {
    // 123 -> R5=15 -> 123, G6=30 -> 121.
    for (const pattern of PATTERNS)
      expect(convert(new Uint8Array([123]), 1, 1, pattern)).toEqual([123, 121, 123, 255]);
  });

  it('truncating averages, vertical pairs first (B §1.7)', () => {
    // 3x3 RGGB, centre (1,1) is B = 200. G neighbours W=7 E=8 N=8 S=8: G = avg(avg(7, 8), 8) = 7
    // (exact 7.75 would round to 8 -> shown 8, not 4). R corners NW=15 NE=17 SW=16 SE=16:
    // avg(avg(NW, SW), avg(NE, SE)) = avg(15, 16) = 15 -> shown 8; pairing rows first would give
    // avg(avg(15, 17), avg(16, 16)) = 16 -> shown 16.
    const data = new Uint8Array([15, 8, 17, 7, 200, 8, 16, 8, 16]);
    const got = convert(data, 3, 3, 'RGGB').slice(4 * 4, 4 * 4 + 4);
    expect(got).toEqual(shown(15, 7, 200));
    expect(got).toEqual([8, 4, 206, 255]);
  });

  it('right edge of an even width >= 4 reads the last column itself (firmware), not reflect-101', () => {
    // 4x1 BGGR row B G B G = 0 100 200 60. Pixel 3 is G in a B row: B = avg(col 2, col 4 -> col 3)
    // = avg(200, 60) = 130 -> B5 = 16 -> 132. (Reflect-101 would give avg(200, 200) -> 206.)
    const got = convert(new Uint8Array([0, 100, 200, 60]), 4, 1, 'BGGR').slice(12, 16);
    expect(got).toEqual(shown(60, 60, 130));
    expect(got[2]).toBe(132);
  });

  it('right edge of an odd width reflects: 5x1 BGGR pixel 4 (B) reads column 3 for column 5', () => {
    // h == 1, so N and S are the row itself. Pixel 4 is B = 9: G = avg(avg(60, 60), avg(9, 9)) = 34;
    // R = avg(avg(NW, SW), avg(NE, SE)) with all four at column 3 (60) -> 60.
    const got = convert(new Uint8Array([0, 100, 200, 60, 9]), 5, 1, 'BGGR').slice(16, 20);
    expect(got).toEqual(shown(60, 34, 9));
  });

  it('odd rows use the pattern shifted down: row 1 of RGGB is G B', () => {
    // 2x2 RGGB [R=200 G=10 / G=20 B=100]: (1,1) is B = 100 -> B5=12 -> 99.
    const got = convert(new Uint8Array([200, 10, 20, 100]), 2, 2, 'RGGB');
    expect(got.slice(12, 16)).toEqual(shown(200, 15, 100));
    expect(got[14]).toBe(99);
  });
});

describe('bayerToRgba: against the slow reference', () => {
  const tiny: [number, number][] = [
    [1, 1],
    [1, 2],
    [1, 5],
    [2, 1],
    [6, 1],
    [7, 1],
    [2, 2],
    [3, 3],
    [5, 4],
    [4, 5],
  ];
  for (const pattern of PATTERNS) {
    for (const [w, h] of tiny) {
      it(`${pattern} ${w}x${h}`, () => {
        const data = randomBytes(w * h, w * 1000 + h * 10 + PATTERNS.indexOf(pattern));
        expectSameImage(convert(data, w, h, pattern), reference(data, w, h, pattern), w);
      });
    }
  }

  it('every pattern at every size from 1x1 to 12x7', () => {
    for (const pattern of PATTERNS) {
      for (let w = 1; w <= 12; w++) {
        for (let h = 1; h <= 7; h++) {
          const data = randomBytes(w * h, 7919 * w + 104729 * h);
          expectSameImage(convert(data, w, h, pattern), reference(data, w, h, pattern), w);
        }
      }
    }
  });

  for (const [w, h] of [
    [31, 17],
    [64, 9],
    [97, 33],
    [160, 3],
  ] as const) {
    it(`random ${w}x${h} in every pattern`, () => {
      for (const pattern of PATTERNS) {
        const data = randomBytes(w * h, w * h + PATTERNS.indexOf(pattern));
        expectSameImage(convert(data, w, h, pattern), reference(data, w, h, pattern), w);
      }
    });
  }

  it('saturated content (0 and 255 only) still matches', () => {
    const rand = mulberry32(99);
    const data = Uint8Array.from({ length: 15 * 11 }, () => (rand() < 0.5 ? 0 : 255));
    for (const pattern of PATTERNS)
      expectSameImage(convert(data, 15, 11, pattern), reference(data, 15, 11, pattern), 15);
  });
});

describe('bayerToRgba: buffers and errors', () => {
  it('reads a subarray at an odd byteOffset and writes an unaligned output view', () => {
    const w = 9;
    const h = 5;
    const data = randomBytes(w * h, 5);
    const backing = new Uint8Array(w * h + 4).fill(0xee);
    backing.set(data, 3);
    const backingOut = new Uint8ClampedArray(w * h * 4 + 2).fill(3);
    const out = backingOut.subarray(1, 1 + w * h * 4);
    bayerToRgba(backing.subarray(3, 3 + w * h), w, h, 'GRBG', out);
    expectSameImage([...out], reference(data, w, h, 'GRBG'), w);
    expect(backingOut[0]).toBe(3);
    expect(backingOut[backingOut.length - 1]).toBe(3);
  });

  it('bayerPatternOf maps the four codes and nothing else', () => {
    expect(bayerPatternOf(PIXFORMAT.BAYER_BGGR)).toBe('BGGR');
    expect(bayerPatternOf(PIXFORMAT.BAYER_GBRG)).toBe('GBRG');
    expect(bayerPatternOf(PIXFORMAT.BAYER_GRBG)).toBe('GRBG');
    expect(bayerPatternOf(PIXFORMAT.BAYER_RGGB)).toBe('RGGB');
    expect(bayerPatternOf(PIXFORMAT.GRAYSCALE)).toBeUndefined();
  });

  it('rejects an unknown pattern, a short payload and a wrong output length', () => {
    const out = new Uint8ClampedArray(16);
    expect(() => bayerToRgba(new Uint8Array(4), 2, 2, 'GGGG' as BayerPattern, out)).toThrow(ValueError);
    expect(() => bayerToRgba(new Uint8Array(4), 2, 2, 'toString' as BayerPattern, out)).toThrow(
      /unknown Bayer/,
    );
    expect(() => bayerToRgba(new Uint8Array(3), 2, 2, 'BGGR', out)).toThrow(/need 4 bytes, got 3/);
    expect(() => bayerToRgba(new Uint8Array(4), 2, 2, 'BGGR', new Uint8ClampedArray(12))).toThrow(ValueError);
  });
});
