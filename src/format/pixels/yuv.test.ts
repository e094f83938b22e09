import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { seededBytes as randomBytes, shown } from '../test/helpers';
import { yuvToRgba, type YuvOrder } from './yuv';

const sat8 = (v: number): number => Math.min(255, Math.max(0, v));

/**
 * Slow reference from formats.md B §1.8, with floor division standing for the signed arithmetic
 * shift, and yuv.c's odd-width rule: the last pixel of an odd row (x = w-1, w >= 3) uses its own
 * chroma byte as pair byte 1 and the previous pixel's chroma byte as pair byte 3.
 */
function reference(data: Uint8Array, w: number, h: number, order: YuvOrder): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    const byte = (x: number, k: number): number => data[2 * (y * w + x) + k]!;
    for (let x = 0; x < w; x++) {
      let byte1: number;
      let byte3: number;
      if (x % 2 === 1) {
        byte1 = byte(x - 1, 1);
        byte3 = byte(x, 1);
      } else if (x + 1 < w) {
        byte1 = byte(x, 1);
        byte3 = byte(x + 1, 1);
      } else {
        byte1 = byte(x, 1);
        byte3 = byte(x - 1, 1);
      }
      const [a, b] = order === 'YUV422' ? [byte1 - 128, byte3 - 128] : [byte3 - 128, byte1 - 128];
      const Y = byte(x, 0);
      out.push(
        ...shown(
          sat8(Y + Math.floor((179 * a) / 128)),
          sat8(Y - Math.floor((44 * b + 91 * a) / 128)),
          sat8(Y + Math.floor((227 * b) / 128)),
        ),
      );
    }
  }
  return out;
}

function convert(
  data: Uint8Array,
  w: number,
  h: number,
  order: YuvOrder,
  narrow?: 'luma' | 'firmware',
): number[] {
  const out = new Uint8ClampedArray(w * h * 4);
  expect(yuvToRgba(data, w, h, order, out, narrow ? { narrow } : {})).toBe(out);
  return [...out];
}

describe('yuvToRgba: hand-computed vectors', () => {
  // One pair: Y0=100, byte1=200, Y1=50, byte3=60.
  const pair = new Uint8Array([100, 200, 50, 60]);

  it('YUV422: a = byte1 - 128 = 72, b = byte3 - 128 = -68', () => {
    // R = Y + (179*72 >> 7 = 100); G = Y - ((44*-68 + 91*72) >> 7 = 27); B = Y + (227*-68 >> 7 = -121).
    // Pixel 0: (200, 73, -21 -> 0) -> (206, 73, 0). Pixel 1: (150, 23, 0) -> (148, 20, 0).
    expect(convert(pair, 2, 1, 'YUV422')).toEqual([206, 73, 0, 255, 148, 20, 0, 255]);
  });

  it('YVU422: the same bytes with a and b swapped, shifts flooring negatives', () => {
    // a = -68, b = 72: 179*-68 >> 7 = -96 (floor of -95.09); (44*72 + 91*-68) >> 7 = -24; 227*72 >> 7 = 127.
    // Pixel 0: (4, 124, 227) -> (0, 125, 231). Pixel 1: (-46 -> 0, 74, 177) -> (0, 73, 181).
    expect(convert(pair, 2, 1, 'YVU422')).toEqual([0, 125, 231, 255, 0, 73, 181, 255]);
  });

  it('neutral chroma gives grey, truncated to 5/6/5 bits', () => {
    // Y = 133 -> R5 = 16 -> 132, G6 = 33 -> 134.
    expect(convert(new Uint8Array([133, 128, 133, 128]), 2, 1, 'YUV422')).toEqual([
      132, 134, 132, 255, 132, 134, 132, 255,
    ]);
  });

  it('saturates both ways', () => {
    // Y=255 with a = b = 127: R = 255 + 177, B = 255 + 225 -> 255; G = 255 - 133 = 122 -> 121.
    // Y=0 with the same chroma: R = 177 -> 181, G -> 0, B = 225 -> 231.
    expect(convert(new Uint8Array([255, 255, 0, 255]), 2, 1, 'YUV422')).toEqual([
      255, 121, 255, 255, 181, 0, 231, 255,
    ]);
  });

  it('odd width 3: the last pixel takes its own chroma byte as byte 1 and the previous one as byte 3', () => {
    // Pixel 2: Y = 90, byte1 = its own chroma byte 30, byte3 = pixel 1's chroma byte 60.
    // YUV422: a = -98, b = -68: R = 90 + (-17542 >> 7 = -138) -> 0; G = 90 - (-11910 >> 7 = -94) = 184;
    // B = 90 - 121 -> 0. Shown (0, 186, 0).
    const row = new Uint8Array([100, 200, 50, 60, 90, 30]);
    const got = convert(row, 3, 1, 'YUV422');
    expect(got.slice(0, 8)).toEqual([206, 73, 0, 255, 148, 20, 0, 255]);
    expect(got.slice(8)).toEqual([0, 186, 0, 255]);
  });

  it('width 1 shows the luma by default (Part A) and the firmware constant on request', () => {
    const column = new Uint8Array([10, 200, 250, 0, 128, 77]);
    expect(convert(column, 1, 3, 'YUV422')).toEqual([
      10, 10, 10, 255, 250, 250, 250, 255, 128, 128, 128, 255,
    ]);
    expect(convert(column, 1, 3, 'YVU422')).toEqual([
      10, 10, 10, 255, 250, 250, 250, 255, 128, 128, 128, 255,
    ]);
    // Firmware: Y is 0 and (a, b) = (-128, 0): G = 0 - (91*-128 >> 7) = 91 -> 89.
    expect(convert(column, 1, 3, 'YUV422', 'firmware')).toEqual([
      0, 89, 0, 255, 0, 89, 0, 255, 0, 89, 0, 255,
    ]);
    // YVU422: (a, b) = (0, -128): G = 0 - (44*-128 >> 7) = 44; B = -227 -> 0.
    expect(convert(column, 1, 1, 'YVU422', 'firmware')).toEqual([0, 44, 0, 255]);
  });
});

