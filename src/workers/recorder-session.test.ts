import { describe, expect, it } from 'vitest';
import { FileImageIO } from '../format/file-stream';
import { PIXFORMAT } from '../format/pixformat';
import { seededBytes } from '../format/test/helpers';
import { FrameRing, RingReader, RingWriter, type RingFrameIn } from '../ring';
import { posWord } from '../ring/layout';
import { LimitedStore } from '../storage/test/fake-stores';
import { RecorderWorkerSession, type SessionDeps, type StartCommand } from './recorder-session';
import type { FileDoneInfo, RecorderEvent } from './recorder.protocol';

const READER = 1;

/** Frame `i`: 8×4 GRAYSCALE (a 64-byte chunk), seeded payload, 30 ms apart. */
const frame = (i: number): RingFrameIn => ({
  width: 8,
  height: 4,
  pixformat: PIXFORMAT.GRAYSCALE,
  size: 0,
  data: seededBytes(32, 100 + i),
  timeUs: 1_000_000 + i * 30_000,
});

/** Lets the session's loop (and the ring's poll) run. */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** A ring, in-memory files, a hand clock and every event the session posts. */
function rig(opts: { slots?: number; limit?: number; failOpen?: (name: string) => Error | null } = {}) {
  const ring = FrameRing.create({ slots: opts.slots ?? 6, slotSize: 64 }, { shared: true });
  const writer = new RingWriter(ring);
  const files = new Map<string, LimitedStore>();
  const removed: string[] = [];
  const events: RecorderEvent[] = [];
  const clock = { now: 0 };
  const timer: { fn: (() => void) | null } = { fn: null };
  let n = 0;
  const deps: SessionDeps = {
    openFile: async (fileName) => {
      await turn();
      const e = opts.failOpen?.(fileName);
      if (e) throw e;
      const s = new LimitedStore();
      if (opts.limit !== undefined) s.limit = opts.limit;
      files.set(fileName, s);
      return s;
    },
    removeFile: async (fileName) => {
      removed.push(fileName);
      files.delete(fileName);
    },
    newFile: () => {
      n++;
      return { id: `part${n}`, fileName: `rec-part${n}.bin` };
    },
    nowMs: () => clock.now,
    post: (e) => events.push(e),
    every: (_ms, fn) => {
      timer.fn = fn;
      return () => (timer.fn = null);
    },
    yieldTask: turn,
    writer: { batchBytes: 100, flushEveryMs: 1000 },
  };
  const start = (
    over: Partial<StartCommand> = {},
  ): { session: RecorderWorkerSession; done: Promise<void> } => {
    const cmd: StartCommand = {
      type: 'start',
      session: 7,
      file: { id: 'first', fileName: 'rec-first.bin' },
      source: { kind: 'ring', buffer: ring.buffer as SharedArrayBuffer, readerId: READER, from: 'oldest' },
      ...over,
    };
    const session = new RecorderWorkerSession(cmd, deps);
    return { session, done: session.run() };
  };
  /** start(), then wait for `started` (the reader is attached from then on, holding the ring writer back). */
  const started = async (over: Partial<StartCommand> = {}) => {
    const s = start(over);
    await until(() => events.some((e) => e.type === 'started' || e.type === 'stopped'));
    return s;
  };
  /** Writes frame i, waiting while the session's reader holds the ring writer back. */
  const produce = async (i: number): Promise<void> => {
    while (!writer.write(frame(i))) await turn();
  };
  const until = async (what: () => boolean): Promise<void> => {
    while (!what()) await turn();
  };
  const types = (): string[] => events.map((e) => e.type);
  const done = (): (FileDoneInfo & { type: 'fileDone' })[] =>
    events.filter((e): e is FileDoneInfo & { type: 'fileDone'; session: number } => e.type === 'fileDone');
  /** The frames a file holds, as the indices of `frame(i)`. */
  const framesIn = (fileName: string): number[] => {
    const io = new FileImageIO(new LimitedStore((files.get(fileName) as LimitedStore).bytes()), 'r');
    expect(io.damage()).toBeNull();
    return Array.from({ length: io.count() }, (_, k) => findFrame(io.frameAt(k).data));
  };
  return {
    ring,
    writer,
    files,
    removed,
    events,
    clock,
    timer,
    start,
    started,
    produce,
    until,
    types,
    done,
    framesIn,
  };
}

/** Which frame(i) has this payload (i < 100). */
function findFrame(data: Uint8Array): number {
  for (let i = 0; i < 100; i++) if (frame(i).data.every((b, k) => b === data[k])) return i;
  return -1;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k);

