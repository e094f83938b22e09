/**
 * The GIF89a writer, in stages that can run apart (pure code):
 *
 * 1. {@link encodeFrameJob}: one frame's RGBA → palette (or a given one) → indices (optionally dithered)
 *    → {@link encodeFrame}: a self-contained image block (Graphic Control Extension, image descriptor,
 *    optional local colour table, LZW data). This is the expensive part and runs in parallel workers.
 * 2. {@link GifWriter}: header, logical screen, global colour table, NETSCAPE2.0 loop extension, the
 *    blocks in order, trailer; streamed to a ByteStore or handed out as chunks.
 * 3. {@link encodeGif}: the whole export (trim, scale, delays, palette, stitching).
 *
 * What the project writes (formats.md Part A, "GIF export"): an adaptive palette and real LZW, per-frame
 * delays in centiseconds (see delays.ts), loop on by default. The camera's own layout (B §7: 128-colour
 * fixed palette, one clear code per 126 pixels) is read by reader.ts but not written.
 */
import type { ByteStore } from '../byte-store';
import { concatBytes } from '../bytes';
import { ValueError } from '../errors';
import { resizeBilinear, type RgbaImage } from '../raster';
import { DelayClock, MAX_DELAY_CS } from './delays';
import { ditherBayer, ditherFloydSteinberg, ditherMode, type DitherMode } from './dither';
import { lzwEncode } from './lzw';
import { buildPalette, checkPalette, ColorMapper, type Palette, type PaletteKind } from './quantize';

/** GIF dimensions are u16. */
export const MAX_GIF_DIMENSION = 0xffff;

export type DisposalMethod = 0 | 1 | 2 | 3;

/** Options of {@link encodeFrame}. */
export interface FrameBlockOptions {
  /** Delay after this frame, centiseconds, 0..65535. Default 0. */
  delayCs?: number;
  /**
   * What happens to the frame's area before the next one: 0 unspecified, 1 leave it (default), 2 clear
   * it to the background, 3 restore what was there before.
   */
  disposal?: DisposalMethod;
  /** Palette index drawn as transparent, or null (default) for none. */
  transparentIndex?: number | null;
  /** Position on the logical screen. Default (0, 0). */
  left?: number;
  top?: number;
  /** Write the Graphic Control Extension. Default true (the writer patches delays into it). */
  graphicControl?: boolean;
}

/** Bits of a colour table holding `n` colours: the smallest k ≥ 1 with 2^k ≥ n. */
export function tableBits(n: number): number {
  let k = 1;
  while (1 << k < n) k++;
  return k;
}

function checkDimension(what: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min && v <= MAX_GIF_DIMENSION)) {
    throw new ValueError(`Invalid GIF ${what} ${v}`);
  }
}

function writeTable(out: Uint8Array, at: number, palette: Palette, bits: number): number {
  out.set(palette, at);
  const size = 3 << bits;
  out.fill(0, at + palette.length, at + size);
  return at + size;
}

/**
 * One frame as a complete GIF image block: `[GCE] image descriptor [local colour table] LZW data`.
 *
 * @param indices width × height palette indices, rows top to bottom.
 * @param palette this frame's local colour table, or null to use the global one (then every index must
 *   fit the global table; the LZW code size follows the largest index).
 * @throws ValueError for bad sizes, a malformed palette or an index outside the palette.
 */
