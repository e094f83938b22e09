/**
 * The emulator half of the camera bench's CPU split (bench/camera.bench.ts): the demo camera (board, frame source,
 * link model) on a worker thread, entered through bench/camera-thread.worker.mjs, with its host end bridged to the
 * main thread over the worker's message port; the host session runs on the main thread. Each thread reports its own
 * CPU time, so the host's and the emulator's shares are measured apart instead of as one process figure.
 */
import { readFileSync } from 'node:fs';
import type { MessagePort, Worker } from 'node:worker_threads';
import {
  createDemoCamera,
  FLUSH_LOOP_PY,
  ReplaySource,
  TestPatternSource,
  type BoardModel,
  type LinkSpeed,
} from '../src/device/emulator/index';
import type { ByteLink } from '../src/device/protocol/link';

export interface EmulatorJob {
  model: BoardModel;
  link: LinkSpeed;
  /** QVGA JPEG test frames replayed by the board, and their camera-side quality. */
  frames: number;
  quality: number;
}

/** Messages on the port: link bytes either way; a CPU-time request and its answer; stop. */
export type ThreadMessage =
  { bytes: Uint8Array } | { cpu: 'request' } | { cpuMs: number | null } | { stop: true };

/**
 * CPU time used by the calling thread so far, in ms: Linux `/proc/thread-self/schedstat` (nanoseconds on CPU).
 * Null where that file does not exist.
 */
export function threadCpuMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

export function qvgaFrames(n: number, quality = 70): { width: number; height: number; jpeg: Uint8Array }[] {
  const src = new TestPatternSource({ width: 320, height: 240, format: 'JPEG', quality });
  return Array.from({ length: n }, () => ({ width: 320, height: 240, jpeg: src.next().data }));
}

/** Posts a copy of `b` (transferred, so it is not cloned a second time). */
function postBytes(port: MessagePort | Worker, b: Uint8Array): void {
  const copy = b.slice();
  port.postMessage({ bytes: copy } satisfies ThreadMessage, [copy.buffer]);
}

/** Worker side: runs the demo camera and serves the port until `stop`. */
export function runEmulator(job: EmulatorJob, port: MessagePort): void {
  const demo = createDemoCamera({
    model: job.model,
    link: job.link,
    source: new ReplaySource(qvgaFrames(job.frames, job.quality), 1000),
    mainPy: FLUSH_LOOP_PY,
  });
  demo.hostLink.listen(
    (b) => postBytes(port, b),
    () => undefined,
  );
  port.on('message', (m: ThreadMessage) => {
    if ('bytes' in m) void demo.hostLink.send(m.bytes).catch(() => undefined);
    else if ('cpu' in m) port.postMessage({ cpuMs: threadCpuMs() } satisfies ThreadMessage);
    else if ('stop' in m) {
      demo.stop();
      port.close();
    }
  });
}

/** Main side: the host's ByteLink to the emulator thread, and that thread's CPU time on request. */
export function emulatorLink(worker: Worker): ByteLink & { cpuMs(): Promise<number | null> } {
  let cpuWaiter: ((ms: number | null) => void) | null = null;
  let onBytes: ((b: Uint8Array) => void) | null = null;
  worker.on('message', (m: ThreadMessage) => {
    if ('bytes' in m) onBytes?.(m.bytes);
    else if ('cpuMs' in m) {
      const w = cpuWaiter;
      cpuWaiter = null;
      w?.(m.cpuMs);
    }
  });
  return {
    send(bytes) {
      postBytes(worker, bytes);
      return Promise.resolve();
    },
    listen(bytes) {
      onBytes = bytes;
    },
    close() {
      worker.postMessage({ stop: true } satisfies ThreadMessage);
      return Promise.resolve();
    },
    cpuMs() {
      return new Promise((resolve) => {
        cpuWaiter = resolve;
        worker.postMessage({ cpu: 'request' } satisfies ThreadMessage);
      });
    },
  };
}
