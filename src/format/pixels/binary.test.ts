import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { rng as mulberry32 } from '../test/helpers';
import { binaryToRgba } from './binary';

/**
 * Packs a 0/1 grid the way the firmware stores it (B §1.4): rows of ceil(w/32) u32 words, pixel x in
 * bit x & 31 of word x >> 5, words written little-endian. Unused bits are filled with `padding` so a
 * converter that reads them shows up.
 */
function pack(grid: number[][], width: number, padding: 0 | 1): Uint8Array {
  const wordsPerRow = Math.ceil(width / 32);
  const bytes = new Uint8Array(wordsPerRow * 4 * grid.length);
  grid.forEach((row, y) => {
    for (let w = 0; w < wordsPerRow; w++) {
      let word = 0;
      for (let bit = 0; bit < 32; bit++) {
        const x = w * 32 + bit;
        const v = x < width ? row[x]! : padding;
        if (v) word = (word | (1 << bit)) >>> 0;
      }
      new DataView(bytes.buffer).setUint32((y * wordsPerRow + w) * 4, word, true);
    }
  });
  return bytes;
}

function expectedRgba(grid: number[][]): number[] {
  return grid.flat().flatMap((v) => (v ? [255, 255, 255, 255] : [0, 0, 0, 255]));
}

describe('binaryToRgba', () => {
  it('hand vector: width 1, three rows, 4-byte stride, LSB is the pixel', () => {
    const data = new Uint8Array([0x01, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x03, 0, 0, 0x80]);
    const out = new Uint8ClampedArray(3 * 4);
    binaryToRgba(data, 1, 3, out);
    expect([...out]).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
  });

  it('hand vector: width 9 reads bit 0 of byte 1 for pixel 8', () => {
    // Row 0: pixels 0 and 8 set; row 1: pixels 1..7 set.
    const data = new Uint8Array([0x01, 0x01, 0, 0, 0xfe, 0x00, 0, 0]);
    const out = new Uint8ClampedArray(9 * 2 * 4);
    binaryToRgba(data, 9, 2, out);
    const lit = (i: number): boolean => out[i * 4] === 255;
    expect(Array.from({ length: 18 }, (_, i) => (lit(i) ? 1 : 0)).join('')).toBe('100000001' + '011111110');
  });

  for (const width of [1, 7, 8, 9, 31, 32, 33, 63, 64, 65]) {
    for (const height of [1, 3, 5]) {
      it(`random ${width}x${height} with set padding bits`, () => {
        const rand = mulberry32(width * 100 + height);
        const grid = Array.from({ length: height }, () =>
          Array.from({ length: width }, () => (rand() < 0.5 ? 1 : 0)),
        );
        for (const padding of [0, 1] as const) {
          const out = new Uint8ClampedArray(width * height * 4);
          binaryToRgba(pack(grid, width, padding), width, height, out);
          expect([...out]).toEqual(expectedRgba(grid));
        }
      });
    }
  }

  it('reads a subarray at an odd byteOffset', () => {
    const grid = [[1, 0, 1, 1, 0, 0, 0, 1, 1]];
    const packed = pack(grid, 9, 0);
    const backing = new Uint8Array(packed.length + 3);
    backing.set(packed, 3);
    const out = new Uint8ClampedArray(9 * 4);
    binaryToRgba(backing.subarray(3), 9, 1, out);
    expect([...out]).toEqual(expectedRgba(grid));
  });

  it('rejects a payload shorter than 4*ceil(w/32)*h and a wrong output length', () => {
    expect(() => binaryToRgba(new Uint8Array(8 * 3 - 1), 33, 3, new Uint8ClampedArray(33 * 3 * 4))).toThrow(
      /need 24 bytes, got 23/,
    );
    expect(() => binaryToRgba(new Uint8Array(4), 1, 1, new Uint8ClampedArray(8))).toThrow(ValueError);
  });
});
