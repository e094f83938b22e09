import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PIXFORMAT } from '../format/pixformat';
import { FrameRing, planRing, ringByteLength } from './index';
import { HEADER_BYTES, LINE, META_BYTES, modeWord } from './layout';
import type { Job, RoleResult } from './test/roles';

const FIXTURE = new URL('./test/ring-thread.fixture.mjs', import.meta.url);
const CANARY = 0xc3;

/** Starts one role on a real thread; `ready` resolves once a reader has attached. */
function start(job: Job): { ready: Promise<void>; done: Promise<RoleResult> } {
  const worker = new Worker(FIXTURE, { workerData: job });
  let onReady = (): void => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<RoleResult>((resolve, reject) => {
    worker.on('message', (m: { ready?: true; result?: RoleResult; error?: string }) => {
      if (m.ready) onReady();
      if (m.error) reject(new Error(`${job.role} thread: ${m.error}`));
      if (m.result) resolve(m.result);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`${job.role} thread exited (${code}) without a result`)));
  }).finally(() => void worker.terminate());
  done.catch(() => onReady());
  return { ready, done };
}

/**
 * Byte ranges the ring must never write: reserved header words, the gap before the slot area,
 * bytes 28..31 of every slot (B §3.2: untouched), the slot tails no test frame reaches, and bytes
 * after the ring in the bigger buffer it was created in.
 */
function canaryRanges(ring: FrameRing, tail: number, total: number): [number, number][] {
  const ranges: [number, number][] = [[52, LINE]];
  for (let i = 1; i * LINE < HEADER_BYTES; i++) ranges.push([i * LINE + 16, (i + 1) * LINE]);
  ranges.push([HEADER_BYTES + META_BYTES * ring.slots, ring.slotOffset(0)]);
  for (let k = 0; k < ring.slots; k++) {
    const at = ring.slotOffset(k);
    ranges.push([at + 28, at + 32], [at + ring.slotSize - tail, at + ring.slotSize]);
  }
  ranges.push([ring.slotOffset(ring.slots), total]);
  return ranges;
}

function damagedCanaries(bytes: Uint8Array, ranges: [number, number][]): string[] {
  const bad: string[] = [];
  for (const [from, to] of ranges) {
    for (let i = from; i < to; i++) if (bytes[i] !== CANARY) bad.push(`byte ${i} (range ${from}..${to})`);
  }
  return bad.slice(0, 10);
}

/** Runs a writer and the given readers on their own threads over one ring; checks canaries after. */
async function run(opts: {
  seed: number;
  frames: number;
  plan: { slots: number; slotSize: number };
  readers: (Pick<Job, 'role'> & Partial<Job>)[];
  pauseMs?: number;
}): Promise<RoleResult[]> {
  const TAIL = 64;
  const ringBytes = ringByteLength(opts.plan);
  const buffer = new SharedArrayBuffer(ringBytes + 256);
  const bytes = new Uint8Array(buffer);
  bytes.fill(CANARY);
  const ring = FrameRing.create(opts.plan, { buffer });
  // create() zeroes the header and metadata; everything reserved in there becomes a canary again.
  const ranges = canaryRanges(ring, TAIL, buffer.byteLength);
  for (const [from, to] of ranges) bytes.fill(CANARY, from, to);

  const base = { buffer, seed: opts.seed, frames: opts.frames, poolBytes: 1 << 20 };
  const maxPayload = ring.payloadCapacity - TAIL;
  const readers = opts.readers.map((r, id) => start({ ...base, maxPayload, id, ...r }));
  await Promise.all(readers.map((r) => r.ready));
  const writer = start({ ...base, maxPayload, role: 'writer', pauseMs: opts.pauseMs });
  const results = await Promise.all([writer.done, ...readers.map((r) => r.done)]);
  expect(damagedCanaries(bytes, ranges)).toEqual([]);
  for (let id = 0; id < opts.readers.length; id++) expect(ring.readerMode(id)).toBe('detached');
  return results;
}

