import { describe, expect, it } from 'vitest';
import { MemoryImageIO, slotSize } from '../format/memory-stream';
import { PIXFORMAT } from '../format/pixformat';
import { seededBytes, toHex } from '../format/test/helpers';
import {
  FrameRing,
  LAYOUT_VERSION,
  MAX_READERS,
  RingReader,
  RingWriter,
  planRing,
  ringByteLength,
  type RingFrameIn,
} from './index';
import * as frameRingModule from './frame-ring';
import { I32 } from './layout';

const QVGA_RGB565 = { width: 320, height: 240, pixformat: PIXFORMAT.RGB565 };
const BIG = { seconds: 2, fps: 30, maxBytes: 1 << 30 };

/** A small raw frame whose payload bytes (and time) follow from `n`. */
const gray = (n: number, timeUs = n * 33_333): RingFrameIn => ({
  width: 4,
  height: 2,
  pixformat: PIXFORMAT.GRAYSCALE,
  size: 0,
  data: seededBytes(8, n + 1),
  timeUs,
});

/** A ring of `slots` slots of 64 bytes (payloads up to 32 bytes). */
const small = (slots: number, shared?: boolean) => FrameRing.create({ slots, slotSize: 64 }, { shared });

function writeAll(writer: RingWriter, from: number, to: number): void {
  for (let n = from; n < to; n++) expect(writer.write(gray(n))).toBe(true);
}

describe('planRing', () => {
  it('sizes raw slots exactly as the memory stream (B §3.4): QVGA RGB565 is 153,632 bytes', () => {
    expect(planRing(QVGA_RGB565, BIG)).toEqual({ slots: 62, slotSize: 153_632 });
    for (const shape of [
      { width: 4, height: 2, pixformat: PIXFORMAT.RGB565 },
      { width: 3, height: 3, pixformat: PIXFORMAT.GRAYSCALE },
      { width: 33, height: 1, pixformat: PIXFORMAT.BINARY },
      { width: 160, height: 120, pixformat: PIXFORMAT.GRAYSCALE },
      { width: 161, height: 121, pixformat: PIXFORMAT.YUV422 },
    ]) {
      expect(planRing(shape, BIG).slotSize).toBe(slotSize(shape));
    }
  });

  it('gives JPEG and PNG the room of an RGB565 frame, not the firmware 2-bit estimate', () => {
    const jpeg = { width: 320, height: 240, pixformat: PIXFORMAT.JPEG };
    expect(slotSize(jpeg)).toBe(19_232);
    expect(planRing(jpeg, BIG).slotSize).toBe(153_632);
    expect(planRing({ width: 100, height: 100, pixformat: PIXFORMAT.PNG }, BIG).slotSize).toBe(32 + 20_000);
  });

  it('takes ceil(seconds * fps) + 2 slots, at least 3, capped by maxBytes', () => {
    expect(planRing(QVGA_RGB565, { seconds: 1.01, fps: 30, maxBytes: 1 << 30 }).slots).toBe(33);
    expect(planRing(QVGA_RGB565, { seconds: 0, fps: 30, maxBytes: 1 << 30 }).slots).toBe(3);
    expect(planRing(QVGA_RGB565, { seconds: 10, fps: 30, maxBytes: 10 * 153_632 + 153_631 })).toEqual({
      slots: 10,
      slotSize: 153_632,
    });
    expect(planRing(QVGA_RGB565, { seconds: 10, fps: 30, maxBytes: 3 * 153_632 }).slots).toBe(3);
  });

  it('throws a RangeError naming the numbers when even 3 slots exceed maxBytes', () => {
    const plan = () => planRing(QVGA_RGB565, { seconds: 1, fps: 30, maxBytes: 3 * 153_632 - 1 });
    expect(plan).toThrow(RangeError);
    expect(plan).toThrow(/3 slots of 153632 bytes .*needs 460896 bytes; maxBytes is 460895/);
    expect(() => planRing({ ...QVGA_RGB565, pixformat: 7 }, BIG)).toThrow(/pixformat INVALID\(0x00000007\)/);
    expect(() => planRing({ ...QVGA_RGB565, width: 0 }, BIG)).toThrow(RangeError);
    expect(() => planRing(QVGA_RGB565, { ...BIG, fps: NaN })).toThrow(RangeError);
  });
});

