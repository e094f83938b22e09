/**
 * What each thread of the cross-thread ring test does (threads.test.ts starts them through
 * ring-thread.fixture.mjs). Pure code: it only needs the ring, Atomics and timers.
 */
import { FrameRing, RingReader, RingWriter } from '../index';
import { expectedElapsedMs, frameError, makeFrame, pool, type Equal } from './frames';

export interface Job {
  role: 'writer' | 'every' | 'latest';
  buffer: SharedArrayBuffer;
  seed: number;
  frames: number;
  maxPayload: number;
  poolBytes: number;
  /** Reader id (readers only). */
  id?: number;
  /** 'every' readers: attach only once the writer has reached this seq (mid-stream, racing it). */
  attachAt?: number;
  /** Readers: how long one wait() may sleep (default 1000 ms). */
  waitMs?: number;
  /** Writer: pause after each frame, in ms (default none), so readers are asleep when frames come. */
  pauseMs?: number;
  /** 'every' readers: where to start (default 'oldest'). */
  from?: 'oldest' | 'next' | { sinceUs: number };
}

export interface RoleResult {
  role: Job['role'];
  /** writer: frames written; readers: frames received. */
  frames: number;
  /** writer: write() calls that returned false (back-pressure), then retried. */
  refused: number;
  /** writer: the writer's own `dropped` counter (must equal refused). */
  dropped: number;
  skipped: number;
  retries: number;
  /** Readers: the seq attach() returned. */
  start: number;
  /** The first problems found (at most 10). */
  errors: string[];
}

/**
 * Runs `job`; `ready` is called once a reader is attached (the writer starts after every reader is).
 * `equal` compares payloads (a fast native compare keeps the readers close behind the writer).
 */
export async function runRole(job: Job, ready: () => void, equal?: Equal): Promise<RoleResult> {
  const ring = FrameRing.attach(job.buffer);
  const bytes = pool(job.seed, job.poolBytes);
  const result: RoleResult = {
    role: job.role,
    frames: 0,
    refused: 0,
    dropped: 0,
    skipped: 0,
    retries: 0,
    start: 0,
    errors: [],
  };
  const fail = (e: string | null): void => {
    if (e !== null && result.errors.length < 10) result.errors.push(e);
  };

  if (job.role === 'writer') {
    const writer = new RingWriter(ring);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (let seq = 0; seq < job.frames; seq++) {
      const frame = makeFrame(seq, job.seed, job.maxPayload, bytes);
      while (!writer.write(frame)) {
        result.refused++;
        Atomics.wait(nap, 0, 0, 0.02); // back-pressure: the 'every' reader is a full ring behind
      }
      result.frames++;
      if (job.pauseMs) Atomics.wait(nap, 0, 0, job.pauseMs);
    }
    result.dropped = writer.dropped;
    writer.close();
    return result;
  }

  const reader = new RingReader(ring, job.id ?? 0, job.role);
  if (job.attachAt !== undefined) {
    ready(); // the writer does not wait for this one
    while (ring.nextSeq() < job.attachAt && !ring.isClosed())
      await new Promise<void>((r) => setTimeout(r, 0));
  }
  let expected = reader.attach(job.role === 'every' ? (job.from ?? 'oldest') : 'next');
  result.start = expected;
  ready();
  for (;;) {
    const closed = ring.isClosed();
    if (job.role === 'every') {
      // Alternate the copying and the zero-copy path.
      const view = expected % 2 === 0 ? reader.peek() : reader.read();
      if (view) {
        if (view.seq !== expected) fail(`every: got frame ${view.seq}, expected ${expected}`);
        fail(frameError(view, job.seed, job.maxPayload, bytes, equal));
        const elapsed = expectedElapsedMs(view.seq, job.seed, job.maxPayload, job.poolBytes);
        if (view.elapsedMs !== elapsed)
          fail(`every: frame ${view.seq} elapsedMs ${view.elapsedMs}, expected ${elapsed}`);
        if (expected % 2 === 0) reader.advance();
        expected = view.seq + 1;
        result.frames++;
        continue;
      }
    } else {
      const frame = reader.read();
      if (frame) {
        if (frame.seq < expected) fail(`latest: frame ${frame.seq} after ${expected - 1}`);
        fail(frameError(frame, job.seed, job.maxPayload, bytes, equal));
        expected = frame.seq + 1;
        result.frames++;
        continue;
      }
    }
    if (closed) break;
    await reader.wait(job.waitMs ?? 1000);
  }
  result.skipped = reader.skipped;
  result.retries = reader.retries;
  reader.detach();
  return result;
}
