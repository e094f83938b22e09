import { describe, expect, it } from 'vitest';
import { FileImageIO } from '../format/file-stream';
import { PIXFORMAT, imageSize } from '../format/pixformat';
import { rng, seededBytes } from '../format/test/helpers';
import { LimitedStore, quotaError } from '../storage/test/fake-stores';
import type { FileDoneInfo, FileProgressInfo, FileStartedInfo } from './recorder.protocol';
import {
  RecordingWriter,
  chunkBytes,
  type RecordingWriterOptions,
  type WriterFrame,
} from './recording-writer';

/** `n` frames of mixed formats and sizes, ~30 fps with jitter, from a seed. */
function frames(n: number, seed = 1, t0 = 5_000_000): WriterFrame[] {
  const next = rng(seed);
  const out: WriterFrame[] = [];
  let t = t0;
  for (let i = 0; i < n; i++) {
    const kind = Math.floor(next() * 3);
    const width = 1 + Math.floor(next() * 12);
    const height = 1 + Math.floor(next() * 9);
    let pixformat: number = PIXFORMAT.GRAYSCALE;
    let size = 0;
    if (kind === 1) pixformat = PIXFORMAT.RGB565;
    if (kind === 2) {
      pixformat = PIXFORMAT.JPEG;
      size = 20 + Math.floor(next() * 300);
    }
    const data = seededBytes(imageSize(width, height, pixformat, size), seed * 1000 + i);
    out.push({ width, height, pixformat, size, data, timeUs: t });
    t += 33_333 + Math.floor((next() - 0.5) * 4000);
  }
  return out;
}

/** A writer over in-memory files, with a hand-moved clock and every event recorded. */
function rig(opts: RecordingWriterOptions = {}) {
  const clock = { now: 0 };
  const files = new Map<string, LimitedStore>();
  const started: FileStartedInfo[] = [];
  const progress: FileProgressInfo[] = [];
  const done: FileDoneInfo[] = [];
  let n = 0;
  const rig = {
    clock,
    files,
    started,
    progress,
    done,
    /** Set before a file opens: how to make it. */
    makeStore: (): LimitedStore => new LimitedStore(),
    writer: null as unknown as RecordingWriter,
  };
  rig.writer = new RecordingWriter(
    {
      openFile: (fileName) => {
        const s = rig.makeStore();
        files.set(fileName, s);
        return s;
      },
      nowMs: () => clock.now,
      nextFile: () => {
        const id = `id${n++}`;
        return { id, fileName: `rec-${id}.bin` };
      },
      fileStarted: (e) => started.push(e),
      progress: (e) => progress.push(e),
      fileDone: (e) => done.push(e),
    },
    opts,
  );
  return rig;
}

/** Every frame of a file, read back by the engine: geometry, size field, payload and elapsed ms. */
function readBack(store: LimitedStore) {
  const io = new FileImageIO(new LimitedStore(store.bytes()), 'r');
  expect(io.damage()).toBeNull();
  return Array.from({ length: io.count() }, (_, i) => {
    const info = io.frameInfo(i);
    const img = io.frameAt(i);
    return {
      width: img.width,
      height: img.height,
      pixformat: img.pixformat,
      size: info.sizeField,
      data: img.data,
      elapsedMs: info.elapsedMs,
    };
  });
}

/** What a frame should read back as (its elapsed aside). */
const stored = (f: WriterFrame) => ({
  width: f.width,
  height: f.height,
  pixformat: f.pixformat,
  size: f.size,
  data: f.data,
});

/** The elapsed values a file of `fs` must hold: deltas of the running total rounded to ms. */
function expectedElapsed(fs: WriterFrame[]): number[] {
  const t0 = fs[0]?.timeUs ?? 0;
  let prev = 0;
  return fs.map((f) => {
    const total = Math.round((f.timeUs - t0) / 1000);
    const e = total - prev;
    prev = total;
    return e;
  });
}

