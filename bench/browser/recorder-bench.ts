/**
 * Page side of the `recorder` bench suite (bench/recorder.bench.ts).
 *
 * Throughput: frames from this page go through the real frame ring (a SharedArrayBuffer, planned as
 * RecorderService plans it) into the app's own recorder worker (src/workers/recorder.worker.ts:
 * RecorderWorkerSession → RecordingWriter → BatchedStore → OpfsStore), against the same bytes written
 * raw to OPFS by recorder-bench.worker.ts. End to end: the app's services (CameraService, RecorderService,
 * RecordingsRepository, LiveViewClient) wired as src/main.ts and the live view component wire them, with
 * the demo camera; the Node side samples the browser's CPU time around the steps exposed here.
 */
import { CameraService } from '../../src/app/camera-service';
import { LiveViewClient } from '../../src/app/live-view-client';
import { LIVE_VIEW_READER, RecorderService } from '../../src/app/recorder-service';
import { ReplaySource, TestPatternSource, type FrameFormat } from '../../src/device/emulator/index';
import { PIXFORMAT } from '../../src/format/pixformat';
import { FrameRing, RingWriter, planRing, ringByteLength } from '../../src/ring';
import { RECORDINGS_DIR } from '../../src/storage/opfs-dir';
import { RecordingsRepository, type RecordingRecord } from '../../src/storage/recordings';
import type { RecorderCommand, RecorderEvent } from '../../src/workers/recorder.protocol';
import type { Timing } from '../harness';
import type {
  E2eCounts,
  E2eRecorded,
  RecorderBenchApi,
  RecorderBenchReply,
  RecorderBenchRequest,
  ThroughputKind,
  ThroughputResult,
} from './protocol';

const WIDTH = 320;
const HEIGHT = 240;
/** Camera-side JPEG quality of the synthetic frames: about 11 KB a QVGA test-pattern frame. */
const JPEG_QUALITY = 80;
/** RecorderService's ring for a recording: max(preSeconds 5, 3) s at max(30, camera fps), at most ringMaxMB 256. */
const RING = { seconds: 5, fps: 30, maxBytes: 256 * 2 ** 20 };

/** Distinct camera frames (payloads) the benches cycle through: rendered and encoded once, up front. */
function framePool(format: FrameFormat, count: number): Uint8Array[] {
  const src = new TestPatternSource({ width: WIDTH, height: HEIGHT, format, quality: JPEG_QUALITY });
  return Array.from({ length: count }, () => src.next().data);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const timing = (xs: number[]): Timing => ({ medianMs: median(xs), runs: xs.length });
/**
 * The producer's back-off while the ring is full: a task turn through a MessageChannel. setTimeout(0)
 * nests into the 4 ms timer clamp, so the worker drained the ring and then sat idle for most of it.
 */
const turns = new MessageChannel();
const turnWaiters: (() => void)[] = [];
turns.port1.onmessage = () => turnWaiters.shift()?.();
const nextTask = (): Promise<void> =>
  new Promise((resolve) => {
    turnWaiters.push(resolve);
    turns.port2.postMessage(null);
  });

/** Runs one request in `worker` and resolves with its reply (errors thrown). */
type Written = RecorderBenchReply & { type: 'written' };

function ask(worker: Worker, req: RecorderBenchRequest): Promise<Written> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<RecorderBenchReply>) =>
      e.data.type === 'error'
        ? reject(new Error(`${e.data.name}: ${e.data.message}`))
        : resolve(e.data as Written);
    worker.onerror = (e) => reject(new Error(e.message || 'recorder bench worker failed'));
    worker.postMessage(req);
  });
}

async function removeQuietly(dirName: string | null, name: string): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const dir = dirName ? await root.getDirectoryHandle(dirName, { create: true }) : root;
  await dir.removeEntry(name).catch(() => undefined);
}

/**
 * One recording through the app's recorder worker: this page writes `count` frames into a fresh ring as
 * fast as the worker takes them (a full ring: wait a task and retry the same frame, so none is lost),
 * closes the ring, and waits for `stopped`. Timed from `started` (file open, reader attached) to
 * `stopped` (every frame written, flushed and the file closed).
 */
