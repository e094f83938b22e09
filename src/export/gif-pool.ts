/**
 * Parallel GIF frame encoding: a small pool of GIF encode workers (src/workers/gif-encode.worker.ts)
 * that takes frame jobs in clip order and yields their image blocks in the same order, for
 * `encodeGif(..., { encoder: gifPoolEncoder() })`.
 *
 * * Pool size `min(navigator.hardwareConcurrency, 4)`, at least 1; workers start on demand.
 * * Bounded memory: at most `maxInFlight` jobs (default 2 × size) are pulled from the source and not yet
 *   handed out, counting queued, running and finished-but-early ones.
 * * An AbortSignal stops everything: workers are terminated and the generator throws the signal's reason.
 * * Workers come from a factory, so tests (and Node, with worker_threads) can supply their own.
 */
import type { FrameBlockEncoder, FrameJob } from '../format/gif/index';
import type { GifEncodeReply, GifEncodeRequest } from '../workers/gif-encode.protocol';

/** What the pool needs of a worker (a browser `Worker` fits). */
export interface GifWorkerLike {
  postMessage(message: GifEncodeRequest, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<GifEncodeReply>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

export type GifWorkerFactory = () => GifWorkerLike;

export interface GifPoolOptions {
  /** Workers. Default {@link defaultPoolSize}. */
  size?: number;
  /** Jobs pulled but not yet yielded, at most. Default 2 × size (never below size). */
  maxInFlight?: number;
  signal?: AbortSignal;
  /** After each block is handed out: how many so far. */
  onProgress?: (progress: { encoded: number }) => void;
  /** Default: a module worker running src/workers/gif-encode.worker.ts. */
  createWorker?: GifWorkerFactory;
}

/** min(hardwareConcurrency, 4), at least 1 (1 where the platform does not say). */
export function defaultPoolSize(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 0;
  return Math.max(1, Math.min(Number.isFinite(n) && n > 0 ? n : 1, 4));
}

const browserWorker: GifWorkerFactory = () =>
  new Worker(new URL('../workers/gif-encode.worker.ts', import.meta.url), { type: 'module' });

function abortError(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const e = new Error('GIF encoding was aborted');
  e.name = 'AbortError';
  return e;
}

/** The request for one job: the pixels are copied unless the job owns them (then transferred). */
function request(job: FrameJob, id: number): { msg: GifEncodeRequest; transfer: Transferable[] } {
  const { width, height } = job.rgba;
  const n = width * height * 4;
  const src = job.rgba.data;
  const whole =
    job.owned === true && src.byteOffset === 0 && src.byteLength === n && src.buffer instanceof ArrayBuffer;
  const rgba = whole ? (src.buffer as ArrayBuffer) : (src.slice(0, n).buffer as ArrayBuffer);
  return {
    msg: {
      type: 'encode',
      id,
      width,
      height,
      rgba,
      palette: job.palette,
      paletteKind: job.paletteKind ?? 'auto',
      paletteId: job.paletteId ?? null,
      dither: job.dither ?? 'none',
    },
    transfer: [rgba],
  };
}

/**
 * Encodes `jobs` on a worker pool; yields each job's image block in job order. Stopping early (break,
 * return, an error or the signal) terminates the workers.
 */
export async function* encodeInPool(
  jobs: AsyncIterable<FrameJob> | Iterable<FrameJob>,
  options: GifPoolOptions = {},
): AsyncGenerator<Uint8Array> {
  const size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
  const maxInFlight = Math.max(size, Math.floor(options.maxInFlight ?? size * 2));
  const create = options.createWorker ?? browserWorker;
  const signal = options.signal;

  const workers: GifWorkerLike[] = [];
  const idle: GifWorkerLike[] = [];
  const queue: { msg: GifEncodeRequest; transfer: Transferable[] }[] = [];
  const done = new Map<number, Uint8Array>();
  // A holder, not a variable: control-flow narrowing would not see the callbacks assign it.
  const failure: { error?: unknown; failed: boolean } = { failed: false };
  let signalled = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    signalled = true;
    wake?.();
  };
  const fail = (error: unknown): void => {
    if (!failure.failed) Object.assign(failure, { error, failed: true });
    notify();
  };

  const dispatch = (): void => {
    while (queue.length > 0) {
      let w = idle.pop();
      if (!w && workers.length < size) w = spawn();
      if (!w) return;
      const next = queue.shift() as (typeof queue)[number];
      w.postMessage(next.msg, next.transfer);
    }
  };
  const spawn = (): GifWorkerLike => {
    const w = create();
    workers.push(w);
    w.onmessage = (event) => {
      const reply = event.data;
      if (reply.type === 'error') {
        const e = new Error(reply.message);
        e.name = reply.name;
        fail(e);
        return;
      }
      done.set(reply.id, reply.block);
      idle.push(w);
      dispatch();
      notify();
    };
    w.onerror = (event) => fail(new Error(`GIF worker failed: ${event.message ?? 'unknown error'}`));
    return w;
  };

  const onAbort = (): void => fail(abortError(signal as AbortSignal));
  signal?.addEventListener('abort', onAbort);
  const iterator: AsyncIterator<FrameJob> | Iterator<FrameJob> =
    Symbol.asyncIterator in jobs
      ? (jobs as AsyncIterable<FrameJob>)[Symbol.asyncIterator]()
      : (jobs as Iterable<FrameJob>)[Symbol.iterator]();
  let exhausted = false;
  let sent = 0;
  let yielded = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      if (failure.failed) throw failure.error;
      while (!exhausted && sent - yielded < maxInFlight) {
        const r = await iterator.next();
        if (signal?.aborted) throw abortError(signal);
        if (failure.failed) throw failure.error;
        if (r.done) {
          exhausted = true;
          break;
        }
        queue.push(request(r.value, sent++));
        dispatch();
      }
      const block = done.get(yielded);
      if (block) {
        done.delete(yielded);
        yielded++;
        options.onProgress?.({ encoded: yielded });
        yield block;
        continue;
      }
      if (exhausted && yielded === sent) return;
      if (!signalled) await new Promise<void>((resolve) => (wake = resolve));
      signalled = false;
      wake = null;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const w of workers) {
      w.onmessage = null;
      w.onerror = null;
      w.terminate();
    }
    if (!exhausted) await iterator.return?.();
  }
}

/** A FrameBlockEncoder for `encodeGif` that runs on a worker pool. */
export function gifPoolEncoder(options: GifPoolOptions = {}): FrameBlockEncoder {
  return (jobs) => encodeInPool(jobs, options);
}
