import { describe, expect, it } from 'vitest';
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
