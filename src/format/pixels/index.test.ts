import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { bayerToRgba, toRgba, yuvToRgba } from './index';

describe('toRgba', () => {
  it('dispatches RGB565, with swapRgb565 for V1.0 byte order', () => {
    const img = new Image(2, 1, PIXFORMAT.RGB565, new Uint8Array([0x00, 0xf8, 0x1f, 0x00]));
    expect([...toRgba(img)]).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
    // Swapped: 0x00F8 (G6=7, B5=24) and 0x1F00 (R5=3, G6=56).
    expect([...toRgba(img, { swapRgb565: true })]).toEqual([0, 28, 198, 255, 24, 227, 0, 255]);
  });

  it('dispatches GRAYSCALE and BINARY', () => {
    expect([...toRgba(new Image(2, 1, PIXFORMAT.GRAYSCALE, new Uint8Array([7, 250])))]).toEqual([
      7, 7, 7, 255, 250, 250, 250, 255,
    ]);
    const binary = new Image(3, 2, PIXFORMAT.BINARY, new Uint8Array([0b101, 0, 0, 0, 0b010, 0, 0, 0]));
    expect([...toRgba(binary)].filter((_, i) => i % 4 === 0)).toEqual([255, 0, 255, 0, 255, 0]);
  });

  it('dispatches each Bayer code to its own pattern', () => {
    const data = Uint8Array.from({ length: 20 }, (_, i) => (i * 53) & 0xff);
    const codes = [
      [PIXFORMAT.BAYER_BGGR, 'BGGR'],
      [PIXFORMAT.BAYER_GBRG, 'GBRG'],
      [PIXFORMAT.BAYER_GRBG, 'GRBG'],
      [PIXFORMAT.BAYER_RGGB, 'RGGB'],
    ] as const;
    const results = codes.map(([code, pattern]) => {
      const got = [...toRgba(new Image(5, 4, code, data))];
      expect(got).toEqual([...bayerToRgba(data, 5, 4, pattern, new Uint8ClampedArray(80))]);
      return got.join();
    });
    expect(new Set(results).size).toBe(4);
  });

  it('dispatches YUV422 and YVU422 (they differ on the same bytes)', () => {
    const data = new Uint8Array([100, 200, 50, 60, 90, 30]);
    const yuv = [...toRgba(new Image(3, 1, PIXFORMAT.YUV422, data))];
    const yvu = [...toRgba(new Image(3, 1, PIXFORMAT.YVU422, data))];
    expect(yuv).toEqual([...yuvToRgba(data, 3, 1, 'YUV422', new Uint8ClampedArray(12))]);
    expect(yvu).toEqual([...yuvToRgba(data, 3, 1, 'YVU422', new Uint8ClampedArray(12))]);
    expect(yuv).not.toEqual(yvu);
    // 1-pixel-wide frames show their luma (Part A).
    expect([...toRgba(new Image(1, 2, PIXFORMAT.YUV422, new Uint8Array([33, 0, 44, 255])))]).toEqual([
      33, 33, 33, 255, 44, 44, 44, 255,
    ]);
  });

  it('writes into options.out and returns it', () => {
    const out = new Uint8ClampedArray(8).fill(1);
    const img = new Image(2, 1, PIXFORMAT.GRAYSCALE, new Uint8Array([3, 4]));
    expect(toRgba(img, { out })).toBe(out);
    expect([...out]).toEqual([3, 3, 3, 255, 4, 4, 4, 255]);
  });

  it('accepts an image whose payload is a view at an odd byteOffset', () => {
    const backing = new Uint8Array([0xaa, 0x00, 0xf8, 0xe0, 0x07, 0xaa]);
    const img = new Image(2, 1, PIXFORMAT.RGB565, backing.subarray(1, 5));
    expect(img.data.byteOffset).toBe(1);
    expect([...toRgba(img)]).toEqual([255, 0, 0, 255, 0, 255, 0, 255]);
  });

  it('refuses JPEG and PNG: the platform decoder handles them', () => {
    const jpeg = new Image(8, 8, PIXFORMAT.JPEG, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    const png = new Image(8, 8, PIXFORMAT.PNG, new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    expect(() => toRgba(jpeg)).toThrow(ValueError);
    expect(() => toRgba(jpeg)).toThrow(/JPEG frames are compressed.*platform image decoder/);
    expect(() => toRgba(png)).toThrow(/PNG frames are compressed/);
  });

  it('refuses ARGB8 and invalid codes', () => {
    expect(() => toRgba(new Image(2, 2, PIXFORMAT.ARGB8))).toThrow(/ARGB8 frames have no payload layout/);
    // Image() rejects invalid codes, so a structurally typed stand-in carries one here.
    const bogus = {
      width: 1,
      height: 1,
      pixformat: 0x12345678,
      data: new Uint8Array(4),
      size: 0,
    } as unknown as Image;
    expect(() => toRgba(bogus)).toThrow(ValueError);
    expect(() => toRgba(bogus)).toThrow(/cannot convert pixel format INVALID\(0x12345678\)/);
  });

  it('validates out and the payload length', () => {
    const img = new Image(2, 2, PIXFORMAT.RGB565);
    expect(() => toRgba(img, { out: new Uint8ClampedArray(15) })).toThrow(ValueError);
    expect(() => toRgba(img, { out: new Uint8ClampedArray(17) })).toThrow(/exactly width\*height\*4 = 16/);
    const short = {
      width: 2,
      height: 2,
      pixformat: PIXFORMAT.BAYER_RGGB,
      data: new Uint8Array(3),
    } as unknown as Image;
    expect(() => toRgba(short)).toThrow(/BAYER_RGGB.*need 4 bytes, got 3/);
  });
});