describe('FrameRing layout', () => {
  it('puts the slot area on a 64-byte boundary after the header and the metadata table', () => {
    const plan = { slots: 7, slotSize: 9632 };
    const ring = FrameRing.create(plan);
    expect(ring.slotOffset(0) % 64).toBe(0);
    expect(ring.slotOffset(0)).toBe(320 + 7 * 16 + 16);
    expect(ring.buffer.byteLength).toBe(ringByteLength(plan));
    expect(ring.buffer.byteLength).toBe(ring.slotOffset(7));
    expect([ring.slots, ring.slotSize, ring.payloadCapacity]).toEqual([7, 9632, 9600]);
    expect(new Int32Array(ring.buffer, 0, 2)).toEqual(Int32Array.from([0x52564d4f, LAYOUT_VERSION]));
    expect(new TextDecoder().decode(new Uint8Array(ring.buffer, 0, 4))).toBe('OMVR');
  });

  it('writes each slot in the memory-stream layout of B §3.2', () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    const px = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bytes = new Uint8Array(ring.buffer);
    bytes.fill(0xee, ring.slotOffset(0), ring.slotOffset(4));
    writer.write({
      width: 3,
      height: 3,
      pixformat: PIXFORMAT.GRAYSCALE,
      size: 77,
      data: px,
      timeUs: 5_000_000,
    });
    writer.write({
      width: 3,
      height: 3,
      pixformat: PIXFORMAT.GRAYSCALE,
      size: 0,
      data: px,
      timeUs: 5_033_600,
    });
    const slot0 = bytes.subarray(ring.slotOffset(0), ring.slotOffset(1));
    const slot1 = bytes.subarray(ring.slotOffset(1), ring.slotOffset(2));
    expect(toHex(slot0.subarray(0, 32))).toBe(
      '00 00 00 00 03 00 00 00 03 00 00 00 01 00 02 08 4d 00 00 00 00 00 00 00 00 00 00 00 ee ee ee ee',
    );
    // elapsed_ms = round(33.6) = 34, little-endian at offset 0.
    expect(toHex(slot1.subarray(0, 4))).toBe('22 00 00 00');
    expect(slot0.subarray(32, 41)).toEqual(px);
    expect(slot0.subarray(41).every((b) => b === 0xee)).toBe(true);
  });

  it('reads back through MemoryImageIO when the slot area is handed to it', () => {
    const plan = planRing(
      { width: 8, height: 4, pixformat: PIXFORMAT.JPEG },
      { seconds: 0, fps: 0, maxBytes: 1e6 },
    );
    const ring = FrameRing.create(plan);
    const writer = new RingWriter(ring);
    const frames: RingFrameIn[] = [
      { width: 8, height: 4, pixformat: PIXFORMAT.JPEG, size: 50, data: seededBytes(50, 1), timeUs: 0 },
      { width: 4, height: 4, pixformat: PIXFORMAT.RGB565, size: 0, data: seededBytes(32, 2), timeUs: 40_000 },
    ];
    for (const f of frames) writer.write(f);
    const area = new Uint8Array(ring.buffer).slice(ring.slotOffset(0), ring.slotOffset(ring.slots));
    // Same slot size as the ring's (the ring gives JPEG the room of RGB565).
    const io = new MemoryImageIO({ width: 8, height: 4, pixformat: PIXFORMAT.RGB565 }, ring.slots, {
      buffer: area.buffer,
    });
    expect(io.slotSize()).toBe(ring.slotSize);
    for (const f of frames) {
      const img = io.readSync()!;
      expect([img.width, img.height, img.pixformat, img.size]).toEqual([
        f.width,
        f.height,
        f.pixformat,
        f.size,
      ]);
      expect(img.data).toEqual(f.data);
    }
  });
});