// Real threads, no time limits on the work itself: the timeout only guards against a hang.
describe('frame ring across worker threads', { timeout: 120_000 }, () => {
  it("an 'every' reader gets all 3,000 frames intact and in order while the writer waits for it; a 'latest' reader never sees a torn frame", async () => {
    const plan = planRing(
      { width: 80, height: 60, pixformat: PIXFORMAT.RGB565 },
      { seconds: 0.1, fps: 30, maxBytes: 1 << 20 },
    );
    expect(plan).toEqual({ slots: 5, slotSize: 9632 });
    const [writer, every, latest] = await run({
      seed: 0x5eed,
      frames: 3000,
      plan,
      readers: [{ role: 'every' }, { role: 'latest' }],
    });
    expect(writer?.errors).toEqual([]);
    expect(writer?.frames).toBe(3000);
    expect(writer?.dropped).toBe(writer?.refused);
    expect(every?.errors).toEqual([]);
    expect(every?.frames).toBe(3000);
    expect(latest?.errors).toEqual([]);
    expect(latest?.frames).toBeGreaterThan(0);
    expect(latest!.frames + latest!.skipped).toBeLessThanOrEqual(3000);
  });

  it("a 'latest' reader never returns a torn frame while the writer overwrites a 3-slot ring flat out", async () => {
    const plan = { slots: 3, slotSize: 32 + 640 * 480 * 2 };
    const [writer, latest, latest2] = await run({
      seed: 0xbeef,
      frames: 2000,
      plan,
      readers: [{ role: 'latest' }, { role: 'latest' }],
    });
    expect(writer?.frames).toBe(2000);
    expect(writer?.refused).toBe(0);
    for (const r of [latest, latest2]) {
      expect(r?.errors).toEqual([]);
      expect(r?.frames).toBeGreaterThan(0);
    }
  });

  it("'every' readers attaching mid-stream, while the writer overwrites the oldest frames, get every frame from their start on", async () => {
    const plan = { slots: 4, slotSize: 32 + 32 * 1024 };
    // Frame 790's time: gone from the ring by the time the reader attaches, so it starts at the oldest held.
    const sinceUs = 1e12 + 790 * 30_000;
    const [writer, oldest, since] = await run({
      seed: 0xa77ac4,
      frames: 3000,
      plan,
      readers: [
        { role: 'every', attachAt: 800 },
        { role: 'every', attachAt: 800, from: { sinceUs } },
      ],
    });
    expect(writer?.frames).toBe(3000);
    for (const r of [oldest, since]) {
      expect(r?.errors).toEqual([]);
      expect(r!.frames).toBe(3000 - r!.start);
    }
    // At attach the writer is past 800 and holds at most slots - 1 frames (the reader may start one
    // below OLDEST when it races the writer's eviction: that frame is still intact).
    expect(oldest!.start).toBeGreaterThanOrEqual(800 - plan.slots);
    expect(since!.start).toBeGreaterThanOrEqual(800 - plan.slots);
  });

  it('readers asleep in wait() wake for every frame: no lost wake-up (each wait could sleep 10 minutes)', async () => {
    // Two slots hold one frame: the writer cannot write frame k + 1 before the 'every' reader took
    // frame k, so frame k's wake-up is the only one that can wake it. Losing one hangs the test.
    const plan = { slots: 2, slotSize: 32 + 4096 };
    const asleep = { waitMs: 600_000 };
    const [writer, every, latest] = await run({
      seed: 7,
      frames: 400,
      plan,
      readers: [
        { role: 'every', ...asleep },
        { role: 'latest', ...asleep },
      ],
      pauseMs: 0.25,
    });
    expect(writer?.frames).toBe(400);
    expect([every?.errors, every?.frames, latest?.errors]).toEqual([[], 400, []]);
  });

  it('reader ids are exclusive across threads', async () => {
    const plan = { slots: 4, slotSize: 64 };
    const buffer = new SharedArrayBuffer(ringByteLength(plan));
    const ring = FrameRing.create(plan, { buffer });
    Atomics.store(ring.i32, modeWord(0), 1); // as if another thread held id 0 as an 'every' reader
    const job: Job = { buffer, seed: 1, frames: 0, maxPayload: 32, poolBytes: 1024, role: 'every', id: 0 };
    await expect(start(job).done).rejects.toThrow(/reader id 0 is already attached \(every\)/);
  });
});
