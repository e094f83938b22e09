import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { replicate } from '../test/helpers';
import { rgb565ToRgba } from './rgb565';

/** Little-endian payload of u16 pixels. */
function payloadLE(pixels: number[]): Uint8Array {
  return new Uint8Array(pixels.flatMap((p) => [p & 0xff, p >> 8]));
}

function convert(pixels: number[], swapBytes = false, bytes = payloadLE(pixels)): number[] {
  const out = new Uint8ClampedArray(pixels.length * 4);
  rgb565ToRgba(bytes, pixels.length, 1, out, { swapBytes });
  return [...out];
}

describe('rgb565ToRgba', () => {
  it('widens the primaries and a few hand-computed values by bit replication', () => {
    // 0x8410: R5=16 -> 10000100b=132, G6=32 -> 10000010b=130, B5=16 -> 132.
    // 0x1234: R5=2 -> 00010000b=16, G6=17 -> 01000101b=69, B5=20 -> 10100101b=165.
    expect(convert([0xf800, 0x07e0, 0x001f, 0x8410, 0x1234, 0xffff, 0x0000])).toEqual([
      255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 132, 130, 132, 255, 16, 69, 165, 255, 255, 255, 255,
      255, 0, 0, 0, 255,
    ]);
  });

  it('reads pixels little-endian: byte 0 is the low half (B §1.4)', () => {
    expect(convert([0], false, new Uint8Array([0x00, 0xf8]))).toEqual([255, 0, 0, 255]);
    // 0x00F8: G6=7 -> 00011100b=28, B5=24 -> 11000110b=198.
    expect(convert([0], false, new Uint8Array([0xf8, 0x00]))).toEqual([0, 28, 198, 255]);
  });

  it('matches bit replication for all 65536 values', () => {
    const all = Array.from({ length: 65536 }, (_, p) => p);
    const out = convert(all);
    for (let p = 0; p < 65536; p++) {
      const expected = [replicate(p >> 11, 5), replicate((p >> 5) & 63, 6), replicate(p & 31, 5), 255];
      if (out.slice(p * 4, p * 4 + 4).join() !== expected.join()) {
        expect({ pixel: p, got: out.slice(p * 4, p * 4 + 4) }).toEqual({ pixel: p, got: expected });
      }
    }
  });

  it('swapBytes reads V1.0 big-endian payloads (B §2.5): F8 00 is red', () => {
    expect(convert([0], true, new Uint8Array([0xf8, 0x00]))).toEqual([255, 0, 0, 255]);
    expect(convert([0], true, new Uint8Array([0x12, 0x34]))).toEqual([16, 69, 165, 255]);
    // The same bytes without the swap are another colour entirely.
    expect(convert([0], false, new Uint8Array([0x12, 0x34]))).not.toEqual([16, 69, 165, 255]);
  });

  it('reads a subarray view at an odd byteOffset', () => {
    const backing = new Uint8Array(1 + 6 + 3).fill(0xaa);
    backing.set([0x00, 0xf8, 0xe0, 0x07, 0x34, 0x12], 1);
    const view = backing.subarray(1, 7);
    expect(view.byteOffset).toBe(1);
    const out = new Uint8ClampedArray(12);
    rgb565ToRgba(view, 3, 1, out);
    expect([...out]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 16, 69, 165, 255]);
  });

  it('writes into an output view at an unaligned byteOffset without touching its neighbours', () => {
    const backing = new Uint8ClampedArray(3 + 8 + 2).fill(7);
    const out = backing.subarray(3, 11);
    rgb565ToRgba(payloadLE([0x001f, 0x8410]), 2, 1, out);
    expect([...backing]).toEqual([7, 7, 7, 0, 0, 255, 255, 132, 130, 132, 255, 7, 7]);
  });

  it('handles several rows', () => {
    const out = new Uint8ClampedArray(2 * 3 * 4);
    rgb565ToRgba(payloadLE([0xf800, 0x07e0, 0x001f, 0xffff, 0, 0x8410]), 2, 3, out);
    expect([...out.subarray(12, 16)]).toEqual([255, 255, 255, 255]);
    expect([...out.subarray(20, 24)]).toEqual([132, 130, 132, 255]);
  });

  it('rejects a wrong output length, a short payload and bad sizes with ValueError', () => {
    expect(() => rgb565ToRgba(new Uint8Array(8), 2, 2, new Uint8ClampedArray(15))).toThrow(ValueError);
    expect(() => rgb565ToRgba(new Uint8Array(8), 2, 2, new Uint8ClampedArray(17))).toThrow(
      /exactly width\*height\*4/,
    );
    expect(() => rgb565ToRgba(new Uint8Array(7), 2, 2, new Uint8ClampedArray(16))).toThrow(
      /need 8 bytes, got 7/,
    );
    expect(() => rgb565ToRgba(new Uint8Array(8), 0, 2, new Uint8ClampedArray(0))).toThrow(ValueError);
    expect(() => rgb565ToRgba(new Uint8Array(8), 1.5, 2, new Uint8ClampedArray(12))).toThrow(ValueError);
  });
});