describe('RecorderWorkerSession', () => {
  it('ring: records the held frames and the new ones, up to (not including) untilSeq', async () => {
    const r = rig();
    for (let i = 0; i < 4; i++) await r.produce(i); // the pre-trigger buffer
    const { session, done } = await r.started();
    for (let i = 4; i < 15; i++) await r.produce(i);
    const untilSeq = r.ring.nextSeq();
    session.stop(untilSeq);
    for (let i = 15; i < 18; i++) await r.produce(i);
    await done;
    expect(untilSeq).toBe(15);
    expect(r.types()).toEqual(['started', 'fileStarted', 'fileDone', 'stopped']);
    expect(r.events[0]).toEqual({ type: 'started', session: 7, startSeq: 0 });
    expect(r.events[1]).toEqual({
      type: 'fileStarted',
      session: 7,
      id: 'first',
      fileName: 'rec-first.bin',
      firstFrameUs: frame(0).timeUs,
      index: 0,
    });
    expect(r.done()).toMatchObject([{ id: 'first', frames: 15, reason: 'stopped', durationMs: 14 * 30 }]);
    expect(r.framesIn('rec-first.bin')).toEqual(range(0, 15));
    expect(r.ring.readerMode(READER)).toBe('detached');
    expect(r.files.get('rec-first.bin')?.closed).toBe(true);
  });

  it('ring: a stop without untilSeq ends after the frame being written', async () => {
    const r = rig();
    const { session, done } = await r.started({
      source: { kind: 'ring', buffer: r.ring.buffer as SharedArrayBuffer, readerId: READER, from: 'next' },
    });
    for (let i = 0; i < 3; i++) await r.produce(i);
    await r.until(() => r.ring.readerMode(READER) === 'every' && behind(r.ring) === 0);
    session.stop();
    await done;
    expect(r.framesIn('rec-first.bin')).toEqual([0, 1, 2]);
    expect(r.types().at(-1)).toBe('stopped');
  });

  it('ring: {sinceUs} starts at the first held frame at or after that time', async () => {
    const r = rig();
    for (let i = 0; i < 5; i++) await r.produce(i);
    const { session, done } = r.start({
      source: {
        kind: 'ring',
        buffer: r.ring.buffer as SharedArrayBuffer,
        readerId: READER,
        from: { sinceUs: frame(2).timeUs - 1 },
      },
    });
    await r.until(() => r.types().includes('started'));
    session.stop(5);
    await done;
    expect(r.events[0]).toMatchObject({ type: 'started', startSeq: 2 });
    expect(r.framesIn('rec-first.bin')).toEqual([2, 3, 4]);
  });

  it('stop-after: ends by itself at the first frame past the window; a later stop-after extends it', async () => {
    const r = rig();
    const { session, done } = await r.started({ stopAfterUs: frame(4).timeUs });
    for (let i = 0; i < 5; i++) await r.produce(i);
    session.stopAfter(frame(7).timeUs);
    for (let i = 5; i < 12; i++) await r.produce(i);
    await done;
    expect(r.framesIn('rec-first.bin')).toEqual(range(0, 8));
    expect(r.done()).toMatchObject([{ frames: 8, reason: 'stopped' }]);
    expect(r.ring.readerMode(READER)).toBe('detached');
  });

  it('ring closed: finishes as a stop, after every frame written before the close', async () => {
    const r = rig();
    const { done } = await r.started();
    for (let i = 0; i < 9; i++) await r.produce(i);
    r.writer.close();
    await done;
    expect(r.framesIn('rec-first.bin')).toEqual(range(0, 9));
    expect(r.types()).toEqual(['started', 'fileStarted', 'fileDone', 'stopped']);
  });

  it('split: parts opened ahead, each announced before its frames, every frame once, the unused spare removed', async () => {
    const r = rig();
    const { session, done } = await r.started({ split: { maxBytes: 16 + 64 * 3 } });
    for (let i = 0; i < 10; i++) await r.produce(i);
    session.stop(10);
    await done;
    const started = r.events.filter((e) => e.type === 'fileStarted');
    expect(started.map((e) => [e.id, e.index, e.firstFrameUs])).toEqual([
      ['first', 0, frame(0).timeUs],
      ['part1', 1, frame(3).timeUs],
      ['part2', 2, frame(6).timeUs],
      ['part3', 3, frame(9).timeUs],
    ]);
    expect(r.done().map((d) => [d.id, d.frames, d.reason])).toEqual([
      ['first', 3, 'split'],
      ['part1', 3, 'split'],
      ['part2', 3, 'split'],
      ['part3', 1, 'stopped'],
    ]);
    // Each fileStarted comes before anything else about its file.
    for (const s of started) {
      const firstMention = r.events.findIndex((e) => 'id' in e && e.id === s.id);
      expect(r.events[firstMention]).toBe(s);
    }
    const all = ['rec-first.bin', 'rec-part1.bin', 'rec-part2.bin', 'rec-part3.bin'].flatMap(r.framesIn);
    expect(all).toEqual(range(0, 10));
    expect(r.removed).toEqual(['rec-part4.bin']);
    for (const s of r.files.values()) expect(s.closed).toBe(true);
  });

  it('split by duration through the session', async () => {
    const r = rig();
    const { session, done } = await r.started({ split: { maxMs: 100 } });
    for (let i = 0; i < 8; i++) await r.produce(i);
    session.stop(8);
    await done;
    // 30 ms apart: frames 0-3 span 90 ms, frame 4 is 120 ms after frame 0.
    expect(r.done().map((d) => d.frames)).toEqual([4, 4]);
    expect([...r.framesIn('rec-first.bin'), ...r.framesIn('rec-part1.bin')]).toEqual(range(0, 8));
  });

  it('quota: the session ends by itself, the file clean up to its last durable frame, the reader detached', async () => {
    const r = rig({ limit: 16 + 64 * 5 + 10 });
    const { done } = await r.started();
    let i = 0;
    // Keep the camera going: the ring must not be held back once the session has ended.
    while (!r.types().includes('stopped')) {
      r.writer.write(frame(i++ % 100));
      await turn();
    }
    await done;
    const d = r.done();
    expect(d).toHaveLength(1);
    expect(d[0]?.reason).toBe('quota');
    expect(d[0]?.message).toMatch(/^Not enough storage space/);
    const kept = r.framesIn('rec-first.bin');
    expect(kept).toEqual(range(0, kept.length));
    expect(kept.length).toBe(d[0]?.frames);
    expect(kept.length).toBeLessThanOrEqual(5);
    expect(r.ring.readerMode(READER)).toBe('detached');
    expect(r.types().at(-1)).toBe('stopped');
  });

  it('a split part that cannot be created ends the recording at the current part (quota)', async () => {
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const r = rig({ failOpen: (name) => (name === 'rec-part2.bin' ? quota : null) });
    const { done } = await r.started({ split: { maxBytes: 16 + 64 * 2 } });
    let i = 0;
    while (!r.types().includes('stopped')) {
      r.writer.write(frame(i++ % 100));
      await turn();
    }
    await done;
    expect(r.done().map((d) => [d.id, d.frames, d.reason])).toEqual([
      ['first', 2, 'split'],
      ['part1', 2, 'quota'],
    ]);
    expect(r.done()[1]?.message).toMatch(/^Part 3 could not start\. Not enough storage space/);
    expect([...r.framesIn('rec-first.bin'), ...r.framesIn('rec-part1.bin')]).toEqual(range(0, 4));
    expect(r.removed).toEqual(['rec-part2.bin']);
  });

  it('flush cadence runs from the timer while the camera is stalled', async () => {
    const r = rig();
    const { session, done } = await r.started();
    await r.produce(0);
    await r.produce(1);
    await r.until(() => behind(r.ring) === 0);
    expect(r.types()).toEqual(['started', 'fileStarted']);
    r.clock.now = 999;
    r.timer.fn?.();
    expect(r.types()).toEqual(['started', 'fileStarted']);
    r.clock.now = 1000;
    r.timer.fn?.();
    expect(r.events.at(-1)).toMatchObject({
      type: 'progress',
      id: 'first',
      frames: 2,
      bytes: 16 + 128,
      durationMs: 30,
    });
    session.stop();
    await done;
    expect(r.timer.fn).toBeNull();
  });

  it('messages: frames posted while the file opens are kept; stop ends before untilSeq', async () => {
    const r = rig();
    const { session, done } = r.start({ source: { kind: 'messages' } });
    for (let i = 0; i < 6; i++) {
      const f = frame(i);
      session.frame({ ...f, seq: 50 + i, data: f.data.slice().buffer });
    }
    session.stop(54);
    session.frame({ ...frame(9), seq: 59, data: frame(9).data.slice().buffer });
    await done;
    expect(r.events[0]).toEqual({ type: 'started', session: 7, startSeq: null });
    expect(r.framesIn('rec-first.bin')).toEqual([0, 1, 2, 3]);
    expect(r.types()).toEqual(['started', 'fileStarted', 'fileDone', 'stopped']);
  });

  it('messages: stop-after ends the session by itself', async () => {
    const r = rig();
    const { session, done } = r.start({ source: { kind: 'messages' }, stopAfterUs: frame(2).timeUs });
    for (let i = 0; i < 5; i++) session.frame({ ...frame(i), seq: i, data: frame(i).data.slice().buffer });
    await done;
    expect(r.framesIn('rec-first.bin')).toEqual([0, 1, 2]);
  });

  it('a first file that cannot be opened: a fatal error, then stopped', async () => {
    const r = rig({ failOpen: () => new DOMException('No space', 'QuotaExceededError') });
    const { done } = r.start();
    await done;
    expect(r.events).toEqual([
      { type: 'error', session: 7, name: 'QuotaExceededError', message: 'No space', fatal: true },
      { type: 'stopped', session: 7 },
    ]);
  });

  it('a reader id already in use: part 0 closed as an empty stream, a fatal error, then stopped', async () => {
    const r = rig();
    new RingReader(r.ring, READER, 'every').attach('next');
    const { done } = r.start();
    await done;
    expect(r.types()).toEqual(['fileStarted', 'fileDone', 'error', 'stopped']);
    expect(r.events[2]).toMatchObject({
      type: 'error',
      fatal: true,
      message: expect.stringContaining('already attached'),
    });
    expect(r.done()).toMatchObject([{ id: 'first', frames: 0, bytes: 16, reason: 'stopped' }]);
    expect(r.framesIn('rec-first.bin')).toEqual([]);
  });
});

/** How far the session's reader is behind the ring's writer (its published position, layout.ts). */
const behind = (ring: FrameRing): number => ring.nextSeq() - Number(Atomics.load(ring.i64, posWord(READER)));
