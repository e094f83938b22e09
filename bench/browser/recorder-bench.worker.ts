/**
 * The recorder bench's worker (bench/browser/recorder-bench.ts): raw OPFS writes (the baseline), and
 * the recording writer alone in one thread (ring → RecordingWriter → BatchedStore → OpfsStore), which
 * separates the writer's own cost from the cross-thread scheduling of the app's recorder worker.
 */
import { FrameRing, RingReader, RingWriter, planRing } from '../../src/ring';
import { OpfsStore } from '../../src/storage/opfs-store';
import { RecordingWriter } from '../../src/workers/recording-writer';
import type { RecorderBenchReply, RecorderBenchRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

type Req<T extends RecorderBenchRequest['type']> = RecorderBenchRequest & { type: T };

/** `bytes` bytes in 1 MiB writes through a sync access handle, then flush and close. */
async function rawWrite({ name, bytes, fill }: Req<'raw-write'>): Promise<RecorderBenchReply> {
  const root = await navigator.storage.getDirectory();
  const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  handle.truncate(0);
  const t0 = performance.now();
  for (let at = 0; at < bytes;) {
    const n = Math.min(fill.length, bytes - at);
    let done = 0;
    while (done < n) done += handle.write(fill.subarray(done, n), { at: at + done });
    at += n;
  }
  const t1 = performance.now();
  handle.flush();
  const fileBytes = handle.getSize();
  handle.close();
  const t2 = performance.now();
  return { type: 'written', ms: t2 - t0, flushMs: t2 - t1, frames: 0, fileBytes };
}

/** Every frame: into the ring, peek, RecordingWriter.add, advance; then finish (flush, close). */
async function writerLoop(req: Req<'writer-loop'>): Promise<RecorderBenchReply> {
  const { name, width, height, pixformat, payloads, frames } = req;
  const root = await navigator.storage.getDirectory();
  const store = await OpfsStore.open(root, name, true);
  store.truncate(0);
  // The app's ring plan (RecorderService), in a SharedArrayBuffer as the app's (V8 copies shared memory
  // more slowly than plain memory), written and read by this one thread.
  const ring = FrameRing.create(
    planRing({ width, height, pixformat }, { seconds: 5, fps: 30, maxBytes: 256 * 2 ** 20 }),
    { shared: true },
  );
  const ringWriter = new RingWriter(ring);
  const reader = new RingReader(ring, 0, 'every');
  reader.attach('oldest');
  let fileBytes = 0;
  const writer = new RecordingWriter({
    openFile: () => store,
    nowMs: () => performance.now(),
    nextFile: () => ({ id: name, fileName: name }),
    fileDone: (e) => (fileBytes = e.bytes),
  });
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const data = payloads[i % payloads.length] as Uint8Array;
    if (!ringWriter.write({ width, height, pixformat, size: data.length, data, timeUs: i * 33_333 }))
      throw new Error(`the ring refused frame ${i}`);
    const f = reader.peek();
    if (!f || !writer.add(f)) throw new Error(`frame ${i} was not written`);
    reader.advance();
  }
  const t1 = performance.now();
  writer.finish();
  const t2 = performance.now();
  reader.detach();
  return { type: 'written', ms: t2 - t0, flushMs: t2 - t1, frames: writer.framesWritten(), fileBytes };
}

self.onmessage = async (e: MessageEvent<RecorderBenchRequest>) => {
  try {
    const req = e.data;
    self.postMessage(req.type === 'raw-write' ? await rawWrite(req) : await writerLoop(req));
  } catch (err) {
    const x = err instanceof Error ? err : new Error(String(err));
    self.postMessage({ type: 'error', name: x.name, message: x.message } satisfies RecorderBenchReply);
  }
};
