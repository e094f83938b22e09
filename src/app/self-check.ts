import { ImageIO, PIXFORMAT, slotSize } from '../format/index';
import { rampPixel, type SelfCheckReply, type SelfCheckRequest } from '../workers/self-check.protocol';

/** What the browser gives the app, as the self-check found it. */
export interface SelfCheckResult {
  crossOriginIsolated: boolean;
  /** A module worker wrote a frame into shared memory, the page read it back, both sides woke each other. */
  sharedMemoryWorker: 'ok' | 'unavailable' | 'failed';
  detail: string;
  webSerial: boolean;
  opfs: boolean;
}

/** Runs the shared-memory handshake with a module worker; resolves in all cases (never hangs the UI). */
export async function runSelfCheck(timeoutMs = 10_000): Promise<SelfCheckResult> {
  const base = {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    webSerial: 'serial' in navigator,
    opfs: typeof navigator.storage?.getDirectory === 'function',
  };
  if (!base.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    return { ...base, sharedMemoryWorker: 'unavailable', detail: 'The page is not cross-origin isolated.' };
  }
  const width = 37;
  const height = 5;
  const control = new SharedArrayBuffer(8);
  const frames = new SharedArrayBuffer(slotSize({ width, height, pixformat: PIXFORMAT.GRAYSCALE }));
  const worker = new Worker(new URL('../workers/self-check.worker.ts', import.meta.url), { type: 'module' });
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('timed out')), timeoutMs),
  );
  try {
    const reply = new Promise<SelfCheckReply>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<SelfCheckReply>) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message || 'worker failed to start'));
    });
    worker.postMessage({ type: 'start', control, frames, width, height } satisfies SelfCheckRequest);
    const words = new Int32Array(control);
    const waited = Atomics.waitAsync(words, 0, 0, timeoutMs);
    if ((await Promise.race([waited.value, timer])) === 'timed-out')
      throw new Error('the worker never wrote');
    const frame = ImageIO.memory([width, height, PIXFORMAT.GRAYSCALE], 1, { buffer: frames }).readSync();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (frame?.data[y * width + x] !== rampPixel(x, y)) throw new Error(`pixel (${x}, ${y}) differs`);
      }
    }
    Atomics.store(words, 1, 1);
    Atomics.notify(words, 1);
    const done = await Promise.race([reply, timer]);
    if (done.type === 'error') throw new Error(`${done.name}: ${done.message}`);
    // 'not-equal' means the acknowledgement landed before the worker began to wait: a success too.
    if (done.waitResult === 'timed-out') throw new Error('the worker was never woken');
    return { ...base, sharedMemoryWorker: 'ok', detail: 'A module worker shared a frame and woke the page.' };
  } catch (e) {
    return { ...base, sharedMemoryWorker: 'failed', detail: e instanceof Error ? e.message : String(e) };
  } finally {
    worker.terminate();
  }
}
