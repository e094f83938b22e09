import { Image, ImageIO, PIXFORMAT } from '../format/index';
import { rampPixel, type SelfCheckReply, type SelfCheckRequest } from './self-check.protocol';

declare const self: DedicatedWorkerGlobalScope;

/**
 * Proves what the recorder needs from the platform: a module worker that imports the engine, writes a
 * frame into a SharedArrayBuffer the page also sees, and blocks on Atomics.wait (allowed only in
 * workers of a cross-origin-isolated page) until the page acknowledges.
 */
self.onmessage = (event: MessageEvent<SelfCheckRequest>) => {
  const { control, frames, width, height } = event.data;
  try {
    const data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = rampPixel(x, y);
    const stream = ImageIO.memory([width, height, PIXFORMAT.GRAYSCALE], 1, { buffer: frames });
    stream.write(new Image(width, height, PIXFORMAT.GRAYSCALE, data), { elapsedMs: 0 });
    const words = new Int32Array(control);
    Atomics.store(words, 0, 1);
    Atomics.notify(words, 0);
    const waitResult = Atomics.wait(words, 1, 0, 5000);
    self.postMessage({ type: 'done', waitResult } satisfies SelfCheckReply);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    self.postMessage({ type: 'error', name: err.name, message: err.message } satisfies SelfCheckReply);
  }
};