async function recordThroughWorker(
  pixformat: number,
  pool: Uint8Array[],
  count: number,
): Promise<{ ms: number; frames: number; fileBytes: number; fullRingWaits: number }> {
  const ring = FrameRing.create(planRing({ width: WIDTH, height: HEIGHT, pixformat }, RING), {
    shared: true,
  });
  const writer = new RingWriter(ring);
  const worker = new Worker(new URL('../../src/workers/recorder.worker.ts', import.meta.url), {
    type: 'module',
  });
  const id = crypto.randomUUID();
  const fileName = `bench-rec-${id}.bin`;
  let onStarted!: () => void;
  let onStopped!: () => void;
  const started = new Promise<void>((r) => (onStarted = r));
  const stopped = new Promise<void>((r) => (onStopped = r));
  let done: (RecorderEvent & { type: 'fileDone' }) | null = null;
  let failure: string | null = null;
  worker.onmessage = (e: MessageEvent<RecorderEvent>) => {
    const ev = e.data;
    if (ev.type === 'started') onStarted();
    else if (ev.type === 'fileDone') done = ev;
    else if (ev.type === 'error') failure = `${ev.name}: ${ev.message}`;
    else if (ev.type === 'stopped') {
      onStarted();
      onStopped();
    }
  };
  worker.onerror = (e) => {
    failure = e.message || 'recorder worker failed';
    onStarted();
    onStopped();
  };
  const start: RecorderCommand = {
    type: 'start',
    session: 1,
    file: { id, fileName },
    source: { kind: 'ring', buffer: ring.buffer as SharedArrayBuffer, readerId: 0, from: 'oldest' },
  };
  try {
    worker.postMessage(start);
    await started;
    const t0 = performance.now();
    let waits = 0;
    for (let i = 0; i < count && failure === null; i++) {
      const data = pool[i % pool.length] as Uint8Array;
      const frame = { width: WIDTH, height: HEIGHT, pixformat, size: data.length, data, timeUs: i * 33_333 };
      while (failure === null && !writer.write(frame)) {
        waits++;
        await nextTask();
      }
    }
    writer.close();
    await stopped;
    const ms = performance.now() - t0;
    if (failure !== null) throw new Error(failure);
    const d = done as (RecorderEvent & { type: 'fileDone' }) | null;
    if (!d) throw new Error('the recorder worker closed no file');
    return { ms, frames: d.frames, fileBytes: d.bytes, fullRingWaits: waits };
  } finally {
    worker.terminate();
    await removeQuietly(RECORDINGS_DIR, fileName);
  }
}

/**
 * Raw OPFS writes against recordings of the same payload bytes, `rounds` times each, interleaved so
 * drift (other load, disk) hits all three alike. Every file is removed after its run.
 */
export async function recorderThroughput(
  kind: ThroughputKind,
  totalBytes: number,
  rounds: number,
): Promise<ThroughputResult> {
  const pixformat = kind === 'jpeg' ? PIXFORMAT.JPEG : PIXFORMAT.RGB565;
  const pool = kind === 'jpeg' ? framePool('JPEG', 32) : framePool('RGB565', 8);
  const poolBytes = pool.reduce((a, p) => a + p.length, 0);
  let frames = 0;
  let payloadBytes = 0;
  while (payloadBytes < totalBytes) payloadBytes += (pool[frames++ % pool.length] as Uint8Array).length;
  // The raw file gets the same bytes in 1 MiB writes: the frames laid end to end, cycled.
  const fill = new Uint8Array(1 << 20);
  for (let at = 0, i = 0; at < fill.length; i++) {
    const p = (pool[i % pool.length] as Uint8Array).subarray(0, fill.length - at);
    fill.set(p, at);
    at += p.length;
  }
  const plan = planRing({ width: WIDTH, height: HEIGHT, pixformat }, RING);
  const benchWorker = new Worker(new URL('./recorder-bench.worker.ts', import.meta.url), { type: 'module' });
  const raw: number[] = [];
  const session: number[] = [];
  const loop: number[] = [];
  const rawFlush: number[] = [];
  let fileBytes = 0;
  let fullRingWaits = 0;
  try {
    // Round 0 warms up (worker start, JIT, OPFS directory) and is not counted.
    for (let round = 0; round <= rounds; round++) {
      // Raw writes are short and their time varies most (the disk behind the flush): three a round.
      const rawRuns: Written[] = [];
      for (let k = 0; k < 3; k++) {
        const rawName = `bench-raw-${round}-${k}.bin`;
        rawRuns.push(await ask(benchWorker, { type: 'raw-write', name: rawName, bytes: payloadBytes, fill }));
        await removeQuietly(null, rawName);
      }
      const s = await recordThroughWorker(pixformat, pool, frames);
      if (s.frames !== frames) throw new Error(`recorded ${s.frames} of ${frames} frames`);
      const loopName = `bench-loop-${round}.bin`;
      const l = await ask(benchWorker, {
        type: 'writer-loop',
        name: loopName,
        pixformat,
        width: WIDTH,
        height: HEIGHT,
        payloads: pool,
        frames,
      });
      await removeQuietly(null, loopName);
      if (l.frames !== frames) throw new Error(`writer loop wrote ${l.frames} of ${frames} frames`);
      if (round === 0) continue;
      for (const r of rawRuns) {
        raw.push(r.ms);
        rawFlush.push(r.flushMs);
      }
      session.push(s.ms);
      loop.push(l.ms);
      fileBytes = s.fileBytes;
      fullRingWaits += s.fullRingWaits;
    }
  } finally {
    benchWorker.terminate();
  }
  return {
    frames,
    payloadBytes,
    averageFrameBytes: poolBytes / pool.length,
    fileBytes,
    ringSlots: plan.slots,
    ringBytes: ringByteLength(plan),
    fullRingWaits: fullRingWaits / Math.max(1, rounds),
    raw: timing(raw),
    session: timing(session),
    writerLoop: timing(loop),
    rawFlush: timing(rawFlush),
    samples: { raw, session, writerLoop: loop },
  };
}

