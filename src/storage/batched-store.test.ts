import { describe, expect, it } from 'vitest';
import { MemoryStore, writeParts, type ByteStore } from '../format/byte-store';
import { FileImageIO } from '../format/file-stream';
import { Image } from '../format/image';
import { PIXFORMAT } from '../format/pixformat';
import { BatchedStore } from './batched-store';
import { isQuotaError } from './errors';
import { LimitedStore } from './test/fake-stores';

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('BatchedStore', () => {
  it('collects appends and writes them in one inner write once a batch is full', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 100 });
    store.write(0, bytes(40, 1));
    store.write(40, bytes(40, 2));
    expect(inner.writes).toEqual([]);
    expect(store.size()).toBe(80);
    expect(inner.size()).toBe(0);
    store.write(80, bytes(30, 3));
    expect(inner.writes).toEqual([{ offset: 0, length: 110 }]);
    expect(store.writtenSize()).toBe(110);
    expect(store.pendingSize()).toBe(0);
    expect(Array.from(inner.bytes().subarray(38, 42))).toEqual([1, 1, 2, 2]);
    expect(inner.bytes()[109]).toBe(3);
  });

  it('writes a large append straight through when nothing is pending', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 100 });
    const big = bytes(250, 7);
    store.write(0, big);
    expect(inner.writes).toEqual([{ offset: 0, length: 250 }]);
    expect(inner.bytes()).toEqual(big);
  });

  it('reads across the inner store and the pending bytes', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 10 });
    store.write(0, Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    store.write(12, Uint8Array.from([12, 13, 14]));
    expect(inner.size()).toBe(12);
    expect(store.size()).toBe(15);
    const out = new Uint8Array(8);
    expect(store.readInto(9, out)).toBe(6);
    expect(Array.from(out.subarray(0, 6))).toEqual([9, 10, 11, 12, 13, 14]);
    expect(store.readInto(13, out.subarray(0, 1))).toBe(1);
    expect(out[0]).toBe(13);
    expect(store.readInto(15, out)).toBe(0);
  });

  it('flush writes a short batch, flushes the inner store and moves committedSize', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 1000 });
    store.write(0, bytes(16, 1));
    expect(store.committedSize()).toBe(0);
    store.flush();
    expect(inner.writes).toEqual([{ offset: 0, length: 16 }]);
    expect(inner.flushedAt).toEqual([16]);
    expect(store.committedSize()).toBe(16);
    store.write(16, bytes(16, 2));
    expect(store.committedSize()).toBe(16);
  });

  it('writes pending bytes out before a write in the middle and before truncate', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 1000 });
    store.write(0, bytes(20, 1));
    store.write(5, bytes(2, 9));
    expect(inner.writes).toEqual([
      { offset: 0, length: 20 },
      { offset: 5, length: 2 },
    ]);
    expect(Array.from(inner.bytes().subarray(4, 8))).toEqual([1, 9, 9, 1]);
    store.write(20, bytes(4, 3));
    store.truncate(22);
    expect(inner.size()).toBe(22);
    expect(store.size()).toBe(22);
    store.write(22, bytes(1, 4));
    store.flush();
    expect(Array.from(inner.bytes().subarray(19))).toEqual([1, 3, 3, 4]);
  });

  it('on a quota error cuts the inner store back to the batch start, drops the batch and rethrows', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 64 });
    store.write(0, bytes(64, 1)); // batch 1: written
    inner.limit = 100; // batch 2 will land 36 bytes of 70, then fail
    store.write(64, bytes(30, 2));
    let error: unknown;
    try {
      store.write(94, bytes(40, 3));
    } catch (e) {
      error = e;
    }
    expect(isQuotaError(error)).toBe(true);
    expect(inner.size()).toBe(64);
    expect(store.size()).toBe(64);
    expect(store.pendingSize()).toBe(0);
    expect(store.committedSize()).toBe(64);
    expect(inner.flushedAt).toEqual([64]);
    // Still usable where there is room.
    store.write(64, bytes(8, 5));
    store.flush();
    expect(inner.size()).toBe(72);
  });

  it('a failing flush leaves the file at the last good batch', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 1 << 20 });
    store.write(0, bytes(100, 1));
    store.flush();
    store.write(100, bytes(50, 2));
    inner.limit = 120;
    expect(() => store.flush()).toThrow(/quota/);
    expect(inner.size()).toBe(100);
    expect(store.committedSize()).toBe(100);
  });

  it('a non-quota failure is handled the same way and keeps its own error', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 10 });
    store.write(0, bytes(10, 1));
    inner.failNext = new Error('disk on fire');
    expect(() => store.write(10, bytes(10, 2))).toThrow('disk on fire');
    expect(store.size()).toBe(10);
  });

  it('close writes what is pending and closes the inner store even when that write fails', () => {
    const ok = new LimitedStore();
    const a = new BatchedStore(ok, { batchBytes: 1000 });
    a.write(0, bytes(10, 1));
    a.close();
    expect(ok.size()).toBe(10);
    expect(ok.closed).toBe(true);

    const full = new LimitedStore();
    full.limit = 5;
    const b = new BatchedStore(full, { batchBytes: 1000 });
    b.write(0, bytes(10, 1));
    expect(() => b.close()).toThrow(/quota/);
    expect(full.closed).toBe(true);
    expect(full.size()).toBe(0);
  });

  it('writeParts copies the parts (the caller may reuse them) and never splits them across batches', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 100 });
    const head = bytes(4, 1);
    store.writeParts(0, [head, bytes(50, 2), bytes(2, 0)]);
    head.fill(9); // reused for the next chunk: what was pending must not change
    store.writeParts(56, [head, bytes(50, 3), bytes(2, 0)]);
    // One inner write of both whole groups, the second of which crossed the batch size.
    expect(inner.writes).toEqual([{ offset: 0, length: 112 }]);
    const b = inner.bytes();
    expect([b[0], b[3], b[4], b[54], b[56], b[60], b[111]]).toEqual([1, 1, 2, 0, 9, 3, 0]);
  });

  it('writeParts of a group larger than a batch goes straight through, and a failure cuts all of it off', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 100 });
    store.writeParts(0, [bytes(32, 1), bytes(200, 2)]);
    expect(inner.writes).toEqual([
      { offset: 0, length: 32 },
      { offset: 32, length: 200 },
    ]);
    expect(store.writtenSize()).toBe(232);
    inner.limit = 300; // the header lands, the payload does not fit
    expect(() => store.writeParts(232, [bytes(32, 3), bytes(200, 4)])).toThrow(/quota/);
    expect(inner.size()).toBe(232);
    expect(store.size()).toBe(232);
    expect(inner.flushedAt).toEqual([232]);
  });

  it('writeParts in the middle writes what is pending first, then overwrites in place', () => {
    const inner = new LimitedStore();
    const store = new BatchedStore(inner, { batchBytes: 1000 });
    store.write(0, bytes(20, 1));
    store.writeParts(4, [bytes(2, 7), bytes(2, 8)]);
    expect(Array.from(inner.bytes().subarray(3, 9))).toEqual([1, 7, 7, 8, 8, 1]);
    expect(store.size()).toBe(20);
  });

  it('a store without writeParts gets the parts as one concatenated write', () => {
    const writes: Uint8Array[] = [];
    const plain = new MemoryStore();
    const store: ByteStore = {
      size: () => plain.size(),
      readInto: (o, into) => plain.readInto(o, into),
      write: (o, d) => {
        writes.push(d.slice());
        plain.write(o, d);
      },
      truncate: (n) => plain.truncate(n),
      flush: () => {},
      close: () => {},
    };
    writeParts(store, 0, [Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)]);
    expect(writes.map((w) => Array.from(w))).toEqual([[1, 2, 3]]);
  });

  it('FileImageIO writes the same bytes through writeParts as through one write per chunk', () => {
    const frames = [
      new Image(8, 4, PIXFORMAT.GRAYSCALE, bytes(32, 5)),
      new Image(3, 3, PIXFORMAT.RGB565, bytes(18, 6)), // 18-byte payload: 14 bytes of padding
      new Image(16, 16, PIXFORMAT.JPEG, bytes(37, 7), 37),
    ];
    const write = (store: ByteStore): void => {
      const io = new FileImageIO(store, 'w');
      for (const f of frames) io.write(f, { elapsedMs: 33 });
      io.close();
    };
    const withParts = new MemoryStore();
    write(new BatchedStore(withParts, { batchBytes: 64 }));
    const oneWrite = new MemoryStore();
    write({
      size: () => oneWrite.size(),
      readInto: (o, into) => oneWrite.readInto(o, into),
      write: (o, d) => oneWrite.write(o, d),
      truncate: (n) => oneWrite.truncate(n),
      flush: () => {},
      close: () => {},
    });
    expect(withParts.bytes()).toEqual(oneWrite.bytes());
    const back = new FileImageIO(new MemoryStore(withParts.bytes()), 'r');
    expect(back.count()).toBe(3);
    expect(back.frameAt(1).data).toEqual(frames[1]!.data);
  });

  it('under FileImageIO: a quota error leaves a file that reads back with every frame before the batch', () => {
    const frame = (i: number): Image => new Image(8, 4, PIXFORMAT.GRAYSCALE, bytes(32, i)); // 64-byte chunk
    for (let limit = 16; limit < 16 + 64 * 10; limit += 7) {
      const inner = new LimitedStore();
      inner.limit = limit;
      const io = new FileImageIO(new BatchedStore(inner, { batchBytes: 150 }), 'w');
      io.sync(); // the magic alone, as the recorder does: the file is a valid stream from the start
      let written = 0;
      try {
        for (let i = 0; i < 10; i++) {
          io.write(frame(i), { elapsedMs: 10 });
          written++;
        }
        io.sync();
      } catch (e) {
        expect(isQuotaError(e)).toBe(true);
      }
      const back = new FileImageIO(new LimitedStore(inner.bytes()), 'r');
      expect(back.damage()).toBeNull();
      expect((inner.size() - 16) % 64).toBe(0);
      expect(back.count()).toBeLessThanOrEqual(written);
      // Batches of 3 chunks (192 bytes >= 150), then the last frame alone at sync.
      const batches: [number, number][] = [
        [16 + 192, 3],
        [16 + 384, 6],
        [16 + 576, 9],
        [16 + 640, 10],
      ];
      expect(back.count()).toBe(Math.max(0, ...batches.filter(([end]) => end <= limit).map(([, n]) => n)));
      for (let i = 0; i < back.count(); i++) expect(back.frameAt(i).data).toEqual(frame(i).data);
    }
  });
});