export function encodeFrame(
  indices: Uint8Array,
  width: number,
  height: number,
  palette: Palette | null,
  options: FrameBlockOptions = {},
): Uint8Array {
  checkDimension('frame width', width, 1);
  checkDimension('frame height', height, 1);
  if (indices.length !== width * height) {
    throw new ValueError(`Expected ${width * height} indices, got ${indices.length}`);
  }
  const left = options.left ?? 0;
  const top = options.top ?? 0;
  checkDimension('frame left', left, 0);
  checkDimension('frame top', top, 0);
  const delay = options.delayCs ?? 0;
  if (!(Number.isInteger(delay) && delay >= 0 && delay <= MAX_DELAY_CS)) {
    throw new ValueError(`Invalid GIF delay ${delay} cs (0..${MAX_DELAY_CS})`);
  }
  const disposal = options.disposal ?? 1;
  const transparent = options.transparentIndex ?? null;
  let bits: number;
  if (palette) {
    checkPalette(palette);
    bits = tableBits(palette.length / 3);
    const n = palette.length / 3;
    for (let i = 0; i < indices.length; i++) {
      if ((indices[i] as number) >= n)
        throw new ValueError(`Index ${indices[i]} outside a ${n}-colour palette`);
    }
  } else {
    let max = 0;
    for (let i = 0; i < indices.length; i++) if ((indices[i] as number) > max) max = indices[i] as number;
    bits = tableBits(max + 1);
  }
  if (transparent !== null && !(Number.isInteger(transparent) && transparent >= 0 && transparent <= 255)) {
    throw new ValueError(`Invalid transparent index ${transparent}`);
  }
  const data = lzwEncode(indices, Math.max(2, bits));
  const gce = options.graphicControl ?? true;
  const tableSize = palette ? 3 << bits : 0;
  const out = new Uint8Array((gce ? 8 : 0) + 10 + tableSize + data.length);
  let p = 0;
  if (gce) {
    out.set([0x21, 0xf9, 4, ((disposal & 7) << 2) | (transparent !== null ? 1 : 0)], 0);
    out[4] = delay & 0xff;
    out[5] = delay >> 8;
    out[6] = transparent ?? 0;
    out[7] = 0;
    p = 8;
  }
  out[p] = 0x2c;
  out[p + 1] = left & 0xff;
  out[p + 2] = left >> 8;
  out[p + 3] = top & 0xff;
  out[p + 4] = top >> 8;
  out[p + 5] = width & 0xff;
  out[p + 6] = width >> 8;
  out[p + 7] = height & 0xff;
  out[p + 8] = height >> 8;
  out[p + 9] = palette ? 0x80 | (bits - 1) : 0;
  p += 10;
  if (palette) p = writeTable(out, p, palette, bits);
  out.set(data, p);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The writer

/** Anything with `push(chunk)`, such as a plain `Uint8Array[]`. Chunks are handed over, never reused. */
export interface ChunkSink {
  push(chunk: Uint8Array): unknown;
}

/**
 * Where a GIF goes: a {@link ByteStore} (written from offset 0, truncated to the GIF's length and flushed
 * by `finish()`, not closed), or a {@link ChunkSink} that receives the bytes as they are produced.
 */
export type GifSink = ByteStore | ChunkSink;

export interface GifWriterOptions {
  /** Logical screen size (1..65535). */
  width: number;
  height: number;
  /** The global colour table, or null/omitted for none (then every frame brings a local table). */
  globalPalette?: Palette | null;
  /**
   * `true` (default): loop forever (NETSCAPE2.0 extension with count 0, like the camera's `loop=True`).
   * `false`: no extension, so players show the animation once (the GIF89a default). A number n ≥ 1:
   * the extension with count n, which browsers read as "repeat n more times" (n + 1 plays).
   */
  loop?: boolean | number;
  /** Background colour index (logical screen descriptor). Default 0. */
  background?: number;
}

const isStore = (sink: GifSink): sink is ByteStore => typeof (sink as ByteStore).readInto === 'function';

/** One block showing nothing new for `delayCs` (a transparent 1×1 pixel): how delays over 65535 cs are split. */
function holdBlock(delayCs: number): Uint8Array {
  return encodeFrame(new Uint8Array(1), 1, 1, new Uint8Array(6), {
    delayCs,
    transparentIndex: 0,
    disposal: 1,
  });
}

/**
 * Streams a GIF: the header on construction, then image blocks in order, then the trailer on `finish()`.
 * Nothing is buffered beyond the block being written.
 */
export class GifWriter {
  private readonly sink: GifSink;
  private offset = 0;
  private finished = false;
  private blocks = 0;
  readonly width: number;
  readonly height: number;

  /** @throws ValueError for bad sizes, a malformed palette or loop count. */
  constructor(sink: GifSink, options: GifWriterOptions) {
    const { width, height } = options;
    checkDimension('width', width, 1);
    checkDimension('height', height, 1);
    this.sink = sink;
    this.width = width;
    this.height = height;
    const palette = options.globalPalette ?? null;
    const loop = options.loop ?? true;
    if (typeof loop === 'number' && !(Number.isInteger(loop) && loop >= 1 && loop <= 0xffff)) {
      throw new ValueError(`Invalid loop count ${loop} (1..65535, or true for forever)`);
    }
    const bg = options.background ?? 0;
    let bits = 0;
    if (palette) {
      checkPalette(palette);
      bits = tableBits(palette.length / 3);
    }
    const head = new Uint8Array(13 + (palette ? 3 << bits : 0) + (loop === false ? 0 : 19));
    head.set([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, width & 0xff, width >> 8, height & 0xff, height >> 8]);
    // Global table flag, colour resolution 8 bits, table size.
    head[10] = palette ? 0x80 | 0x70 | (bits - 1) : 0x70;
    head[11] = bg & 0xff;
    head[12] = 0;
    let p = 13;
    if (palette) p = writeTable(head, p, palette, bits);
    if (loop !== false) {
      const count = loop === true ? 0 : loop;
      head.set([0x21, 0xff, 0x0b, ...Array.from('NETSCAPE2.0', (c) => c.charCodeAt(0))], p);
      head.set([3, 1, count & 0xff, count >> 8, 0], p + 14);
    }
    this.emit(head);
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Image blocks written so far (including any hold blocks). */
  get frameCount(): number {
    return this.blocks;
  }

  /**
   * Appends an image block from {@link encodeFrame}. With `delayCs`, the block's GCE delay is replaced
   * (the block itself is not modified; a block without a GCE gets one), and a delay over 65535 cs is
   * continued by 1×1 transparent hold blocks, so any duration is kept exactly.
   */
  writeFrame(block: Uint8Array, delayCs?: number): void {
    if (this.finished) throw new ValueError('GIF already finished');
    if (delayCs === undefined) {
      this.emit(block);
      this.blocks++;
      return;
    }
    if (!(Number.isInteger(delayCs) && delayCs >= 0)) throw new ValueError(`Invalid GIF delay ${delayCs} cs`);
    const first = Math.min(delayCs, MAX_DELAY_CS);
    const hasGce = block[0] === 0x21 && block[1] === 0xf9;
    const gce = hasGce ? block.slice(0, 8) : Uint8Array.from([0x21, 0xf9, 4, 0, 0, 0, 0, 0]);
    gce[4] = first & 0xff;
    gce[5] = first >> 8;
    this.emit(gce);
    this.emit(hasGce ? block.subarray(8) : block);
    this.blocks++;
    for (let rest = delayCs - first; rest > 0; rest -= MAX_DELAY_CS) {
      this.emit(holdBlock(Math.min(rest, MAX_DELAY_CS)));
      this.blocks++;
    }
  }

  /** Writes the trailer; a store is truncated to the GIF's length and flushed. Returns the GIF's length. */
  finish(): number {
    if (this.finished) return this.offset;
    this.emit(Uint8Array.of(0x3b));
    this.finished = true;
    if (isStore(this.sink)) {
      this.sink.truncate(this.offset);
      this.sink.flush();
    }
    return this.offset;
  }

  private emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (isStore(this.sink)) this.sink.write(this.offset, bytes);
    else this.sink.push(bytes);
    this.offset += bytes.length;
  }
}

/** Joins chunks (from a {@link ChunkSink} array) into one array. */
export const concatChunks = (chunks: readonly Uint8Array[]): Uint8Array => concatBytes(chunks);

// ---------------------------------------------------------------------------------------------------
// Frame jobs: what a worker does for one frame

/** One frame to encode, as sent to a (possibly parallel) frame encoder. */
export interface FrameJob {
  rgba: RgbaImage;
  /** The global palette to map to (no local table is written), or null: build this frame's own (local) palette. */
  palette: Palette | null;
  /** How `palette` was made (see ColorMapper); 'auto' when unknown. */
  paletteKind?: PaletteKind | 'auto';
  /** Identifies `palette`, so an encoder can keep its colour cache across frames. */
  paletteId?: number;
  dither?: DitherMode;
  /** The job owns `rgba` (a scaled copy): an encoder may transfer its buffer instead of copying it. */
  owned?: boolean;
}

let mapperCache: { id: number; palette: Palette; mapper: ColorMapper } | null = null;
/** Palette ids for FrameJob.paletteId: unique within this thread. */
let nextPaletteId = 1;

function mapperFor(palette: Palette, kind: PaletteKind | 'auto', id: number | undefined): ColorMapper {
  if (
    id !== undefined &&
    mapperCache &&
    mapperCache.id === id &&
    mapperCache.palette.length === palette.length
  ) {
    return mapperCache.mapper;
  }
  const mapper = new ColorMapper(palette, kind);
  if (id !== undefined) mapperCache = { id, palette, mapper };
  return mapper;
}

/** Palette indices for one frame on `mapper`'s palette, with the dither asked for. */
export function indexFrame(rgba: RgbaImage, mapper: ColorMapper, dither: DitherMode = 'none'): Uint8Array {
  const { width, height, data } = rgba;
  const out = new Uint8Array(width * height);
  if (dither === 'floyd-steinberg') return ditherFloydSteinberg(data, width, height, mapper, out);
  if (dither === 'bayer') return ditherBayer(data, width, height, mapper, out);
  return mapper.map(data.subarray(0, width * height * 4), out);
}

/**
 * Encodes one frame job into an image block with a GCE whose delay is 0 (the writer sets delays):
 * the pure function a GIF worker runs.
 */
export function encodeFrameJob(job: FrameJob): Uint8Array {
  const { rgba } = job;
  const dither = job.dither ?? 'none';
  if (rgba.data.length < rgba.width * rgba.height * 4) {
    throw new ValueError(`RGBA data too short for ${rgba.width}x${rgba.height}`);
  }
  if (job.palette) {
    const mapper = mapperFor(job.palette, job.paletteKind ?? 'auto', job.paletteId);
    return encodeFrame(indexFrame(rgba, mapper, dither), rgba.width, rgba.height, null);
  }
  const built = buildPalette(rgba);
  const mapper = new ColorMapper(built.palette, built.kind);
  return encodeFrame(indexFrame(rgba, mapper, dither), rgba.width, rgba.height, built.palette);
}

/** Turns frame jobs into image blocks, in order. The default runs {@link encodeFrameJob} in-process. */
export type FrameBlockEncoder = (jobs: AsyncIterable<FrameJob>) => AsyncIterable<Uint8Array>;

/** The in-process {@link FrameBlockEncoder}. */
export const inProcessEncoder: FrameBlockEncoder = async function* (jobs) {
  for await (const job of jobs) yield encodeFrameJob(job);
};

// ---------------------------------------------------------------------------------------------------
// The whole export

/** One input frame: its pixels and how long it is shown (the recorded interval to the next frame). */
export interface GifInputFrame {
  rgba: RgbaImage;
  durationMs: number;
}

/** The part of AbortSignal pure code can rely on. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

export interface EncodeGifOptions {
  /**
   * Scale target. With both, the frames fit inside width × height with their aspect ratio kept; with one,
   * the other follows the aspect ratio. Bilinear filtering. Default: the first frame's size.
   */
  width?: number;
  height?: number;
  /**
   * 'global' (default): one palette for the whole clip, built from up to `sampleFrames` frames (spread
   * over the clip when `frames` is an array, otherwise the first ones), or `globalPalette` if given.
   * Smaller files, no palette flicker. 'per-frame': each frame gets its own local colour table; best
   * colours when the scene changes.
   */
  palette?: 'global' | 'per-frame';
  /** Use this global palette instead of building one (palette 'global' only). */
  globalPalette?: Palette;
  /** Frames sampled for the global palette. Default 16. */
  sampleFrames?: number;
  /** Default false. `true` is Floyd–Steinberg. */
  dither?: boolean | DitherMode;
  /** See {@link GifWriterOptions.loop}. Default true (loop forever). */
  loop?: boolean | number;
  /** Trim: the first frame index to export (inclusive). Default 0. */
  from?: number;
  /** Trim: the frame index to stop before (exclusive). Default: the end. */
  to?: number;
  /** Runs the frame jobs (e.g. a worker pool); default in-process. Must yield blocks in job order. */
  encoder?: FrameBlockEncoder;
  signal?: AbortLike;
  /** Called after each frame is written. */
  onProgress?: (progress: { frames: number; bytes: number }) => void;
}