describe('yuvToRgba: against the slow reference', () => {
  for (const order of ['YUV422', 'YVU422'] as const) {
    for (const w of [2, 3, 4, 5, 7, 8]) {
      for (const h of [1, 2, 3]) {
        it(`${order} ${w}x${h}`, () => {
          const data = randomBytes(2 * w * h, w * 31 + h + (order === 'YVU422' ? 1000 : 0));
          expect(convert(data, w, h, order)).toEqual(reference(data, w, h, order));
        });
      }
    }
    it(`${order} random 33x17 and 64x5`, () => {
      for (const [w, h] of [
        [33, 17],
        [64, 5],
      ] as const) {
        const data = randomBytes(2 * w * h, w * h);
        expect(convert(data, w, h, order)).toEqual(reference(data, w, h, order));
      }
    });
  }

  it('every chroma pair and a spread of luma values', () => {
    // 256 x 256 chroma combinations, each with luma 0, 77, 128, 200 and 255 across the pair.
    for (const lumaPair of [
      [0, 255],
      [77, 128],
      [200, 0],
    ]) {
      const data = new Uint8Array(2 * 2 * 256 * 256);
      let k = 0;
      for (let c1 = 0; c1 < 256; c1++) {
        for (let c3 = 0; c3 < 256; c3++) {
          data.set([lumaPair[0]!, c1, lumaPair[1]!, c3], k);
          k += 4;
        }
      }
      for (const order of ['YUV422', 'YVU422'] as const) {
        const got = convert(data, 512, 256, order);
        const want = reference(data, 512, 256, order);
        // Element-wise toEqual on 2^19 numbers is slow; report the first differing pixel instead.
        const bad = want.findIndex((v, i) => got[i] !== v);
        const pixel = bad < 0 ? -1 : bad >> 2;
        expect(pixel < 0 ? [] : got.slice(pixel * 4, pixel * 4 + 4)).toEqual(
          pixel < 0 ? [] : want.slice(pixel * 4, pixel * 4 + 4),
        );
        expect(got.length).toBe(want.length);
      }
    }
  });
});

describe('yuvToRgba: buffers and errors', () => {
  it('reads a subarray at an odd byteOffset and writes an unaligned output view', () => {
    const w = 5;
    const h = 3;
    const data = randomBytes(2 * w * h, 42);
    const backing = new Uint8Array(2 * w * h + 2);
    backing.set(data, 1);
    const backingOut = new Uint8ClampedArray(w * h * 4 + 3).fill(9);
    yuvToRgba(backing.subarray(1, 1 + 2 * w * h), w, h, 'YVU422', backingOut.subarray(2, 2 + w * h * 4));
    expect([...backingOut.subarray(2, 2 + w * h * 4)]).toEqual(reference(data, w, h, 'YVU422'));
    expect([backingOut[0], backingOut[1], backingOut[backingOut.length - 1]]).toEqual([9, 9, 9]);
  });

  it('rejects a short payload, a wrong output length and an unknown order', () => {
    expect(() => yuvToRgba(new Uint8Array(7), 2, 2, 'YUV422', new Uint8ClampedArray(16))).toThrow(
      /need 8 bytes, got 7/,
    );
    expect(() => yuvToRgba(new Uint8Array(8), 2, 2, 'YUV422', new Uint8ClampedArray(8))).toThrow(ValueError);
    expect(() => yuvToRgba(new Uint8Array(8), 2, 2, 'UYVY' as YuvOrder, new Uint8ClampedArray(16))).toThrow(
      /unknown order/,
    );
  });
});
