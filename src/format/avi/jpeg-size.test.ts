import { encode } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { jpegSize } from './jpeg-size';
import { standInJpeg } from './test/fixtures';

describe('jpegSize', () => {
  it('reads the SOF of real and stand-in JPEGs', () => {
    const rgba = new Uint8Array(33 * 17 * 4).fill(128);
    expect(jpegSize(new Uint8Array(encode({ width: 33, height: 17, data: rgba }, 75).data))).toEqual({
      width: 33,
      height: 17,
    });
    expect(jpegSize(standInJpeg(640, 480, 70000))).toEqual({ width: 640, height: 480 });
  });

  it('skips fill bytes and stand-alone markers, and names the byte where it gives up', () => {
    const j = standInJpeg(8, 4, 0);
    const withFill = new Uint8Array([0xff, 0xd8, 0xff, 0xff, 0xff, 0xd0, ...j.subarray(2)]);
    expect(jpegSize(withFill)).toEqual({ width: 8, height: 4 });
    expect(() => jpegSize(j.subarray(0, 8))).toThrow('Not a JPEG: SOF segment at byte 2 is cut short');
    expect(() => jpegSize(new Uint8Array([0xff, 0xd8, 0x00, 0x11, 0, 0]))).toThrow(
      'expected a marker at byte 2',
    );
    expect(() => jpegSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 1]))).toThrow(
      'segment length 1 at byte 4',
    );
    expect(() => jpegSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 200, 0, 0]))).toThrow(
      /no SOF marker before byte 8/,
    );
  });
});