export interface GifSummary {
  width: number;
  height: number;
  /** Image blocks written (frames kept, plus any hold blocks for delays over 65535 cs). */
  frames: number;
  /** Input frames in the trim range that were dropped because they would last under 2 cs. */
  dropped: number;
  /** Sum of the delays: `round(recorded duration / 10)`. */
  durationCs: number;
  bytes: number;
}

function checkAborted(signal: AbortLike | undefined): void {
  if (signal?.aborted) {
    if (signal.reason !== undefined) throw signal.reason;
    const e = new Error('GIF export aborted');
    e.name = 'AbortError';
    throw e;
  }
}

/** Output size for a `w × h` source under the scale options. */
export function scaledSize(w: number, h: number, width?: number, height?: number): [number, number] {
  if (width === undefined && height === undefined) return [w, h];
  if (width !== undefined) checkDimension('width', width, 1);
  if (height !== undefined) checkDimension('height', height, 1);
  const s =
    width !== undefined && height !== undefined
      ? Math.min(width / w, height / h)
      : width !== undefined
        ? width / w
        : (height as number) / h;
  const ow = Math.min(MAX_GIF_DIMENSION, Math.max(1, Math.round(w * s)));
  const oh = Math.min(MAX_GIF_DIMENSION, Math.max(1, Math.round(h * s)));
  return [ow, oh];
}

