/**
 * The export worker: turns (part of) the open recording into a GIF, a Motion-JPEG AVI, a trimmed V2.0
 * stream or a still image, off the page's thread. It reads the same source the player has (a File/Blob,
 * an OPFS file or bytes) and writes into an OPFS scratch file through a sync access handle, so clips
 * larger than memory work. On cancel or error the scratch file is removed; nothing half-written is
 * handed out. GIF frames are encoded on a pool of GIF workers (src/export/gif-pool.ts).
 */
import {
  CLIP_QUALITY,
  ImageIO,
  PIXFORMAT,
  STILL_QUALITY,
  encodeGif,
  encodeJpeg,
  encodePngRgba,
  frameDurations,
  imageIoToAvi,
  letterbox,
  saveStill,
  scaledSize,
  toRgba,
  type ByteStore,
  type FileImageIO,
  type GifInputFrame,
  type Image,
  type RgbaImage,
} from '../format/index';
import { MemoryStore } from '../format/byte-store';
import { clipOf, type ClipSource } from '../export/clip';
import { gifPoolEncoder } from '../export/gif-pool';
import { BlobStore } from '../storage/blob-store';
import { OpfsStore } from '../storage/opfs-store';
import { EXPORT_SCRATCH, type ExportCommand, type ExportEvent, type ExportSpec } from './export.protocol';
import type { PlayerSource } from './player.protocol';

declare const self: DedicatedWorkerGlobalScope;

const controller = new AbortController();
const post = (e: ExportEvent): void => self.postMessage(e);

self.onmessage = (event: MessageEvent<ExportCommand>) => {
  const cmd = event.data;
  if (cmd.type === 'cancel') {
    const e = new Error('The export was cancelled');
    e.name = 'AbortError';
    controller.abort(e);
    return;
  }
  const job =
    cmd.type === 'run'
      ? run(cmd.source, cmd.spec, cmd.name, cmd.scratchName)
      : estimate(cmd.source, cmd.spec);
  job.catch((err: unknown) => {
    if (controller.signal.aborted) post({ type: 'cancelled' });
    else {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ type: 'error', name: e.name, message: e.message });
    }
  });
};

/** The recording, read where it lives: never copied whole into memory (except a `bytes` source). */
async function openStream(source: PlayerSource): Promise<FileImageIO> {
  let store: ByteStore;
  switch (source.kind) {
    case 'file':
      store = new BlobStore(source.file);
      break;
    case 'bytes':
      store = new MemoryStore(new Uint8Array(source.bytes));
      break;
    case 'opfs': {
      // The player holds the file's sync access handle: read a File snapshot of it instead.
      const root = await navigator.storage.getDirectory();
      const dir = source.dir ? await root.getDirectoryHandle(source.dir) : root;
      store = new BlobStore(await (await dir.getFileHandle(source.name)).getFile());
      break;
    }
  }
  return ImageIO.open(store, 'r');
}

/** JPEG and PNG through the platform decoder; everything else through the engine's conversion. */
async function decode(image: Image): Promise<RgbaImage> {
  if (image.pixformat === PIXFORMAT.JPEG || image.pixformat === PIXFORMAT.PNG) {
    const type = image.pixformat === PIXFORMAT.JPEG ? 'image/jpeg' : 'image/png';
    const bitmap = await createImageBitmap(new Blob([image.data as Uint8Array<ArrayBuffer>], { type }));
    try {
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('This browser cannot draw on an OffscreenCanvas in a worker');
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      return { width: bitmap.width, height: bitmap.height, data };
    } finally {
      bitmap.close();
    }
  }
  return { width: image.width, height: image.height, data: toRgba(image) };
}