describe('RecordingWriter', () => {
  it('writes every frame as a V2.0 chunk that reads back the same, timed from the first frame', () => {
    const r = rig();
    const input = frames(60);
    for (const f of input) expect(r.writer.add(f)).toBe(true);
    r.writer.finish();
    expect(r.writer.isStopped()).toBe(true);
    const store = r.files.get('rec-id0.bin') as LimitedStore;
    const back = readBack(store);
    expect(back.map(({ elapsedMs: _, ...rest }) => rest)).toEqual(input.map(stored));
    const elapsed = back.map((b) => b.elapsedMs);
    expect(elapsed).toEqual(expectedElapsed(input));
    expect(elapsed[0]).toBe(0);
    for (let i = 1; i < input.length; i++) {
      const trueMs = ((input[i] as WriterFrame).timeUs - (input[i - 1] as WriterFrame).timeUs) / 1000;
      expect(Math.abs((elapsed[i] as number) - trueMs)).toBeLessThan(1);
    }
    const spanMs = Math.round(
      ((input.at(-1) as WriterFrame).timeUs - (input[0] as WriterFrame).timeUs) / 1000,
    );
    expect(r.started).toEqual([
      { id: 'id0', fileName: 'rec-id0.bin', firstFrameUs: input[0]?.timeUs, index: 0 },
    ]);
    expect(r.done).toEqual([
      {
        id: 'id0',
        fileName: 'rec-id0.bin',
        frames: 60,
        bytes: store.size(),
        durationMs: spanMs,
        reason: 'stopped',
      },
    ]);
    expect(new FileImageIO(new LimitedStore(store.bytes()), 'r').durationMs()).toBe(spanMs);
    expect(store.closed).toBe(true);
  });

  it('batches writes: one inner write per batch, not per frame', () => {
    const r = rig({ batchBytes: 4096, flushEveryMs: 1e9 });
    const input = frames(200, 3);
    for (const f of input) r.writer.add(f);
    r.writer.finish();
    const store = r.files.get('rec-id0.bin') as LimitedStore;
    const total = store.size();
    // Magic alone, then batches of >= 4096 bytes, then the rest at close.
    expect(store.writes[0]).toEqual({ offset: 0, length: 16 });
    for (const w of store.writes.slice(1, -1)) expect(w.length).toBeGreaterThanOrEqual(4096);
    expect(store.writes.length).toBeLessThanOrEqual(2 + Math.ceil(total / 4096));
  });

  it('an empty recording still leaves its first file as a valid empty stream', () => {
    const r = rig();
    r.writer.finish();
    const store = r.files.get('rec-id0.bin') as LimitedStore;
    expect(store.size()).toBe(16);
    expect(readBack(store)).toEqual([]);
    expect(r.started).toEqual([{ id: 'id0', fileName: 'rec-id0.bin', firstFrameUs: null, index: 0 }]);
    expect(r.done).toEqual([
      { id: 'id0', fileName: 'rec-id0.bin', frames: 0, bytes: 16, durationMs: 0, reason: 'stopped' },
    ]);
    expect(r.writer.add(frames(1)[0] as WriterFrame)).toBe(false);
  });

  describe('split', () => {
    /** Splits `input` into parts as the writer must; checks the files against that. */
    function checkParts(r: ReturnType<typeof rig>, input: WriterFrame[], parts: WriterFrame[][]): void {
      expect(r.started.map((s) => [s.index, s.firstFrameUs])).toEqual(parts.map((p, i) => [i, p[0]?.timeUs]));
      expect(r.done.map((d) => d.reason)).toEqual(
        parts.map((_, i) => (i < parts.length - 1 ? 'split' : 'stopped')),
      );
      const all: WriterFrame[] = [];
      r.started.forEach((s, i) => {
        const part = parts[i] as WriterFrame[];
        const back = readBack(r.files.get(s.fileName) as LimitedStore);
        expect(back.map(({ elapsedMs: _, ...rest }) => rest)).toEqual(part.map(stored));
        expect(back.map((b) => b.elapsedMs)).toEqual(expectedElapsed(part));
        expect(r.done[i]).toMatchObject({ id: s.id, frames: part.length });
        all.push(...part);
      });
      expect(all).toEqual(input);
    }

    it('by size: a file never passes maxBytes, and each split was needed', () => {
      for (const maxBytes of [300, 700, 1500, 5000]) {
        const r = rig({ split: { maxBytes }, batchBytes: 512 });
        const input = frames(80, maxBytes);
        for (const f of input) expect(r.writer.add(f)).toBe(true);
        r.writer.finish();
        // The expected parts, from the chunk sizes alone.
        const parts: WriterFrame[][] = [];
        let size = Infinity;
        for (const f of input) {
          const c = chunkBytes(f);
          if (size + c > maxBytes) {
            parts.push([]);
            size = 16;
          }
          (parts.at(-1) as WriterFrame[]).push(f);
          size += c;
        }
        // Every file but a lone oversized frame stays within the limit.
        for (const s of r.started) {
          const file = r.files.get(s.fileName) as LimitedStore;
          if (readBack(file).length > 1) expect(file.size()).toBeLessThanOrEqual(maxBytes);
        }
        checkParts(r, input, parts);
      }
    });

    it('by size: a frame larger than maxBytes gets a file of its own', () => {
      const r = rig({ split: { maxBytes: 100 } });
      const big: WriterFrame = {
        width: 20,
        height: 20,
        pixformat: PIXFORMAT.GRAYSCALE,
        size: 0,
        data: new Uint8Array(400),
        timeUs: 0,
      };
      const input = [0, 1, 2].map((i) => ({ ...big, timeUs: i * 1000 }));
      for (const f of input) r.writer.add(f);
      r.writer.finish();
      checkParts(
        r,
        input,
        input.map((f) => [f]),
      );
    });

    it('by duration: a frame maxMs or more after the file’s first frame starts the next file', () => {
      for (const maxMs of [50, 100, 333.333, 1000]) {
        const r = rig({ split: { maxMs } });
        const input = frames(90, 7);
        for (const f of input) r.writer.add(f);
        r.writer.finish();
        const parts: WriterFrame[][] = [];
        let first = -Infinity;
        for (const f of input) {
          if (f.timeUs - first >= maxMs * 1000) {
            parts.push([]);
            first = f.timeUs;
          }
          (parts.at(-1) as WriterFrame[]).push(f);
        }
        expect(parts.length).toBeGreaterThan(1);
        checkParts(r, input, parts);
      }
    });

    it('by duration: exactly maxMs after the first frame splits, a microsecond less does not', () => {
      const r = rig({ split: { maxMs: 100 } });
      const at = [0, 50_000, 99_999, 100_000, 150_000, 199_999, 200_000].map((t) => ({
        ...(frames(1)[0] as WriterFrame),
        timeUs: 1_000_000 + t,
      }));
      for (const f of at) r.writer.add(f);
      r.writer.finish();
      checkParts(r, at, [at.slice(0, 3), at.slice(3, 6), at.slice(6)]);
    });

    it('both limits: whichever comes first', () => {
      const r = rig({ split: { maxBytes: 2000, maxMs: 400 } });
      const input = frames(100, 11);
      for (const f of input) r.writer.add(f);
      r.writer.finish();
      const parts: WriterFrame[][] = [];
      let size = Infinity;
      let first = -Infinity;
      for (const f of input) {
        const c = chunkBytes(f);
        if (size + c > 2000 || f.timeUs - first >= 400_000) {
          parts.push([]);
          size = 16;
          first = f.timeUs;
        }
        (parts.at(-1) as WriterFrame[]).push(f);
        size += c;
      }
      checkParts(r, input, parts);
    });

    it('rejects limits that are not positive', () => {
      expect(() => rig({ split: { maxBytes: 0 } })).toThrow(RangeError);
      expect(() => rig({ split: { maxMs: -1 } })).toThrow(RangeError);
    });
  });

  describe('storage failures', () => {
    it('a quota error at any byte leaves a clean file holding every frame before the failing batch', () => {
      const input = frames(40, 5);
      let total = 16;
      const ends = input.map((f) => (total += chunkBytes(f)));
      for (let limit = 16; limit <= total + 16; limit += 37) {
        const r = rig({ batchBytes: 600, flushEveryMs: 1e9 });
        r.makeStore = () => Object.assign(new LimitedStore(), { limit });
        let accepted = 0;
        for (const f of input) {
          if (!r.writer.add(f)) break;
          accepted++;
        }
        r.writer.finish();
        const store = r.files.get('rec-id0.bin') as LimitedStore;
        const back = readBack(store);
        const last = r.done.at(-1) as FileDoneInfo;
        expect(r.done).toHaveLength(1);
        expect(back.length).toBe(last.frames);
        expect(last.bytes).toBe(store.size());
        expect(back.map(({ elapsedMs: _, ...rest }) => rest)).toEqual(
          input.slice(0, back.length).map(stored),
        );
        if (total <= limit) {
          expect(last.reason).toBe('stopped');
          expect(back.length).toBe(input.length);
          continue;
        }
        expect(last.reason).toBe('quota');
        expect(last.message).toContain(`${back.length} frame`);
        expect(last.message).toMatch(/^Not enough storage space/);
        expect(r.writer.isStopped()).toBe(true);
        expect(r.writer.framesWritten()).toBe(back.length);
        // The file ends exactly after a frame, and nothing that fitted with its whole batch was lost.
        expect(store.size() === 16 || ends.includes(store.size())).toBe(true);
        expect(store.size()).toBeLessThanOrEqual(limit);
        expect(limit - store.size()).toBeLessThan(600 + Math.max(...input.map(chunkBytes)));
        expect(accepted).toBeGreaterThanOrEqual(back.length);
        expect(store.closed).toBe(true);
      }
    });

    it('a quota error while the periodic flush writes keeps every earlier frame', () => {
      const r = rig({ batchBytes: 1 << 20, flushEveryMs: 1000 });
      const input = frames(30, 9);
      let sizeAfter10 = 0;
      input.forEach((f, i) => {
        r.clock.now = i * 100;
        r.writer.add(f);
        if (i === 10) sizeAfter10 = (r.files.get('rec-id0.bin') as LimitedStore).size(); // flushed at 1000 ms
      });
      expect(r.done).toEqual([]);
      (r.files.get('rec-id0.bin') as LimitedStore).limit = sizeAfter10 + 10;
      r.clock.now = 3000;
      r.writer.tick();
      expect(r.done).toMatchObject([{ reason: 'quota', frames: 21 }]);
      expect(readBack(r.files.get('rec-id0.bin') as LimitedStore)).toHaveLength(21);
      expect((r.done[0] as FileDoneInfo).message).toContain('the last 9 frames could not be saved');
    });

    it('a quota error opening the next part ends the recording at the current part', () => {
      const r = rig({ split: { maxBytes: 1000 } });
      const input = frames(40, 2);
      let opened = 0;
      r.makeStore = () => {
        if (++opened === 3) throw quotaError();
        return new LimitedStore();
      };
      for (const f of input) if (!r.writer.add(f)) break;
      r.writer.finish();
      expect(r.started.map((s) => s.index)).toEqual([0, 1]);
      expect(r.done.map((d) => d.reason)).toEqual(['split', 'quota']);
      expect((r.done[1] as FileDoneInfo).message).toMatch(
        /^Part 3 could not start\. Not enough storage space/,
      );
      const kept = r.started.flatMap((s) => readBack(r.files.get(s.fileName) as LimitedStore));
      expect(kept.map(({ elapsedMs: _, ...rest }) => rest)).toEqual(input.slice(0, kept.length).map(stored));
      expect(r.done.reduce((n, d) => n + d.frames, 0)).toBe(kept.length);
    });

    it('a quota error creating the first file is reported on that file', () => {
      const r = rig();
      r.makeStore = () => {
        throw quotaError();
      };
      expect(r.writer.add(frames(1)[0] as WriterFrame)).toBe(false);
      expect(r.started).toEqual([]);
      expect(r.done).toMatchObject([{ id: 'id0', fileName: 'rec-id0.bin', frames: 0, reason: 'quota' }]);
    });

    it('any other write error stops with reason error and keeps what was written', () => {
      const r = rig({ batchBytes: 256, flushEveryMs: 1e9 });
      const input = frames(20, 4);
      input.slice(0, 10).forEach((f) => r.writer.add(f));
      const store = r.files.get('rec-id0.bin') as LimitedStore;
      store.failNext = new Error('I/O error');
      for (const f of input.slice(10)) if (!r.writer.add(f)) break;
      expect(r.done).toHaveLength(1);
      const d = r.done[0] as FileDoneInfo;
      expect(d.reason).toBe('error');
      expect(d.message).toContain('Writing the recording failed: I/O error');
      const back = readBack(store);
      expect(back.length).toBe(d.frames);
      expect(back.map(({ elapsedMs: _, ...rest }) => rest)).toEqual(input.slice(0, back.length).map(stored));
    });

    it('a malformed frame stops with reason error and every frame before it saved', () => {
      const r = rig();
      const input = frames(5, 8);
      input.forEach((f) => r.writer.add(f));
      expect(r.writer.add({ ...(input[0] as WriterFrame), pixformat: 0x12345678 })).toBe(false);
      expect(r.done).toMatchObject([{ reason: 'error', frames: 5 }]);
      expect((r.done[0] as FileDoneInfo).message).toContain('the last 1 frame could not be saved');
      expect(readBack(r.files.get('rec-id0.bin') as LimitedStore)).toHaveLength(5);
    });
  });

  it('flushes on the clock: when adding and from tick(), only when frames wait', () => {
    const r = rig({ batchBytes: 1 << 20, flushEveryMs: 1000 });
    const input = frames(10, 6);
    const store = (): LimitedStore => r.files.get('rec-id0.bin') as LimitedStore;
    const add = (at: number, i: number): void => {
      r.clock.now = at;
      r.writer.add(input[i] as WriterFrame);
    };
    add(0, 0);
    expect(store().flushedAt).toEqual([16]); // the magic, at open
    add(300, 1);
    add(999, 2);
    r.writer.tick();
    expect(store().flushes).toBe(1);
    add(1000, 3);
    expect(store().flushes).toBe(2);
    expect(r.progress).toEqual([
      { id: 'id0', frames: 4, bytes: store().size(), durationMs: expect.any(Number) },
    ]);
    r.clock.now = 5000;
    r.writer.tick(); // nothing new: no flush
    expect(store().flushes).toBe(2);
    add(5100, 4); // 4100 ms since the last flush: flushed at once
    expect(store().flushes).toBe(3);
    add(5200, 5);
    r.clock.now = 6099;
    r.writer.tick();
    expect(store().flushes).toBe(3);
    r.clock.now = 6100;
    r.writer.tick(); // a stalled camera still gets its last frame durable
    expect(store().flushes).toBe(4);
    expect(r.progress.map((p) => p.frames)).toEqual([4, 5, 6]);
    expect(r.progress.at(-1)?.bytes).toBe(store().size());
  });
});