type Indexed = GifInputFrame & { index: number };

async function* trimmed(
  frames: AsyncIterable<GifInputFrame> | Iterable<GifInputFrame>,
  from: number,
  to: number,
): AsyncGenerator<Indexed> {
  let i = 0;
  for await (const f of frames) {
    if (i >= to) return;
    if (i >= from) yield { ...f, index: i };
    i++;
  }
}

/**
 * Encodes an animated GIF into `sink`.
 *
 * * Trim (`from`/`to`, by frame index) first, then scale, then delays: each frame's delay comes from its
 *   `durationMs` with the rounding error carried forward (delays.ts), so the GIF lasts as long as the
 *   frames did to the nearest centisecond; frames that would last under 2 cs are dropped (their time
 *   goes to the next frame; see delays.ts for why).
 * * Loop forever by default; palette 'global' by default; no dither by default.
 * * Streaming: frames are pulled one at a time (plus up to `sampleFrames` held for a global palette
 *   built from a non-array source), blocks are written as they arrive; only one finished block is held
 *   back (the last frame's delay is final only at the end).
 *
 * @throws ValueError for bad options, an empty trim range or frames of inconsistent data.
 */
export async function encodeGif(
  frames: AsyncIterable<GifInputFrame> | Iterable<GifInputFrame>,
  options: EncodeGifOptions,
  sink: GifSink,
): Promise<GifSummary> {
  const from = options.from ?? 0;
  const to = options.to ?? Infinity;
  if (!(Number.isInteger(from) && from >= 0)) throw new ValueError(`Invalid trim start ${from}`);
  if (!(to === Infinity || (Number.isInteger(to) && to >= from)))
    throw new ValueError(`Invalid trim end ${to}`);
  const mode = options.palette ?? 'global';
  if (mode !== 'global' && mode !== 'per-frame') throw new ValueError(`Invalid palette mode ${String(mode)}`);
  const dither = ditherMode(options.dither);
  const sampleCount = options.sampleFrames ?? 16;
  if (!(Number.isInteger(sampleCount) && sampleCount >= 1))
    throw new ValueError(`Invalid sampleFrames ${sampleCount}`);
  const signal = options.signal;

  const source = trimmed(frames, from, to);
  let outW = 0;
  let outH = 0;
  const scale = (f: Indexed): { rgba: RgbaImage; owned: boolean } => {
    const img = f.rgba;
    if (!(img.width > 0 && img.height > 0 && img.data.length >= img.width * img.height * 4)) {
      throw new ValueError(`Frame ${f.index}: invalid RGBA image ${img.width}x${img.height}`);
    }
    if (outW === 0) [outW, outH] = scaledSize(img.width, img.height, options.width, options.height);
    if (img.width === outW && img.height === outH) return { rgba: img, owned: false };
    return { rgba: resizeBilinear(img, outW, outH), owned: true };
  };

  // Frames pulled ahead of encoding (the global palette's samples), already scaled.
  const ahead: { frame: Indexed; rgba: RgbaImage; owned: boolean }[] = [];
  let palette: Palette | null = null;
  let paletteKind: PaletteKind | 'auto' = 'auto';
  if (mode === 'global') {
    if (options.globalPalette) {
      checkPalette(options.globalPalette);
      palette = options.globalPalette;
    } else {
      const samples: RgbaImage[] = [];
      if (Array.isArray(frames)) {
        const list = frames as readonly GifInputFrame[];
        const head = list[from];
        if (head) [outW, outH] = scaledSize(head.rgba.width, head.rgba.height, options.width, options.height);
        const end = Math.min(list.length, to);
        const span = end - from;
        const picks = new Set<number>();
        for (let k = 0; k < Math.min(sampleCount, span); k++) {
          picks.add(from + Math.floor(((k + 0.5) * span) / Math.min(sampleCount, span)));
        }
        for (const i of picks) samples.push(scale({ ...(list[i] as GifInputFrame), index: i }).rgba);
      } else {
        for (;;) {
          if (ahead.length >= sampleCount) break;
          const r = await source.next();
          if (r.done) break;
          ahead.push({ frame: r.value, ...scale(r.value) });
        }
        for (const a of ahead) samples.push(a.rgba);
      }
      if (samples.length > 0) {
        const built = buildPalette(samples, { global: true });
        palette = built.palette;
        paletteKind = built.kind;
      }
    }
  }

  const clock = new DelayClock();
  const delays: number[] = [];
  let dropped = 0;
  let lastDropped: { rgba: RgbaImage; owned: boolean } | null = null;
  const paletteId = nextPaletteId++;

  const makeJob = (rgba: RgbaImage, owned: boolean): FrameJob => ({
    rgba,
    owned,
    palette,
    paletteKind,
    paletteId: palette ? paletteId : undefined,
    dither,
  });

  async function* jobs(): AsyncGenerator<FrameJob> {
    const consider = (f: Indexed, rgba: RgbaImage, owned: boolean): FrameJob | null => {
      const delay = clock.next(f.durationMs);
      if (delay === 0) {
        dropped++;
        if (clock.kept === 0) lastDropped = { rgba, owned };
        return null;
      }
      lastDropped = null;
      delays.push(delay);
      return makeJob(rgba, owned);
    };
    while (ahead.length > 0) {
      checkAborted(signal);
      const a = ahead.shift() as (typeof ahead)[number];
      const job = consider(a.frame, a.rgba, a.owned);
      if (job) yield job;
    }
    for (;;) {
      checkAborted(signal);
      const r = await source.next();
      if (r.done) return;
      const { rgba, owned } = scale(r.value);
      const job = consider(r.value, rgba, owned);
      if (job) yield job;
    }
  }

  let writer: GifWriter | null = null;
  const open = (): GifWriter =>
    (writer ??= new GifWriter(sink, {
      width: outW,
      height: outH,
      globalPalette: palette,
      loop: options.loop ?? true,
    }));
  let pending: { block: Uint8Array; delay: number } | null = null;
  let written = 0;
  const write = (block: Uint8Array, delay: number): void => {
    const w = open();
    w.writeFrame(block, delay);
    written++;
    options.onProgress?.({ frames: written, bytes: w.bytesWritten });
  };

  const encoder = options.encoder ?? inProcessEncoder;
  try {
    for await (const block of encoder(jobs())) {
      checkAborted(signal);
      const delay = delays.shift();
      if (delay === undefined) throw new ValueError('Frame encoder returned more blocks than jobs');
      if (pending) write(pending.block, pending.delay);
      pending = { block, delay };
    }
  } finally {
    // Stopped early (abort, error): let the caller's frame source release what it holds.
    await source.return(undefined);
  }
  checkAborted(signal);
  if (delays.length > 0) throw new ValueError('Frame encoder returned fewer blocks than jobs');
  const rest = clock.finish();
  if (pending) {
    write(pending.block, pending.delay + rest);
  } else {
    const last = lastDropped as { rgba: RgbaImage; owned: boolean } | null;
    if (!last) throw new ValueError('No frames to encode (empty clip or trim range)');
    // Every frame was under 2 cs: keep the last one with the whole (0 or 1 cs) duration.
    dropped--;
    write(encodeFrameJob(makeJob(last.rgba, last.owned)), rest);
  }
  const w = open();
  const bytes = w.finish();
  return { width: outW, height: outH, frames: w.frameCount, dropped, durationCs: clock.targetCs(), bytes };
}
