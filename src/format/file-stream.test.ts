import { describe, expect, it } from 'vitest';
import {
  EOFError,
  ImageIO,
  Image,
  ManualClock,
  MemoryStore,
  OSError,
  PIXFORMAT,
  ValueError,
  imageSize,
  repair,
} from './index';
import { randomBytes, rng, storeOf } from './test/helpers';

const next = rng(7);
const rgb = (w: number, h: number) => new Image(w, h, PIXFORMAT.RGB565, randomBytes(2 * w * h, next));
const gray = (w: number, h: number) => new Image(w, h, PIXFORMAT.GRAYSCALE, randomBytes(w * h, next));

function recording(frames: Image[], elapsed = 33): MemoryStore {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  for (const f of frames) io.write(f, { elapsedMs: elapsed });
  io.close();
  return store;
}

describe("the firmware's scripts/unittest/tests/imageio.py", () => {
  it('round-trips three 40x40 RGB565 and two 30x30 GRAYSCALE frames through a file', () => {
    const frames = [rgb(40, 40), rgb(40, 40), rgb(40, 40), gray(30, 30), gray(30, 30)];
    const io = ImageIO.open(storeOf(recording(frames).bytes()), 'r');
    expect(io.count()).toBe(5);
    for (const f of frames) {
      const back = io.readSync({ loop: false })!;
      expect([back.width, back.height, back.pixformat]).toEqual([f.width, f.height, f.pixformat]);
      expect(back.data).toEqual(f.data);
    }
    expect(io.readSync({ loop: false })).toBeNull();
  });
});

describe('file stream API (formats.md B §2, Part A)', () => {
  const frames = [gray(5, 3), rgb(7, 1), gray(1, 1), rgb(3, 5), gray(9, 9)];
  const bytes = recording(frames).bytes().slice();

  it('answers the query methods', () => {
    const io = ImageIO.open(storeOf(bytes), 'r');
    expect(io.type()).toBe(ImageIO.FILE_STREAM);
    expect(io.isClosed()).toBe(0);
    expect(io.count()).toBe(5);
    expect(io.offset()).toBe(0);
    expect(io.version()).toBe(20);
    expect(io.bufferSize()).toBeNull();
    expect(io.size()).toBe(bytes.length);
  });

  it('loops at the end by default and returns null without loop', () => {
    const io = ImageIO.open(storeOf(bytes), 'r');
    for (let i = 0; i < 5; i++) io.readSync();
    expect(io.offset()).toBe(5);
    expect(io.readSync({ loop: false })).toBeNull();
    expect(io.readSync()!.data).toEqual(frames[0]!.data);
    expect(io.offset()).toBe(1);
  });

  it('seeks in O(1) to any frame, to the end, and refuses past it', () => {
    const io = ImageIO.open(storeOf(bytes), 'r');
    expect(io.seek(3)).toBe(io);
    expect(io.readSync()!.data).toEqual(frames[3]!.data);
    io.seek(5);
    expect(io.readSync({ loop: false })).toBeNull();
    expect(() => io.seek(6)).toThrow(new EOFError('End of stream'));
    expect(() => io.seek(-1)).toThrow(new ValueError('Invalid stream offset'));
    expect(io.count()).toBe(5);
  });

  it('reads frames at random without moving the offset', () => {
    const io = ImageIO.open(storeOf(bytes), 'r');
    expect(io.frameAt(4).data).toEqual(frames[4]!.data);
    expect(io.offset()).toBe(0);
    expect(() => io.frameAt(5)).toThrow(ValueError);
  });

  it('truncates when writing after a seek (B §2.9)', () => {
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
    for (const f of frames) io.write(f, { elapsedMs: 10 });
    expect(io.count()).toBe(5);
    io.seek(2);
    io.write(gray(2, 2), { elapsedMs: 10 });
    expect(io.count()).toBe(3);
    expect(io.offset()).toBe(3);
    const back = ImageIO.open(storeOf(store.bytes()), 'r');
    expect(back.count()).toBe(3);
    expect(back.frameAt(2).width).toBe(2);
    expect(back.damage()).toBeNull();
    io.seek(0);
    io.write(gray(1, 1), { elapsedMs: 10 });
    expect(store.size()).toBe(16 + 32 + 16);
  });

  it('refuses writes on a stream opened for reading, and everything but queries once closed', () => {
    const io = ImageIO.open(storeOf(bytes), 'r');
    expect(() => io.write(gray(1, 1))).toThrow(new OSError('Write failed'));
    io.close();
    io.close();
    expect(io.isClosed()).toBe(1);
    expect(io.count()).toBe(5);
    expect(io.size()).toBe(bytes.length);
    for (const op of [() => io.readSync(), () => io.seek(0), () => io.sync(), () => io.write(gray(1, 1))]) {
      expect(op).toThrow(new OSError('Stream closed'));
    }
  });

  it('rejects bad modes, magics and versions with the firmware messages', () => {
    expect(() => ImageIO.open(new MemoryStore(), 'x')).toThrow(
      new ValueError("Invalid stream mode, expected 'r' or 'w'"),
    );
    const bad = bytes.slice();
    bad[0] = 0x58;
    expect(() => ImageIO.open(storeOf(bad), 'r')).toThrow(new OSError('Unexpected value read!'));
    for (const v of ['V3.0', 'V1.2', 'V1.:', 'V2.2']) {
      const b = bytes.slice();
      b.set(
        Array.from(v, (c) => c.charCodeAt(0)),
        12,
      );
      expect(() => ImageIO.open(storeOf(b), 'r')).toThrow(ValueError);
    }
    expect(() => ImageIO.open(storeOf(bytes.slice(0, 9)), 'r')).toThrow(
      new OSError('Failed to read requested bytes!'),
    );
    expect(() => ImageIO.open(storeOf(new TextEncoder().encode('GIF89a')), 'r')).toThrow(
      new OSError('Unexpected value read!'),
    );
  });

  it('opens an empty stream: no frames, read gives null even with loop', () => {
    const io = ImageIO.open(storeOf(recording([]).bytes()), 'r');
    expect(io.count()).toBe(0);
    expect(io.readSync()).toBeNull();
  });
});

