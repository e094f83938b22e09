import type { ByteStore } from '../byte-store';
import { ValueError } from '../errors';
import type { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { letterbox, type RgbaImage } from '../raster';
import { jpegSize } from './jpeg-size';
import { MjpegAviWriter } from './writer';

/**
 * Turns a frame that is not already a `width` x `height` JPEG into one: decode if needed, place it as
 * the mjpeg module does (letterbox), encode. Injected so the AVI code needs no JPEG encoder itself.
 */
export type JpegFrameEncoder = (
  frame: Image,
  width: number,
  height: number,
) => Uint8Array | Promise<Uint8Array>;

/** The frames of a recording: a FileImageIO opened for reading fits. */
export interface AviFrameSource {
  count(): number;
  frameInfo(i: number): { elapsedMs: number };
  frameAt(i: number): Image;
}

export interface ImageIoToAviOptions {
  /** Clip size; default the first frame's. */
  width?: number;
  height?: number;
  /** Needed only when some frame is not a JPEG of the clip's size; without it such a frame is a ValueError. */
  encode?: JpegFrameEncoder;
  /** Frame rate used when the recording has no timing (every interval 0). Default 30. */
  fps?: number;
  /** Passed to the writer (tests). */
  riffLimitBytes?: number;
  /** Called after each frame. */
  onProgress?: (done: number, total: number) => void;
  /** An AbortSignal (or anything with `aborted`): checked before each frame; its reason is thrown. */
  signal?: { readonly aborted: boolean; readonly reason?: unknown };
}

export interface ImageIoToAviResult {
  frames: number;
  /** JPEG frames copied byte for byte. */
  copied: number;
  /** Frames that went through `encode`. */
  encoded: number;
  /** The clip's length: the sum of the frame durations. */
  durationMs: number;
}

/**
 * How long each frame stays on screen, from ImageIO elapsed times (formats.md B §2.3: frame i's field is
 * the time since frame i-1; frame 0's counts from the stream's opening, so it is not used). Frame i lasts
 * until frame i+1; the last frame lasts the mean interval, so n frames span n mean intervals and the
 * clip plays at the recording's true rate, (n-1) / (t_last - t_first). A recording with no intervals
 * (one frame, or all zero) gets `fallbackMs` each.
 */
export function frameDurations(elapsedMs: ArrayLike<number>, fallbackMs: number): Float64Array {
  const n = elapsedMs.length;
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i + 1 < n; i++) {
    const d = Math.max(0, elapsedMs[i + 1] as number);
    out[i] = d;
    sum += d;
  }
  if (n > 0) out[n - 1] = n > 1 ? sum / (n - 1) : 0;
  if (sum === 0) out.fill(fallbackMs);
  return out;
}

/**
 * Exports a recording as an MJPEG AVI: JPEG frames of the clip's size are copied without re-encoding;
 * every other frame goes through `opts.encode`. Frame timing comes from the recording
 * (`frameDurations`). Closes `target` when done.
 */
export async function imageIoToAvi(
  source: AviFrameSource,
  target: ByteStore,
  opts: ImageIoToAviOptions = {},
): Promise<ImageIoToAviResult> {
  const total = source.count();
  const firstFrame = total > 0 ? source.frameAt(0) : null;
  const width = opts.width ?? firstFrame?.width ?? 0;
  const height = opts.height ?? firstFrame?.height ?? 0;
  const fps = opts.fps ?? 30;
  const elapsed = Array.from({ length: total }, (_, i) => source.frameInfo(i).elapsedMs);
  const durations = frameDurations(elapsed, 1000 / fps);
  const writer = new MjpegAviWriter(target, { width, height, fps, riffLimitBytes: opts.riffLimitBytes });
  let copied = 0;
  let encoded = 0;
  let durationMs = 0;
  for (let i = 0; i < total; i++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('Aborted');
    const frame = i === 0 && firstFrame ? firstFrame : source.frameAt(i);
    let jpeg: Uint8Array;
    if (isJpegOfSize(frame, width, height)) {
      jpeg = frame.data;
      copied += 1;
    } else if (opts.encode) {
      jpeg = await opts.encode(frame, width, height);
      encoded += 1;
    } else {
      throw new ValueError(
        `Frame ${i} is ${frame.toString()}, not a ${width}x${height} JPEG, and no encoder was given`,
      );
    }
    const d = durations[i] as number;
    writer.addFrame(jpeg, d);
    durationMs += d;
    opts.onProgress?.(i + 1, total);
  }
  writer.close();
  return { frames: total, copied, encoded, durationMs };
}

function isJpegOfSize(frame: Image, width: number, height: number): boolean {
  if (frame.pixformat !== PIXFORMAT.JPEG) return false;
  try {
    const s = jpegSize(frame.data);
    return s.width === width && s.height === height;
  } catch {
    return false;
  }
}

/**
 * A JpegFrameEncoder from two parts: `toRgba` (the engine's conversion, or a FrameDecoder for JPEG/PNG)
 * and `encodeRgba` (e.g. the project's JPEG encoder at CLIP_QUALITY). Frames of another size are
 * letterboxed into the clip as the mjpeg module does (formats.md B §8.2).
 */
export function letterboxEncoder(
  toRgba: (frame: Image) => RgbaImage | Promise<RgbaImage>,
  encodeRgba: (rgba: RgbaImage) => Uint8Array,
): JpegFrameEncoder {
  return async (frame, width, height) => encodeRgba(letterbox(await toRgba(frame), width, height));
}