describe('RingWriter and RingReader in one thread', () => {
  it("an 'every' reader gets the frames in order, with seq, times and elapsed ms", () => {
    const ring = small(8);
    const writer = new RingWriter(ring);
    const reader = new RingReader(ring, 0, 'every');
    expect(reader.attach('oldest')).toBe(0);
    expect(reader.read()).toBeNull();
    const times = [1_000_000, 1_033_400, 1_066_600, 1_066_000];
    times.forEach((t, n) => writer.write(gray(n, t)));
    const got = [0, 1, 2, 3].map(() => reader.read()!);
    expect(got.map((f) => f.seq)).toEqual([0, 1, 2, 3]);
    expect(got.map((f) => f.timeUs)).toEqual(times);
    // 0 for the first frame, rounded ms after that, 0 when the clock went backwards.
    expect(got.map((f) => f.elapsedMs)).toEqual([0, 33, 33, 0]);
    got.forEach((f, n) => {
      expect(f.data).toEqual(gray(n).data);
      expect([f.width, f.height, f.pixformat, f.size]).toEqual([4, 2, PIXFORMAT.GRAYSCALE, 0]);
      expect(f.data.buffer).not.toBe(ring.buffer);
    });
    expect(reader.read()).toBeNull();
    expect(reader.position()).toBe(4);
  });

  it('keeps the newest frames when no reader holds it back: the oldest go, one slot stays free', () => {
    const ring = small(5);
    const writer = new RingWriter(ring);
    expect([ring.nextSeq(), ring.oldestSeq(), ring.held()]).toEqual([0, 0, { frames: 0, spanUs: 0 }]);
    writeAll(writer, 0, 3);
    expect([ring.nextSeq(), ring.oldestSeq(), ring.held()]).toEqual([
      3,
      0,
      { frames: 3, spanUs: 2 * 33_333 },
    ]);
    writeAll(writer, 3, 10);
    expect([ring.nextSeq(), ring.oldestSeq()]).toEqual([10, 6]);
    expect(ring.held()).toEqual({ frames: 4, spanUs: 3 * 33_333 });
    expect(writer.dropped).toBe(0);
    const reader = new RingReader(ring, 1, 'every');
    expect(reader.attach('oldest')).toBe(6);
    expect([6, 7, 8, 9].map(() => reader.read()!.data)).toEqual([6, 7, 8, 9].map((n) => gray(n).data));
  });

  it("refuses a frame while an 'every' reader has not read the slot it needs, and counts it", () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    const reader = new RingReader(ring, 2, 'every');
    reader.attach('next');
    writeAll(writer, 0, 3);
    // Three unread frames in four slots: a fourth would leave no free slot.
    expect(writer.write(gray(3))).toBe(false);
    expect(writer.write(gray(3))).toBe(false);
    expect([writer.dropped, ring.nextSeq(), ring.oldestSeq()]).toEqual([2, 3, 0]);
    expect(reader.read()!.seq).toBe(0);
    expect(writer.write(gray(3))).toBe(true);
    expect(writer.write(gray(4))).toBe(false);
    expect([1, 2, 3].map(() => reader.read()!.seq)).toEqual([1, 2, 3]);
    reader.detach();
    writeAll(writer, 4, 20);
    expect(writer.dropped).toBe(3);
  });

  it('attaches from next, oldest or the first frame at or after a time', () => {
    const ring = small(6);
    const writer = new RingWriter(ring);
    writeAll(writer, 0, 8); // holds 3..7
    const at = (from: Parameters<RingReader['attach']>[0]) => {
      const r = new RingReader(ring, 3, 'every');
      const seq = r.attach(from);
      expect(r.read()?.seq ?? null).toBe(seq < 8 ? seq : null);
      r.detach();
      return seq;
    };
    expect(at('oldest')).toBe(3);
    expect(at('next')).toBe(8);
    expect(at({ sinceUs: 5 * 33_333 })).toBe(5);
    expect(at({ sinceUs: 5 * 33_333 + 1 })).toBe(6);
    expect(at({ sinceUs: 0 })).toBe(3);
    expect(at({ sinceUs: 1e12 })).toBe(8);
  });

  it("a 'latest' reader returns the newest frame once, counts the ones it skipped, never holds the writer", () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    writeAll(writer, 0, 2);
    const latest = new RingReader(ring, 0, 'latest');
    expect(latest.attach('oldest')).toBe(1);
    expect(latest.read()?.seq).toBe(1);
    expect(latest.read()).toBeNull();
    writeAll(writer, 2, 12);
    const f = latest.read()!;
    expect([f.seq, f.data, latest.skipped, latest.position()]).toEqual([11, gray(11).data, 9, 12]);
    expect(latest.read()).toBeNull();
    expect(writer.dropped).toBe(0);
    const fresh = new RingReader(ring, 1, 'latest');
    expect(fresh.attach('next')).toBe(12);
    expect(fresh.read()).toBeNull();
    expect(() => fresh.peek()).toThrow(/'every' readers/);
  });

  it('peek() is a view into the ring, stable until advance()', () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    const reader = new RingReader(ring, 0, 'every');
    reader.attach('oldest');
    expect(() => reader.advance()).toThrow(/without a frame/);
    writeAll(writer, 0, 2);
    const view = reader.peek()!;
    expect(reader.peek()).toBe(view);
    expect(view.data.buffer).toBe(ring.buffer);
    expect([view.seq, view.data]).toEqual([0, gray(0).data]);
    reader.advance();
    expect(reader.peek()!.seq).toBe(1);
  });

  it('close(): readers drain what is held, then get null; the writer refuses more', async () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    const reader = new RingReader(ring, 0, 'every');
    reader.attach('oldest');
    writeAll(writer, 0, 2);
    expect(ring.isClosed()).toBe(false);
    writer.close();
    expect(ring.isClosed()).toBe(true);
    await reader.wait(60_000); // returns at once: the ring is closed
    expect([reader.read()?.seq, reader.read()?.seq, reader.read()]).toEqual([0, 1, null]);
    expect(() => writer.write(gray(2))).toThrow(/closed/);
  });

  it('refuses frames that do not fit a slot (fits() says so first)', () => {
    const ring = small(3);
    const writer = new RingWriter(ring);
    const big = { width: 8, height: 4, pixformat: PIXFORMAT.GRAYSCALE, size: 0 };
    expect(ring.fits(big)).toBe(true);
    expect(ring.fits({ ...big, height: 5 })).toBe(false);
    expect(ring.fits({ width: 1, height: 1, pixformat: PIXFORMAT.JPEG, size: 33 })).toBe(false);
    expect(() => writer.write({ ...big, height: 5, data: new Uint8Array(40), timeUs: 0 })).toThrow(
      expect.objectContaining({
        name: 'ValueError',
        message: expect.stringMatching(/40 bytes, a ring slot takes 32/),
      }),
    );
    expect(() => writer.write({ ...big, data: new Uint8Array(31), timeUs: 0 })).toThrow(/too small/);
    expect(ring.nextSeq()).toBe(0);
  });

  it('gives each reader id to one reader at a time', () => {
    const ring = small(4);
    const a = new RingReader(ring, 3, 'every');
    a.attach('next');
    expect(ring.readerMode(3)).toBe('every');
    expect(() => new RingReader(ring, 3, 'latest').attach('next')).toThrow(
      /id 3 is already attached \(every\)/,
    );
    a.detach();
    expect(ring.readerMode(3)).toBe('detached');
    new RingReader(ring, 3, 'latest').attach('next');
    ring.releaseReader(3);
    a.attach('next');
    ring.releaseReader(3);
    expect(() => a.peek()).toThrow(/released/);
    expect(() => new RingReader(ring, MAX_READERS, 'every')).toThrow(RangeError);
    expect(() => new RingReader(ring, -1, 'every')).toThrow(RangeError);
  });

  it("a 'latest' read never returns a slot whose stamps disagree (an overwrite in progress)", () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    writeAll(writer, 0, 3);
    const latest = new RingReader(ring, 0, 'latest');
    latest.attach('oldest');
    const begin = ring.stampBase + 4 * (2 % ring.slots);
    Atomics.store(ring.i32, begin, 6); // as if the writer had started writing frame 6 into frame 2's slot
    expect(latest.read()).toBeNull();
    expect(latest.retries).toBeGreaterThan(0);
    Atomics.store(ring.i32, begin, 2);
    expect(latest.read()?.seq).toBe(2);
  });
});

