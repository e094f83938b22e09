import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_IMAGES } from '../test/helpers';
import { jpegInfo } from './jpeg-info';
import { osError } from '../test/expect-errors';

const DATA = TEST_IMAGES;

/** A marker segment: FF m, big-endian length (including itself), payload. */
const seg = (m: number, payload: number[]): number[] => [
  0xff,
  m,
  (payload.length + 2) >> 8,
  (payload.length + 2) & 0xff,
  ...payload,
];
const sof = (m: number, w: number, h: number, n: number): number[] =>
  seg(m, [
    8,
    h >> 8,
    h & 0xff,
    w >> 8,
    w & 0xff,
    n,
    ...Array.from({ length: n }, (_, i) => [i + 1, 0x11, 0]).flat(),
  ]);
const APP0 = seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
const DQT = seg(0xdb, [0, ...new Array<number>(64).fill(1)]);

describe('jpegInfo', () => {
  it('reads the real baseline JFIF test image', () => {
    expect(jpegInfo(new Uint8Array(readFileSync(DATA + 'compressed.jpeg')))).toEqual({
      width: 320,
      height: 270,
      components: 3,
      progressive: false,
      marker: 0xc0,
    });
  });

  it('walks APPn, DQT, fill bytes and standalone markers to SOF0/1/2 and the rarer SOFs', () => {
    const file = (frame: number[]): Uint8Array =>
      Uint8Array.from([0xff, 0xd8, ...APP0, 0xff, 0xff, ...DQT, 0xff, 0x01, 0xff, 0xd3, ...frame]);
    expect(jpegInfo(file(sof(0xc1, 4000, 3000, 1)))).toEqual({
      width: 4000,
      height: 3000,
      components: 1,
      progressive: false,
      marker: 0xc1,
    });
    expect(jpegInfo(file(sof(0xc2, 640, 480, 3)))).toMatchObject({ progressive: true, marker: 0xc2 });
    expect(jpegInfo(file(sof(0xc3, 7, 9, 4)))).toMatchObject({
      width: 7,
      height: 9,
      components: 4,
      progressive: false,
    });
    expect(jpegInfo(file(sof(0xca, 1, 1, 3)))).toMatchObject({ progressive: true });
    // DHT (C4), JPG (C8) and DAC (CC) are not frame headers.
    expect(
      jpegInfo(file([...seg(0xc4, [0, ...new Array<number>(16).fill(0)]), ...sof(0xc0, 2, 3, 1)])),
    ).toMatchObject({
      width: 2,
      height: 3,
    });
  });

  it('explains what is wrong and where', () => {
    expect(osError(() => jpegInfo(Uint8Array.from([0x89, 0x50])))).toBe(
      'Unsupported format! JPEG at offset 0: no SOI marker (FF D8): the file starts 89 50',
    );
    expect(osError(() => jpegInfo(Uint8Array.from([0xff, 0xd8, 0x12, 0x34])))).toBe(
      'File corrupted! JPEG at offset 2: expected a marker (FF xx), found 0x12',
    );
    expect(osError(() => jpegInfo(Uint8Array.from([0xff, 0xd8, ...seg(0xda, [1, 2, 3])])))).toBe(
      'File corrupted! JPEG at offset 2: SOS before any SOF: no frame header',
    );
    expect(osError(() => jpegInfo(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9])))).toBe(
      'File corrupted! JPEG at offset 2: EOI before any SOF: no frame header',
    );
    expect(osError(() => jpegInfo(Uint8Array.from([0xff, 0xd8, ...sof(0xc0, 5, 0, 3)])))).toBe(
      'Unsupported format! JPEG at offset 7: frame height is 0 (defined later by DNL): not supported',
    );
    expect(osError(() => jpegInfo(Uint8Array.from([0xff, 0xd8, ...sof(0xc0, 0, 5, 3)])))).toMatch(
      /frame width is 0/,
    );
    expect(osError(() => jpegInfo(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01])))).toMatch(
      /segment FFE0 has length 1/,
    );
    const full = Uint8Array.from([0xff, 0xd8, ...APP0, ...sof(0xc0, 5, 5, 3)]);
    for (let n = 0; n < full.length; n++) {
      const msg = osError(() => jpegInfo(full.subarray(0, n)));
      expect(msg).toMatch(
        /^(Failed to read requested bytes!|Unsupported format!|File corrupted!) JPEG at offset \d+/,
      );
    }
  });
});
