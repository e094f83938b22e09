import { Worker } from 'node:worker_threads';
import { PIXFORMAT } from '../src/format/pixformat';
import { FrameRing, RingReader, RingWriter, planRing, type RingFrameIn } from '../src/ring/index';
import { report, time, type Suite, type Timing } from './harness';
import { CTL_DONE, CTL_ROUND, STOP, type BenchJob } from './ring-thread';

/**
 * The frame ring against the floor of moving the same bytes: one `Uint8Array.prototype.set` of each
 * frame's payload into an ArrayBuffer of the ring's size. The target is ring throughput at
 * least half of that (time ratio <= 2). A ring round trip is a write (one copy in) plus a read: read()
 * allocates and copies out again, peek()/advance() reads in place.
 *
 * Also printed: the same set() into a SharedArrayBuffer. V8 copies into and out of shared memory with
 * relaxed atomic word copies instead of memcpy, several times slower on cache-resident data, so that is
 * the floor for any ring that lives in a SharedArrayBuffer; each note gives the ring's throughput as a
 * fraction of it. The ArrayBuffer ring (the fallback without cross-origin isolation) shows the ring's
 * own overhead without that penalty.
 */
const FIXTURE = new URL('../src/ring/test/ring-thread.fixture.mjs', import.meta.url);
const THREAD_MODULE = new URL('./ring-thread.ts', import.meta.url).href;
const TARGET = 2;

interface Case {
  label: string;
  frameBytes: number;
  frames: number;
}

const CASES: Case[] = [
  { label: 'QVGA JPEG-sized (12 KB)', frameBytes: 12 * 1024, frames: 4000 },
  { label: 'QVGA RGB565 (150 KB)', frameBytes: 320 * 240 * 2, frames: 400 },
];

/** A ring planned as the app would: QVGA, 2 s at 30 fps. */
const plan = () =>
  planRing(
    { width: 320, height: 240, pixformat: PIXFORMAT.RGB565 },
    { seconds: 2, fps: 30, maxBytes: 1 << 30 },
  );

const frameOf = (bytes: number): RingFrameIn => ({
  width: 320,
  height: 240,
  pixformat: PIXFORMAT.JPEG,
  size: bytes,
  data: new Uint8Array(bytes).fill(0xa5),
  timeUs: 0,
});

/** The baseline: each frame's bytes copied once with TypedArray.set into rotating slot-sized places. */
function setBaseline(c: Case, shared: boolean): () => void {
  const { slots, slotSize } = plan();
  const dst = new Uint8Array(
    shared ? new SharedArrayBuffer(slots * slotSize) : new ArrayBuffer(slots * slotSize),
  );
  const src = frameOf(c.frameBytes).data;
  return () => {
    for (let i = 0; i < c.frames; i++) dst.set(src, (i % slots) * slotSize + 32);
  };
}

/** Write then read each frame in one thread. */
function singleThread(c: Case, how: 'copy' | 'view', shared: boolean): () => number {
  const ring = FrameRing.create(plan(), { shared });
  const writer = new RingWriter(ring);
  const reader = new RingReader(ring, 0, 'every');
  reader.attach('next');
  const frame = frameOf(c.frameBytes);
  return () => {
    let sum = 0;
    for (let i = 0; i < c.frames; i++) {
      frame.timeUs += 33_333;
      writer.write(frame);
      if (how === 'copy') {
        sum += reader.read()!.data[0]!;
      } else {
        sum += reader.peek()!.data[0]!;
        reader.advance();
      }
    }
    return sum;
  };
}

/** A writer thread and an 'every' reader thread, timed from the main thread round by round. */
async function crossThread(c: Case, how: 'copy' | 'view'): Promise<Timing> {
  const ring = FrameRing.create(plan());
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const job = (role: BenchJob['role']): BenchJob => ({
    role,
    buffer: ring.buffer as SharedArrayBuffer,
    control,
    frames: c.frames,
    frameBytes: c.frameBytes,
    read: how,
  });
  const workers = [job('reader'), job('writer')].map((data) => {
    const worker = new Worker(FIXTURE, { workerData: { ...data, module: THREAD_MODULE } });
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; error?: string }) => {
        if (m.ready) resolve();
        if (m.error) reject(new Error(m.error));
      });
      worker.on('error', reject);
    });
    return { worker, ready };
  });
  let round = 0;
  try {
    // The reader attaches before the writer starts.
    await workers[0]!.ready;
    await workers[1]!.ready;
    return await time(() => {
      round += 1;
      Atomics.store(ctl, CTL_ROUND, round);
      Atomics.notify(ctl, CTL_ROUND);
      // No progress for 30 s means a thread died (its error message cannot arrive while this blocks).
      for (let stalled = 0; Atomics.load(ctl, CTL_DONE) !== round; stalled++) {
        if (stalled === 30) throw new Error(`ring bench round ${round} stalled: a worker thread failed`);
        Atomics.wait(ctl, CTL_DONE, round - 1, 1000);
      }
    });
  } finally {
    Atomics.store(ctl, CTL_ROUND, STOP);
    Atomics.notify(ctl, CTL_ROUND);
    await Promise.all(workers.map(({ worker }) => new Promise((resolve) => worker.once('exit', resolve))));
  }
}

export const suite: Suite = {
  name: 'ring',
  async run() {
    for (const c of CASES) {
      const baseline = await time(setBaseline(c, false), { minRuns: 10, minMs: 500 });
      const sharedSet = await time(setBaseline(c, true), { minRuns: 10, minMs: 500 });
      const baselineName = 'TypedArray.set into an ArrayBuffer';
      const rate = (t: Timing) => (c.frames * c.frameBytes) / (t.medianMs / 1000) / 1e6;
      const name = (what: string) => `ring ${c.frames} x ${c.label}: ${what}`;
      report({
        name: name('floor: TypedArray.set into a SharedArrayBuffer'),
        value: sharedSet,
        baselineName,
        baseline,
        note: `${rate(sharedSet).toFixed(0)} MB/s vs ${rate(baseline).toFixed(0)} MB/s`,
      });
      const rows: [string, Timing][] = [
        [
          'SAB ring, one thread, write + read() (copy out)',
          await time(singleThread(c, 'copy', true), { minRuns: 10, minMs: 500 }),
        ],
        [
          'SAB ring, one thread, write + peek()/advance()',
          await time(singleThread(c, 'view', true), { minRuns: 10, minMs: 500 }),
        ],
        [
          'ArrayBuffer ring, one thread, write + read()',
          await time(singleThread(c, 'copy', false), { minRuns: 10, minMs: 500 }),
        ],
        [
          'ArrayBuffer ring, one thread, write + peek()/advance()',
          await time(singleThread(c, 'view', false), { minRuns: 10, minMs: 500 }),
        ],
        ['SAB ring, writer thread | reader thread, read()', await crossThread(c, 'copy')],
        ['SAB ring, writer thread | reader thread, peek()/advance()', await crossThread(c, 'view')],
      ];
      for (const [what, value] of rows) {
        report({
          name: name(what),
          value,
          baselineName,
          baseline,
          targetRatio: TARGET,
          note: `${rate(value).toFixed(0)} MB/s vs ${rate(baseline).toFixed(0)} MB/s; ${(rate(value) / rate(sharedSet)).toFixed(2)} x the SharedArrayBuffer set`,
        });
      }
    }
  },
};