function crop(src: RgbaImage, [x, y, w, h]: readonly [number, number, number, number]): RgbaImage {
  const x0 = Math.max(0, Math.min(src.width, x));
  const y0 = Math.max(0, Math.min(src.height, y));
  const cw = Math.max(1, Math.min(src.width - x0, w));
  const ch = Math.max(1, Math.min(src.height - y0, h));
  const out = new Uint8ClampedArray(cw * ch * 4);
  for (let r = 0; r < ch; r++) {
    const from = ((y0 + r) * src.width + x0) * 4;
    out.set(src.data.subarray(from, from + cw * 4), r * cw * 4);
  }
  return { width: cw, height: ch, data: out };
}

/** Each frame decoded, with its on-screen time divided by `speed` (the AVI export's timing). */
async function* rgbaFrames(clip: ClipSource, speed: number): AsyncGenerator<GifInputFrame> {
  const n = clip.count();
  const elapsed = Array.from({ length: n }, (_, i) => clip.frameInfo(i).elapsedMs);
  const durations = frameDurations(elapsed, 100);
  for (let i = 0; i < n; i++) {
    if (controller.signal.aborted) throw controller.signal.reason;
    yield { rgba: await decode(clip.frameAt(i)), durationMs: (durations[i] as number) / speed };
  }
}

/** Even clip size from the first frame, `width` wide with its aspect (as the CLI's --scale). */
function clipSize(clip: ClipSource, width?: number): { width: number; height: number } {
  const first = clip.frameInfo(0);
  if (width === undefined || width === first.width) return { width: first.width, height: first.height };
  const w = Math.max(2, Math.round(width));
  return { width: w, height: Math.max(2, 2 * Math.round((w * first.height) / first.width / 2)) };
}

async function scratch(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  // Files of earlier exports were handed to the page and are downloaded or shared by now.
  try {
    await root.removeEntry(EXPORT_SCRATCH, { recursive: true });
  } catch {
    // Nothing to clear.
  }
  return root.getDirectoryHandle(EXPORT_SCRATCH, { create: true });
}

async function run(source: PlayerSource, spec: ExportSpec, name: string, fileName: string): Promise<void> {
  const stream = await openStream(source);
  const dir = await scratch();
  const target = await OpfsStore.open(dir, fileName, true);
  const signal = controller.signal;
  let summary: string;
  try {
    summary = await write(stream, spec, target, signal);
    // The .bin and AVI writers flush and close the store themselves; the others are flushed here.
    if (spec.kind === 'gif' || spec.kind === 'still') target.flush();
    target.close();
    if (signal.aborted) throw signal.reason;
  } catch (e) {
    target.close();
    await dir.removeEntry(fileName).catch(() => undefined);
    throw e;
  } finally {
    stream.close();
  }
  const stored = await (await dir.getFileHandle(fileName)).getFile();
  const type = mimeOf(name);
  const file = new File([stored], name, { type });
  post({ type: 'done', file, summary });
}

function mimeOf(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return (
    {
      gif: 'image/gif',
      avi: 'video/x-msvideo',
      bin: 'application/x-openmv-imageio',
      bmp: 'image/bmp',
      pgm: 'image/x-portable-graymap',
      ppm: 'image/x-portable-pixmap',
      jpg: 'image/jpeg',
      jpeg: 'image/jpeg',
      png: 'image/png',
    }[ext] ?? 'application/octet-stream'
  );
}