describe('module surface', () => {
  it('frame-ring.ts exports the whole API, as index.ts does', () => {
    expect(frameRingModule.FrameRing).toBe(FrameRing);
    expect(frameRingModule.RingWriter).toBe(RingWriter);
    expect(frameRingModule.RingReader).toBe(RingReader);
    expect(frameRingModule.planRing).toBe(planRing);
    expect(frameRingModule.MAX_READERS).toBe(4);
  });
});

describe('FrameRing.attach', () => {
  it('wraps a buffer made elsewhere and sees the same frames', () => {
    const ring = small(4);
    new RingWriter(ring).write(gray(0));
    const other = FrameRing.attach(ring.buffer);
    expect([other.slots, other.slotSize, other.nextSeq(), other.shared]).toEqual([4, 64, 1, true]);
    const reader = new RingReader(other, 0, 'every');
    reader.attach('oldest');
    expect(reader.read()!.data).toEqual(gray(0).data);
  });

  it('names what is wrong with a buffer that is not a ring', () => {
    const ring = small(4);
    const copy = (edit: (i32: Int32Array) => void, length = ring.buffer.byteLength) => {
      const b = new ArrayBuffer(length);
      new Uint8Array(b).set(new Uint8Array(ring.buffer).subarray(0, length));
      edit(new Int32Array(b, 0, 8));
      return () => FrameRing.attach(b);
    };
    expect(() => FrameRing.attach(new ArrayBuffer(100))).toThrow(
      /100 bytes, shorter than the 320-byte header/,
    );
    expect(copy((h) => (h[I32.MAGIC] = 0x12345678))).toThrow(/magic 0x12345678, expected 0x52564d4f/);
    expect(copy((h) => (h[I32.VERSION] = 9))).toThrow(/layout version 9 is not supported/);
    expect(copy((h) => (h[I32.SLOT_SIZE] = 33))).toThrow(/damaged: 4 slots of 33 bytes/);
    expect(copy((h) => (h[I32.SLOT_AREA] = 512))).toThrow(/slots at 512; expected 320 and 384/);
    expect(copy(() => {}, ring.buffer.byteLength - 1)).toThrow(
      /is 639 bytes; its header says 4 slots of 64 bytes, which need 640/,
    );
  });

  it('checks plans and given buffers in create()', () => {
    expect(() => FrameRing.create({ slots: 1, slotSize: 64 })).toThrow(/1 slots/);
    expect(() => FrameRing.create({ slots: 3, slotSize: 48 })).toThrow(/slot size 48/);
    expect(() => FrameRing.create({ slots: 3, slotSize: 64 }, { buffer: new ArrayBuffer(100) })).toThrow(
      /100 bytes; 3 slots of 64 need 576/,
    );
  });
});

