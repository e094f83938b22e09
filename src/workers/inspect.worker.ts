import { ImageIO, pixformatName, type ByteStore, type FileImageIO } from '../format/index';
import { BlobStore } from '../storage/blob-store';
import { OpfsStore } from '../storage/opfs-store';
import { recordingsDirectory } from '../storage/opfs-dir';
import { decodeFrame } from './decode-frame';
import {
  THUMB_HEIGHT,
  THUMB_WIDTH,
  type InspectReply,
  type InspectRequest,
  type InspectSource,
  type InspectSummary,
} from './inspect.protocol';

declare const self: DedicatedWorkerGlobalScope;

/** Jobs the page gave up on; checked between the steps of a job (each step is synchronous). */
const cancelled = new Set<number>();

self.onmessage = (event: MessageEvent<InspectRequest>) => {
  const msg = event.data;
  if (msg.type === 'cancel') {
    cancelled.add(msg.id);
    return;
  }
  void run(msg.id, msg.source);
};

async function run(id: number, source: InspectSource): Promise<void> {
  try {
    const summary = await inspect(id, source);
    if (!cancelled.has(id)) self.postMessage({ type: 'result', id, summary } satisfies InspectReply);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (!cancelled.has(id)) {
      self.postMessage({ type: 'error', id, name: err.name, message: err.message } satisfies InspectReply);
    }
  } finally {
    cancelled.delete(id);
  }
}

async function openStore(source: InspectSource): Promise<ByteStore> {
  if (source.kind === 'blob') return new BlobStore(source.blob);
  return OpfsStore.open(await recordingsDirectory(), source.fileName);
}

async function inspect(id: number, source: InspectSource): Promise<InspectSummary> {
  const store = await openStore(source);
  // The stream owns the store once open; until then a failed open must release it (an OPFS handle is exclusive).
  let stream: FileImageIO;
  try {
    stream = ImageIO.open(store, 'r');
  } catch (e) {
    store.close();
    throw e;
  }
  try {
    const count = stream.count();
    const formats: string[] = [];
    let width = 0;
    let height = 0;
    for (let i = 0; i < count; i++) {
      // Index rows only: no payload is read here, so this costs nothing per frame but memory lookups.
      const f = stream.frameInfo(i);
      const name = pixformatName(f.pixformat);
      if (!formats.includes(name)) formats.push(name);
      if (f.width * f.height > width * height) {
        width = f.width;
        height = f.height;
      }
    }
    if (cancelled.has(id)) throw new DOMException('Inspection was cancelled', 'AbortError');
    const v = stream.version();
    const summary: InspectSummary = {
      version: `V${Math.floor(v / 10)}.${v % 10}`,
      count,
      durationMs: stream.durationMs(),
      bytes: stream.size(),
      damage: stream.damage(),
      formats,
      width,
      height,
      thumbnail: null,
    };
    if (count > 0) summary.thumbnail = await thumbnail(stream);
    return summary;
  } finally {
    stream.close();
  }
}

/** The first frame scaled to fit the thumbnail box, as PNG; null when it cannot be decoded. */
async function thumbnail(stream: FileImageIO): Promise<Blob | null> {
  let bitmap: ImageBitmap;
  try {
    const decoded = await decodeFrame(stream.frameAt(0));
    bitmap = decoded instanceof ImageBitmap ? decoded : await createImageBitmap(decoded);
  } catch {
    return null;
  }
  try {
    const scale = Math.min(THUMB_WIDTH / bitmap.width, THUMB_HEIGHT / bitmap.height);
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    // Small camera frames are blown up: keep their pixels sharp instead of smearing them.
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.drawImage(bitmap, 0, 0, w, h);
    return await canvas.convertToBlob({ type: 'image/png' });
  } finally {
    bitmap.close();
  }
}
