import { describe, expect, it } from 'vitest';
import { ImageIO, Image, ManualClock, MemoryStore, PIXFORMAT } from './index';
import { storeOf, toHex } from './test/helpers';
import { V10, V11, V20, grayBytes, rgbBytes } from './test/vectors';

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
    expect(back.frameInfo(0).elapsedMs).toBe(33.334);
    expect(back.durationMs()).toBe(33.334);
  });
});