/**
 * The app's services for the end-to-end figures, built as src/main.ts builds them (camera frames to the
 * recorder's ring, the live view reading the ring in its worker), with no UI around them.
 */
class E2eApp {
  readonly camera = new CameraService();
  readonly recorder: RecorderService;
  readonly live: LiveViewClient;
  private readonly saved: RecordingRecord[] = [];
  private pool: Uint8Array[] | null = null;
  /** Frames the page received from the camera (every frame sink call). */
  private delivered = 0;
  /** Frames the emulated board put in its stream buffer. */
  private boardFrames = 0;
  /** Frames received while recording, from the click on Record to the click on Stop. */
  private recordWindow: { sinceUs: number; frames: number } | null = null;

  constructor(private readonly repo: RecordingsRepository) {
    this.recorder = new RecorderService(repo);
    const canvas = document.createElement('canvas');
    document.body.append(canvas);
    this.live = new LiveViewClient(canvas);
    this.recorder.watchRing((ring) => this.live.useRing(ring.buffer as SharedArrayBuffer, LIVE_VIEW_READER));
    this.camera.addFrameSink((frame) => this.recorder.onFrame(frame));
    this.camera.addFrameSink((frame) => this.live.show(frame));
    this.camera.addFrameSink((frame) => {
      this.delivered++;
      const w = this.recordWindow;
      if (w && (performance.timeOrigin + frame.receivedAt) * 1000 >= w.sinceUs) w.frames++;
    });
    this.recorder.addEventListener('saved', (e) =>
      this.saved.push((e as CustomEvent<RecordingRecord>).detail),
    );
  }

  /** Connects the demo camera streaming pre-encoded QVGA JPEGs at `fps` over an unlimited link. */
  async connect(fps: number): Promise<void> {
    this.pool ??= framePool('JPEG', 32);
    const source = new ReplaySource(
      this.pool.map((jpeg) => ({ width: WIDTH, height: HEIGHT, jpeg })),
      fps,
    );
    await this.camera.connectDemo({ link: 'unlimited', source, onFrame: () => this.boardFrames++ });
    if (this.camera.status.state !== 'connected') throw new Error(`camera: ${this.camera.status.message}`);
    const until = this.delivered + 10;
    while (this.delivered < until) await new Promise((r) => setTimeout(r, 20));
  }

  counts(): E2eCounts {
    const s = this.recorder.status;
    return {
      delivered: this.delivered,
      boardFrames: this.boardFrames,
      liveDrawn: this.live.state.drawn,
      liveStale: this.live.state.stale,
      liveError: this.live.state.error,
      recordingFrames: s.frames,
      mode: s.mode,
      message: s.message,
    };
  }

  /** "Record", as the button does; frames counted from the moment of the click. */
  async record(): Promise<void> {
    this.saved.length = 0;
    this.recordWindow = { sinceUs: (performance.timeOrigin + performance.now()) * 1000, frames: 0 };
    await this.recorder.record();
    if (this.recorder.status.mode !== 'recording')
      throw new Error(`not recording: ${this.recorder.status.message}`);
  }

  /** "Stop recording": waits until the file is closed and cataloged, then deletes it. */
  async stop(): Promise<E2eRecorded> {
    const w = this.recordWindow;
    this.recordWindow = null;
    await this.recorder.stopRecording();
    const records = [...this.saved];
    this.saved.length = 0;
    for (const r of records) await this.repo.delete(r.id);
    return {
      deliveredWhileRecording: w?.frames ?? 0,
      recorded: records.reduce((a, r) => a + r.frames, 0),
      files: records.length,
      bytes: records.reduce((a, r) => a + r.bytes, 0),
      durationMs: records.reduce((a, r) => a + r.durationMs, 0),
      message: this.recorder.status.message,
    };
  }

  async disconnect(): Promise<void> {
    await this.camera.disconnect();
  }
}

let app: E2eApp | null = null;

async function e2eApp(): Promise<E2eApp> {
  app ??= new E2eApp(await RecordingsRepository.open());
  return app;
}

export const e2e: RecorderBenchApi['recorder'] = {
  isolation: () => ({
    crossOriginIsolated: globalThis.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  }),
  connect: async (fps: number) => (await e2eApp()).connect(fps),
  counts: async () => (await e2eApp()).counts(),
  record: async () => (await e2eApp()).record(),
  stop: async () => (await e2eApp()).stop(),
  disconnect: async () => (await e2eApp()).disconnect(),
};