describe('a ring in a plain ArrayBuffer (no cross-origin isolation)', () => {
  it('works the same in one thread, and wait() polls', async () => {
    const ring = small(4, false);
    expect(ring.buffer instanceof SharedArrayBuffer).toBe(false);
    expect(ring.shared).toBe(false);
    const writer = new RingWriter(ring);
    const reader = new RingReader(ring, 0, 'every');
    reader.attach('next');
    await reader.wait(5); // nothing comes: resolves after the timeout
    setTimeout(() => writer.write(gray(0)), 5);
    await reader.wait(60_000);
    expect(reader.read()?.data).toEqual(gray(0).data);
    writeAll(writer, 1, 4);
    expect(writer.write(gray(4))).toBe(false);
    expect(FrameRing.attach(ring.buffer).nextSeq()).toBe(4);
  });

  it('wait() on a shared ring wakes when a frame is written', async () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    const reader = new RingReader(ring, 0, 'latest');
    reader.attach('next');
    const woke = reader.wait(60_000);
    writer.write(gray(0));
    await woke;
    expect(reader.read()?.seq).toBe(0);
  });
});

describe('handing an every-frame reader over to another thread', () => {
  it('holds the writer back through the hand-over: the new owner resumes where the first one stood', () => {
    const ring = small(4);
    const writer = new RingWriter(ring);
    writeAll(writer, 0, 2);
    const page = new RingReader(ring, 1, 'every');
    expect(page.attach('oldest')).toBe(0);
    expect(page.handOver()).toBe(0);
    // Nobody reads, yet the frames from 0 on stay: the ring refuses new frames once full.
    expect(writer.write(gray(2))).toBe(true);
    expect(writer.write(gray(3))).toBe(false);
    const worker = new RingReader(ring, 1, 'every');
    expect(worker.resume()).toBe(0);
    expect([0, 1, 2].map(() => worker.read()?.seq)).toEqual([0, 1, 2]);
    worker.detach();
    expect(ring.readerMode(1)).toBe('detached');
  });

  it('resume() refuses an id that holds no every-frame reader', () => {
    const ring = small(4);
    expect(() => new RingReader(ring, 2, 'every').resume()).toThrow(/no every-frame reader/);
    expect(() => new RingReader(ring, 2, 'latest').resume()).toThrow(/every-frame/);
  });
});
