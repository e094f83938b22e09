import { describe, expect, it } from 'vitest';
import { ImageIO, Image, ManualClock, MemoryStore, PIXFORMAT } from './index';
import { fromHex, storeOf, toHex } from './test/helpers';

// formats.md B §2.11: a 4x2 RGB565 frame then a 3x3 GRAYSCALE frame.
const V20 = fromHex(`
0000: 4F 4D 56 20 49 4D 47 20 53 54 52 20 56 32 2E 30
0010: 21 00 00 00 04 00 00 00 02 00 00 00 02 00 03 0C
0020: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0030: 00 F8 E0 07 1F 00 FF FF 00 00 10 84 E0 FF 34 12
0040: 42 00 00 00 03 00 00 00 03 00 00 00 01 00 02 08
0050: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0060: 00 10 20 30 40 50 60 70 80 00 00 00 00 00 00 00`);

const V11 = fromHex(`
0000: 4F 4D 56 20 49 4D 47 20 53 54 52 20 56 31 2E 31
0010: 21 00 00 00 04 00 00 00 02 00 00 00 02 00 00 00
0020: 00 F8 E0 07 1F 00 FF FF 00 00 10 84 E0 FF 34 12
0030: 42 00 00 00 03 00 00 00 03 00 00 00 01 00 00 00
0040: 00 10 20 30 40 50 60 70 80 00 00 00 00 00 00 00`);

const V10 = fromHex(`
0000: 4F 4D 56 20 49 4D 47 20 53 54 52 20 56 31 2E 30
0010: 21 00 00 00 04 00 00 00 02 00 00 00 02 00 00 00
0020: F8 00 07 E0 00 1F FF FF 00 00 84 10 FF E0 12 34
0030: 42 00 00 00 03 00 00 00 03 00 00 00 01 00 00 00
0040: 00 10 20 30 40 50 60 70 80 00 00 00 00 00 00 00`);

/** The two frames of the vector, RGB565 as native little-endian bytes. */
const rgbPixels = [0xf800, 0x07e0, 0x001f, 0xffff, 0x0000, 0x8410, 0xffe0, 0x1234];
const rgbBytes = Uint8Array.from(rgbPixels.flatMap((p) => [p & 0xff, p >> 8]));
const grayBytes = Uint8Array.from([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80]);

describe('formats.md B §2.11 vectors', () => {
  it('writes the V2.0 file byte for byte (112 bytes)', () => {
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
    io.write(new Image(4, 2, PIXFORMAT.RGB565, rgbBytes), { elapsedMs: 33 });
    io.write(new Image(3, 3, PIXFORMAT.GRAYSCALE, grayBytes), { elapsedMs: 66 });
    io.close();
    expect(store.size()).toBe(112);
    expect(toHex(store.bytes())).toBe(toHex(V20));
  });

  it('stores the time between writes when no interval is given', () => {
    const clock = new ManualClock(1000);
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w', { clock });
    clock.advance(33);
    io.write(new Image(4, 2, PIXFORMAT.RGB565, rgbBytes));
    clock.advance(66);
    io.write(new Image(3, 3, PIXFORMAT.GRAYSCALE, grayBytes));
    expect(toHex(store.bytes())).toBe(toHex(V20));
  });

  for (const [name, bytes, version] of [
    ['V2.0', V20, 20],
    ['V1.1', V11, 11],
    ['V1.0', V10, 10],
  ] as const) {
    it(`reads the ${name} file: same frames, RGB565 in native order`, () => {
      const io = ImageIO.open(storeOf(bytes), 'r');
      expect(io.version()).toBe(version);
      expect(io.count()).toBe(2);
      expect(io.damage()).toBeNull();
      expect(io.durationMs()).toBe(99);
      const a = io.readSync()!;
      expect([a.width, a.height, a.pixformat]).toEqual([4, 2, PIXFORMAT.RGB565]);
      expect(toHex(a.data)).toBe(toHex(rgbBytes));
      const b = io.readSync()!;
      expect([b.width, b.height, b.pixformat]).toEqual([3, 3, PIXFORMAT.GRAYSCALE]);
      expect(toHex(b.data)).toBe(toHex(grayBytes));
      expect(io.frameInfo(1)).toMatchObject({
        offset: version >= 20 ? 0x40 : 0x30,
        elapsed: 66,
        elapsedMs: 66,
        payload: 9,
      });
    });
  }

  it('writes V2.1 on request, with microsecond elapsed values', () => {
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w', { version: 21, clock: new ManualClock() });
    io.write(new Image(3, 3, PIXFORMAT.GRAYSCALE, grayBytes), { elapsedMs: 33.3337 });
    const bytes = store.bytes();
    expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe('V2.1');
    expect(toHex(bytes.subarray(16, 20))).toBe(toHex(Uint8Array.from([0x36, 0x82, 0x00, 0x00]))); // 33334 µs
    const back = ImageIO.open(storeOf(bytes.slice()), 'r');
    expect(back.version()).toBe(21);
    expect(back.frameInfo(0).elapsedMs).toBeCloseTo(33.334, 6);
    expect(back.durationMs()).toBeCloseTo(33.334, 6);
  });
});
