import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { grayscaleToRgba } from './grayscale';

describe('grayscaleToRgba', () => {
  it('shows each luma byte as (Y, Y, Y, 255) at full precision', () => {
    const out = new Uint8ClampedArray(5 * 4);
    grayscaleToRgba(new Uint8Array([0, 1, 127, 128, 255]), 5, 1, out);
    expect([...out]).toEqual([
      0, 0, 0, 255, 1, 1, 1, 255, 127, 127, 127, 255, 128, 128, 128, 255, 255, 255, 255, 255,
    ]);
  });

  it('covers every byte value and keeps row-major order over several rows', () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const out = new Uint8ClampedArray(256 * 4);
    grayscaleToRgba(data, 16, 16, out);
    for (let i = 0; i < 256; i++)
      expect([...out.subarray(i * 4, i * 4 + 4)]).toEqual([255 - i, 255 - i, 255 - i, 255]);
  });

  it('reads a subarray at an odd byteOffset and writes an unaligned output view', () => {
    const backing = new Uint8Array([9, 10, 20, 30, 9]);
    const backingOut = new Uint8ClampedArray(1 + 12).fill(1);
    grayscaleToRgba(backing.subarray(1, 4), 3, 1, backingOut.subarray(1));
    expect([...backingOut]).toEqual([1, 10, 10, 10, 255, 20, 20, 20, 255, 30, 30, 30, 255]);
  });

  it('rejects a wrong output length and a short payload', () => {
    expect(() => grayscaleToRgba(new Uint8Array(4), 2, 2, new Uint8ClampedArray(12))).toThrow(ValueError);
    expect(() => grayscaleToRgba(new Uint8Array(3), 2, 2, new Uint8ClampedArray(16))).toThrow(
      /need 4 bytes, got 3/,
    );
  });
});
