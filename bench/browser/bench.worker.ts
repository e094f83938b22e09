import { Image, ImageIO, ManualClock, PIXFORMAT } from '../../src/format/index';
import { OpfsStore } from '../../src/storage/opfs-store';
import { time } from '../harness';
import type { BenchReply, BenchRequest, StreamKind } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

/** The same streams as bench/imageio.bench.ts: 7,000 QVGA RGB565 frames, or 100,000 ~11 KB JPEGs. */
function* frames(kind: 'qvga' | 'jpeg'): Generator<Image> {
  if (kind === 'qvga') {
    const data = new Uint8Array(320 * 240 * 2);
    for (let i = 0; i < 7000; i++) {
      data[i % data.length] = i & 0xff;
      yield new Image(320, 240, PIXFORMAT.RGB565, data);
    }
    return;
  }
  const data = new Uint8Array(14 * 1024);
  data.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 0; i < 100_000; i++) {
    const len = 8 * 1024 + (((i * 2654435761) >>> 0) % (5 * 1024 + 512));
    yield new Image(160, 120, PIXFORMAT.JPEG, data.subarray(0, len));
  }
}

async function writeFile(kind: StreamKind): Promise<{ name: string; writeMs: number }> {
  const root = await navigator.storage.getDirectory();
  const name = `bench-${kind}.bin`;
  const t0 = performance.now();
  const writer = ImageIO.open(await OpfsStore.open(root, name, true), 'w', { clock: new ManualClock() });
  for (const f of frames(kind)) writer.write(f, { elapsedMs: 33 });
  writer.close();
  return { name, writeMs: performance.now() - t0 };
}

/** Writes a stream for the player and times indexing it once here (the "reading its headers" baseline). */
async function makeFile(kind: StreamKind): Promise<BenchReply> {
  const { name } = await writeFile(kind);
  const root = await navigator.storage.getDirectory();
  const store = await OpfsStore.open(root, name);
  let frames = 0;
  const index = await time(() => (frames = ImageIO.open(store, 'r').count()), { minRuns: 5 });
  const bytes = store.size();
  store.close();
  return { type: 'made', name, bytes, frames, index };
}

async function opfsIndex(kind: StreamKind): Promise<BenchReply> {
  const root = await navigator.storage.getDirectory();
  const { name, writeMs } = await writeFile(kind);

  const handle = await (await root.getFileHandle(name)).createSyncAccessHandle();
  const store = new OpfsStore(handle);
  const bytes = store.size();
  const chunk = new Uint8Array(1 << 20);
  const readWhole = await time(
    () => {
      for (let at = 0; at < bytes; at += chunk.length) handle.read(chunk, { at });
    },
    { minRuns: 3 },
  );
  let count = 0;
  const offsets: number[] = [];
  const index = await time(
    () => {
      const io = ImageIO.open(store, 'r');
      count = io.count();
      if (offsets.length === 0) for (let i = 0; i < count; i++) offsets.push(io.frameInfo(i).offset);
    },
    { minRuns: 5 },
  );
  const header = new Uint8Array(32);
  const floor = await time(
    () => {
      for (const at of offsets) handle.read(header, { at });
    },
    { minRuns: 5 },
  );
  store.close();
  await root.removeEntry(name);
  return { type: 'opfs-index', frames: count, bytes, readWhole, index, floor, writeMs };
}

self.onmessage = async (e: MessageEvent<BenchRequest>) => {
  try {
    const req = e.data;
    if (req.type === 'opfs-index') self.postMessage(await opfsIndex(req.kind));
    else if (req.type === 'make-file') self.postMessage(await makeFile(req.kind));
    else {
      await (await navigator.storage.getDirectory()).removeEntry(req.name);
      self.postMessage({ type: 'removed' } satisfies BenchReply);
    }
  } catch (err) {
    const x = err instanceof Error ? err : new Error(String(err));
    self.postMessage({ type: 'error', name: x.name, message: x.message } satisfies BenchReply);
  }
};