describe('legacy V1 chunks', () => {
  it('takes a V1 JPEG length from the bpp field (Part A) and maps bpp 0..3', () => {
    const jpeg = Uint8Array.from([0xff, 0xd8, 1, 2, 3, 4, 5, 0xff, 0xd9]);
    const parts: number[] = [...Array.from('OMV IMG STR V1.1', (c) => c.charCodeAt(0))];
    const chunk = (e: number, w: number, h: number, bpp: number, payload: number[]) => {
      for (const v of [e, w, h, bpp]) parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
      parts.push(...payload, ...new Array((16 - (payload.length % 16)) % 16).fill(0));
    };
    chunk(40, 16, 8, jpeg.length, [...jpeg]);
    chunk(40, 33, 2, 0, new Array(16).fill(0xaa));
    chunk(40, 2, 2, 3, [1, 2, 3, 4]);
    const io = ImageIO.open(storeOf(Uint8Array.from(parts)), 'r');
    expect(io.count()).toBe(3);
    const j = io.readSync()!;
    expect([j.pixformat, j.size, j.width]).toEqual([PIXFORMAT.JPEG, 9, 16]);
    expect(j.data).toEqual(jpeg);
    expect(io.readSync()!.pixformat).toBe(PIXFORMAT.BINARY);
    expect(io.readSync()!.pixformat).toBe(PIXFORMAT.BAYER_BGGR);
  });
});

describe('damage and repair (Part A)', () => {
  const frames = [rgb(8, 8), gray(13, 3), rgb(5, 5)];
  const clean = recording(frames).bytes().slice();
  const starts = [16, 16 + 32 + 128, 16 + 32 + 128 + 32 + 48];

  it('keeps every complete frame of a truncated file and names where the damage starts', () => {
    for (let cut = 16; cut < clean.length; cut++) {
      const io = ImageIO.open(storeOf(clean.slice(0, cut)), 'r');
      const complete = starts.filter(
        (s, i) => s + 32 + imageSize(frames[i]!.width, frames[i]!.height, frames[i]!.pixformat) <= cut,
      ).length;
      expect(io.count()).toBe(complete);
      for (let i = 0; i < complete; i++) expect(io.frameAt(i).data).toEqual(frames[i]!.data);
      const damage = io.damage();
      const inPadding = complete > 0 && cut >= io.dataEnd() && io.dataEnd() === cut;
      if (cut === starts[complete] || inPadding) expect(damage).toBeNull();
      else expect(damage).toMatchObject({ frameIndex: complete, offset: starts[complete] });
    }
  });

  it('reports an invalid pixel format or absurd size at its offset without allocating it', () => {
    const bad = clean.slice();
    bad.set([0xff, 0xff, 0xff, 0x7f], starts[1]! + 4); // width 2^31-1
    const io = ImageIO.open(storeOf(bad), 'r');
    expect(io.count()).toBe(1);
    expect(io.damage()).toEqual({
      frameIndex: 1,
      offset: starts[1],
      reason: 'implausible frame size 2147483647x3',
    });
    const fmt = clean.slice();
    fmt.set([1, 2, 3, 4], starts[2]! + 12);
    expect(ImageIO.open(storeOf(fmt), 'r').damage()).toEqual({
      frameIndex: 2,
      offset: starts[2],
      reason: 'invalid pixel format INVALID(0x04030201)',
    });
    const huge = clean.slice();
    huge.set([0xff, 0xff, 0x00, 0x00], starts[2]! + 4); // 65535 x 5 RGB565: far more than the file holds
    expect(ImageIO.open(storeOf(huge), 'r').damage()?.reason).toBe(
      'truncated frame: payload of 655350 bytes, 64 present',
    );
  });

  it('repairs a copy: complete frames kept byte for byte, padding restored, tail dropped', () => {
    const cut = clean.slice(0, starts[2]! + 40);
    const target = new MemoryStore();
    const result = repair(storeOf(cut), target);
    expect(result).toMatchObject({ frames: 2, bytes: starts[2], droppedBytes: 40, sourceBytes: cut.length });
    expect(result.damage).toMatchObject({ frameIndex: 2, offset: starts[2] });
    expect(target.bytes()).toEqual(clean.subarray(0, starts[2]));
    const padCut = clean.slice(0, starts[2]! - 5); // frame 1 is 13x3 = 39 bytes: its padding is partly cut
    const target2 = new MemoryStore();
    expect(repair(storeOf(padCut), target2).frames).toBe(2);
    expect(target2.bytes()).toEqual(clean.subarray(0, starts[2]));
    const io = ImageIO.open(storeOf(target2.bytes()), 'r');
    expect([io.count(), io.damage()]).toEqual([2, null]);
  });
});