async function write(
  stream: FileImageIO,
  spec: ExportSpec,
  target: OpfsStore,
  signal: AbortSignal,
): Promise<string> {
  const progress = (done: number, total: number): void => post({ type: 'progress', done, total });
  if (spec.kind === 'still') {
    const bytes = await still(stream, spec);
    target.write(0, bytes);
    progress(1, 1);
    return `frame ${spec.frame + 1}, ${bytes.length} bytes`;
  }
  const clip = clipOf(stream, { from: spec.from, to: spec.to });
  const n = clip.count();
  progress(0, n);
  if (spec.kind === 'bin') {
    const io = ImageIO.open(target, 'w');
    try {
      for (let i = 0; i < n; i++) {
        if (signal.aborted) throw signal.reason;
        io.write(clip.frameAt(i), { elapsedMs: clip.frameInfo(i).elapsedMs });
        if (i % 8 === 7 || i === n - 1) progress(i + 1, n);
      }
      return `${n} frames, V2.0, ${io.size()} bytes`;
    } finally {
      io.close();
    }
  }
  if (spec.kind === 'avi') {
    const { width, height } = clipSize(clip);
    const r = await imageIoToAvi(clip, target, {
      width,
      height,
      signal,
      onProgress: progress,
      encode: async (frame, w, h) =>
        encodeJpeg(letterbox(await decode(frame), w, h), { quality: spec.quality ?? CLIP_QUALITY }),
    });
    return `${r.frames} frames, ${width}x${height}, ${(r.durationMs / 1000).toFixed(2)} s; ${r.copied} JPEG frames copied, ${r.encoded} encoded`;
  }
  const size = spec.width === undefined ? {} : clipSize(clip, spec.width);
  const s = await encodeGif(
    rgbaFrames(clip, spec.speed),
    {
      ...size,
      palette: spec.palette,
      dither: spec.dither,
      loop: spec.loop,
      signal,
      encoder: gifPoolEncoder({ signal }),
      onProgress: (p) => progress(Math.min(n, p.frames), n),
    },
    target,
  );
  return `${s.frames} frames, ${s.width}x${s.height}, ${(s.durationCs / 100).toFixed(2)} s, ${s.bytes} bytes${s.dropped ? `; ${s.dropped} frames under 20 ms merged` : ''}`;
}

async function still(stream: FileImageIO, spec: ExportSpec & { kind: 'still' }): Promise<Uint8Array> {
  const image = stream.frameAt(spec.frame);
  const fmt = image.pixformat;
  const compressed = fmt === PIXFORMAT.JPEG || fmt === PIXFORMAT.PNG;
  if (spec.format === 'jpeg') {
    const opts = { quality: spec.quality ?? STILL_QUALITY, subsampling: spec.subsampling ?? 'auto' };
    // A JPEG frame is written untouched (as Image.save does) unless a region is cut out of it.
    if (fmt === PIXFORMAT.JPEG && !spec.roi) return image.data.slice();
    if (compressed || spec.roi) {
      const rgba = await decode(image);
      return encodeJpeg(spec.roi ? crop(rgba, spec.roi) : rgba, opts);
    }
    return encodeJpeg(image, opts);
  }
  if (spec.format === 'png' && (compressed || spec.roi)) {
    // saveStill ignores a roi for PNG (as the firmware): crop the pixels first.
    const rgba = await decode(image);
    return encodePngRgba(spec.roi ? crop(rgba, spec.roi) : rgba);
  }
  return saveStill(image, spec.format, { roi: spec.roi });
}

/** Estimated GIF size: a few frames spread over the selection, encoded as they will be, scaled to all. */
async function estimate(source: PlayerSource, spec: ExportSpec & { kind: 'gif' }): Promise<void> {
  const stream = await openStream(source);
  try {
    const clip = clipOf(stream, { from: spec.from, to: spec.to });
    const n = clip.count();
    const picks = [...new Set([0, Math.floor(n / 2), n - 1])];
    const frames: GifInputFrame[] = [];
    for (const i of picks) frames.push({ rgba: await decode(clip.frameAt(i)), durationMs: 100 });
    const size: { width?: number; height?: number } =
      spec.width === undefined ? {} : clipSize(clip, spec.width);
    const chunks: Uint8Array[] = [];
    const s = await encodeGif(
      frames,
      { ...size, palette: spec.palette, dither: spec.dither, loop: spec.loop },
      chunks,
    );
    const first = frames[0]!.rgba;
    const [width, height] = scaledSize(first.width, first.height, size.width, size.height);
    // Header and palette once, blocks per frame.
    const header = 13 + 768 + 19;
    const perFrame = Math.max(1, (s.bytes - header) / picks.length);
    post({ type: 'estimate', bytes: Math.round(header + perFrame * n), frames: n, width, height });
  } finally {
    stream.close();
  }
}
