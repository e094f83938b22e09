import { describe, expect, it } from 'vitest';
import { EOFError, ImageIO, Image, ManualClock, OSError, PIXFORMAT, ValueError, slotSize } from './index';
import { randomBytes, rng, toHex } from './test/helpers';

const next = rng(11);
const rgb = (w: number, h: number) => new Image(w, h, PIXFORMAT.RGB565, randomBytes(2 * w * h, next));

describe('memory stream (formats.md B §3)', () => {
  it('sizes slots as the worked table of B §3.4', () => {
    const table: [number, number, number, number, number][] = [
      [4, 2, PIXFORMAT.RGB565, 64, 32],
      [3, 3, PIXFORMAT.GRAYSCALE, 64, 32],
      [33, 1, PIXFORMAT.BINARY, 64, 32],
      [160, 120, PIXFORMAT.GRAYSCALE, 19232, 19200],
      [320, 240, PIXFORMAT.RGB565, 153632, 153600],
      [320, 240, PIXFORMAT.JPEG, 19232, 19200],
      [100, 100, PIXFORMAT.JPEG, 3232, 3200],
    ];
    for (const [w, h, f, slot, buffer] of table) {
      expect(slotSize({ width: w, height: h, pixformat: f })).toBe(slot);
      const io = ImageIO.memory([w, h, f], 3);
      expect([io.bufferSize(), io.size(), io.count(), io.type(), io.version()]).toEqual([
        buffer,
        3 * slot,
        3,
        1,
        null,
      ]);
    }
  });

  it("passes the firmware's unittest: write three, seek(0), read three, seek(1), read the second", () => {
    const frames = [rgb(40, 40), rgb(40, 40), rgb(40, 40)];
    const io = ImageIO.memory([40, 40, PIXFORMAT.RGB565], 3, { clock: new ManualClock() });
    for (const f of frames) io.write(f);
    expect(() => io.write(frames[0]!)).toThrow(new EOFError('End of stream'));
    io.seek(0);
    for (const f of frames) expect(io.readSync()!.data).toEqual(f.data);
    expect(() => io.readSync()).toThrow(new EOFError('End of stream'));
    io.seek(1);
    expect(io.readSync()!.data).toEqual(frames[1]!.data);
    expect(() => io.seek(3)).toThrow(new ValueError('Invalid stream offset'));
  });

  it('lays a slot out byte for byte: elapsed, image_t copy, payload at 32', () => {
    const buffer = new SharedArrayBuffer(2 * 64);
    const clock = new ManualClock();
    const io = ImageIO.memory([4, 2, PIXFORMAT.RGB565], 2, { buffer, clock });
    const px = Uint8Array.from([
      0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xff, 0xff, 0, 0, 0x10, 0x84, 0xe0, 0xff, 0x34, 0x12,
    ]);
    clock.advance(33);
    io.write(new Image(4, 2, PIXFORMAT.RGB565, px));
    const slot = new Uint8Array(buffer, 0, 48);
    expect(toHex(slot.subarray(0, 28))).toBe(
      '21 00 00 00 04 00 00 00 02 00 00 00 02 00 03 0c 00 00 00 00 00 00 00 00 00 00 00 00',
    );
    expect(slot.subarray(32, 48)).toEqual(px);
  });

  it('refuses a frame larger than bufferSize() (Part A), a bad format, and garbage slots', () => {
    const io = ImageIO.memory([4, 4, PIXFORMAT.GRAYSCALE], 2);
    expect(io.bufferSize()).toBe(32);
    expect(() => io.write(new Image(5, 7, PIXFORMAT.GRAYSCALE))).toThrow(
      new ValueError('Invalid frame size'),
    );
    io.write(new Image(8, 4, PIXFORMAT.GRAYSCALE));
    expect(() => ImageIO.memory([4, 4, 0x1234], 2)).toThrow(new OSError('Invalid image stream pixformat'));
    const raw = new ArrayBuffer(64);
    new Uint8Array(raw).fill(0xee);
    const garbage = ImageIO.memory([4, 4, PIXFORMAT.GRAYSCALE], 1, { buffer: raw });
    expect(() => garbage.readSync()).toThrow(new OSError('Invalid image stream pixformat'));
  });

  it('keeps mixed formats and JPEG in one stream', () => {
    const io = ImageIO.memory([64, 64, PIXFORMAT.JPEG], 2);
    const jpeg = new Image(64, 64, PIXFORMAT.JPEG, randomBytes(700, next));
    io.write(jpeg);
    io.write(new Image(3, 3, PIXFORMAT.GRAYSCALE, randomBytes(9, next)));
    io.seek(0);
    const j = io.readSync()!;
    expect([j.pixformat, j.size]).toEqual([PIXFORMAT.JPEG, 700]);
    expect(j.data).toEqual(jpeg.data);
    expect(io.readSync()!.pixformat).toBe(PIXFORMAT.GRAYSCALE);
  });
});

describe('pause (Part A)', () => {
  async function paced(elapsed: number[], work: (clock: ManualClock, i: number) => void = () => {}) {
    const clock = new ManualClock(5000);
    const io = ImageIO.memory([2, 2, PIXFORMAT.GRAYSCALE], elapsed.length, { clock });
    for (const e of elapsed) io.write(new Image(2, 2, PIXFORMAT.GRAYSCALE), { elapsedMs: e });
    io.seek(0);
    const shown: number[] = [];
    for (let i = 0; i < elapsed.length; i++) {
      await io.read();
      shown.push(clock.now() - 5000);
      work(clock, i);
    }
    return { shown, sleeps: clock.sleeps };
  }

  it('returns each frame its recorded interval after the previous one, without drift', async () => {
    const { shown } = await paced([0, 33, 34, 33, 100]);
    expect(shown).toEqual([0, 33, 67, 100, 200]);
  });

  it('keeps time when the reader spends part of each interval working', async () => {
    const { shown } = await paced([10, 40, 40, 40], (clock) => clock.advance(15));
    expect(shown).toEqual([10, 50, 90, 130]);
  });

  it('does not burst to catch up after a slow frame: the next interval counts from now', async () => {
    const { shown } = await paced([0, 30, 30, 30], (clock, i) => clock.advance(i === 1 ? 100 : 0));
    expect(shown).toEqual([0, 30, 130, 160]);
  });

  it('re-anchors after a seek so pause keeps working', async () => {
    const clock = new ManualClock();
    const io = ImageIO.memory([2, 2, PIXFORMAT.GRAYSCALE], 3, { clock });
    for (const e of [50, 50, 50]) io.write(new Image(2, 2, PIXFORMAT.GRAYSCALE), { elapsedMs: e });
    io.seek(2);
    clock.advance(1000);
    io.seek(1);
    const t0 = clock.now();
    await io.read();
    expect(clock.now() - t0).toBe(50);
    await io.read({ pause: false });
    expect(clock.now() - t0).toBe(50);
  });
});
