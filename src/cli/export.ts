import { extname } from 'node:path';
import { ImageIO, PIXFORMAT, ValueError, type FileImageIO } from '../format/index';
import { frameDurations, imageIoToAvi } from '../format/avi/index';
import { encodeGif, type GifInputFrame } from '../format/gif/index';
import { CLIP_QUALITY, STILL_QUALITY, encodeJpeg } from '../format/jpeg/index';
import { letterbox } from '../format/raster';
import { encodePngRgba, saveStill, type Roi } from '../format/stills/index';
import { clipOf, resolveFrame, type ClipSource } from '../export/clip';
import type { Output } from './commands';
import { CliError, UsageError } from './errors';
import { openStream, writeViaTempAsync } from './files';
import { nodeFrameDecoder } from './node-decoder';
import { NodeFileStore } from './node-file-store';

/** `export <in.bin> <out.ext> [options]`. */
export interface ExportArgs {
  input: string;
  output: string;
  from?: number;
  to?: number;
  frame?: number;
  quality?: number;
  scale?: number;
  fps?: number;
  loop: boolean;
  roi?: Roi;
}

/** Reports progress of long jobs (frames done of total). */
export type Progress = (done: number, total: number) => void;

const CLIPS = ['.avi', '.gif', '.bin'] as const;
const STILLS = ['.bmp', '.pgm', '.ppm', '.jpg', '.jpeg', '.png'] as const;

/**
 * Writes a recording (or part of it) as another file, chosen by the output's extension: a clip
 * (Motion-JPEG AVI, animated GIF, a trimmed ImageIO stream) or one frame as a still image.
 */
export async function exportFile(args: ExportArgs, out: Output, progress: Progress): Promise<void> {
  const ext = extname(args.output).toLowerCase();
  const isClip = (CLIPS as readonly string[]).includes(ext);
  if (!isClip && !(STILLS as readonly string[]).includes(ext)) {
    throw new UsageError(`cannot export to '${ext || args.output}': use ${[...CLIPS, ...STILLS].join(', ')}`);
  }
  checkOptions(args, ext, isClip);
  const stream = openStream(args.input);
  try {
    const line = isClip
      ? await exportClip(stream, args, ext, progress)
      : await exportStill(stream, args, ext);
    await out.write(`${line}\n`);
  } finally {
    stream.close();
  }
}

/** Refuses options that do not apply to the chosen output, instead of silently ignoring them. */
function checkOptions(args: ExportArgs, ext: string, isClip: boolean): void {
  const given = (name: string, v: unknown) => (v === undefined ? [] : [name]);
  const clipOnly = [...given('--from', args.from), ...given('--to', args.to), ...given('--fps', args.fps)];
  if (!isClip && clipOnly.length)
    throw new UsageError(`${clipOnly.join(', ')} apply to clips (.avi, .gif, .bin)`);
  if (isClip && args.frame !== undefined)
    throw new UsageError('--frame applies to still images; use --from/--to for clips');
  if (!args.loop && ext !== '.gif') throw new UsageError('--no-loop applies to .gif');
  if (args.scale !== undefined && ext !== '.avi' && ext !== '.gif')
    throw new UsageError('--scale applies to .avi and .gif');
  if (args.roi && !['.bmp', '.pgm', '.ppm'].includes(ext)) {
    throw new UsageError('--roi is honoured by .bmp, .pgm and .ppm (as Image.save on the camera)');
  }
  if (args.quality !== undefined && !['.avi', '.jpg', '.jpeg'].includes(ext)) {
    throw new UsageError('--quality applies to .jpg and .avi');
  }
}

async function exportClip(
  stream: FileImageIO,
  args: ExportArgs,
  ext: string,
  progress: Progress,
): Promise<string> {
  const clip = clipOf(stream, { from: args.from, to: args.to, fps: args.fps });
  const n = clip.count();
  if (ext === '.bin') return exportBin(clip, args, progress);
  if (ext === '.avi') return exportAvi(clip, args, progress);
  return exportGif(clip, args, progress, n);
}

/** Each frame decoded to RGBA with how long it stays on screen (the same timing as the AVI export). */
async function* rgbaFrames(clip: ClipSource): AsyncGenerator<GifInputFrame> {
  const n = clip.count();
  const elapsed = Array.from({ length: n }, (_, i) => clip.frameInfo(i).elapsedMs);
  const durations = frameDurations(elapsed, 100);
  for (let i = 0; i < n; i++) {
    yield { rgba: await nodeFrameDecoder(clip.frameAt(i)), durationMs: durations[i] as number };
  }
}

/** An animated GIF: an adaptive global palette, real LZW, delays that add up to the recording's time. */
async function exportGif(clip: ClipSource, args: ExportArgs, progress: Progress, n: number): Promise<string> {
  const size = args.scale === undefined ? {} : clipSize(clip, args.scale);
  const summary = await writeViaTempAsync(args.output, async (tmp) => {
    const store = new NodeFileStore(tmp, 'w');
    try {
      return await encodeGif(
        rgbaFrames(clip),
        { ...size, loop: args.loop, onProgress: (p) => progress(p.frames, n) },
        store,
      );
    } finally {
      store.close();
    }
  });
  const dropped = summary.dropped
    ? `; ${summary.dropped} frames shorter than 20 ms merged into the next`
    : '';
  return (
    `wrote ${summary.frames} frames to '${args.output}' (${summary.width}x${summary.height} GIF, ` +
    `${(summary.durationCs / 100).toFixed(2)} s, ${summary.bytes} bytes${args.loop ? ', looping' : ', plays once'}${dropped})`
  );
}

/** A trimmed (and optionally retimed) copy as a V2.0 stream; payloads are copied as they are. */
async function exportBin(clip: ClipSource, args: ExportArgs, progress: Progress): Promise<string> {
  const n = clip.count();
  const bytes = await writeViaTempAsync(args.output, async (tmp) => {
    const io = ImageIO.open(new NodeFileStore(tmp, 'w'), 'w');
    try {
      for (let i = 0; i < n; i++) {
        io.write(clip.frameAt(i), { elapsedMs: clip.frameInfo(i).elapsedMs });
        progress(i + 1, n);
      }
      return io.size();
    } finally {
      io.close();
    }
  });
  return `wrote ${n} frames to '${args.output}' (V2.0, ${bytes} bytes)`;
}

/** Clip size: the first frame's, or `--scale W` wide with its aspect (even sizes, which players prefer). */
function clipSize(clip: ClipSource, scale?: number): { width: number; height: number } {
  const first = clip.frameInfo(0);
  if (scale === undefined) return { width: first.width, height: first.height };
  if (!(Number.isInteger(scale) && scale >= 2 && scale <= 8192))
    throw new ValueError(`--scale must be 2 to 8192, not ${scale}`);
  const height = Math.max(2, 2 * Math.round((scale * first.height) / first.width / 2));
  return { width: scale, height };
}

async function exportAvi(clip: ClipSource, args: ExportArgs, progress: Progress): Promise<string> {
  const quality = args.quality ?? CLIP_QUALITY;
  const { width, height } = clipSize(clip, args.scale);
  const result = await writeViaTempAsync(args.output, (tmp) =>
    imageIoToAvi(clip, new NodeFileStore(tmp, 'w'), {
      width,
      height,
      onProgress: progress,
      // Frames that are not JPEGs of the clip's size: decoded, letterboxed as the mjpeg module places them, encoded.
      encode: async (frame, w, h) => encodeJpeg(letterbox(await nodeFrameDecoder(frame), w, h), { quality }),
    }),
  );
  return (
    `wrote ${result.frames} frames to '${args.output}' (${width}x${height} Motion-JPEG AVI, ` +
    `${(result.durationMs / 1000).toFixed(3)} s; ${result.copied} JPEG frames copied, ${result.encoded} encoded at quality ${quality})`
  );
}

async function exportStill(stream: FileImageIO, args: ExportArgs, ext: string): Promise<string> {
  const index = resolveFrame(args.frame ?? 0, stream.count(), '--frame');
  const image = stream.frameAt(index);
  let bytes: Uint8Array;
  if (ext === '.jpg' || ext === '.jpeg') {
    // A JPEG frame is written untouched (as Image.save does); others are encoded at the still quality.
    if (image.pixformat === PIXFORMAT.PNG)
      bytes = encodeJpeg(await nodeFrameDecoder(image), { quality: args.quality ?? STILL_QUALITY });
    else bytes = encodeJpeg(image, { quality: args.quality ?? STILL_QUALITY });
  } else if (ext === '.png' && image.pixformat === PIXFORMAT.JPEG) {
    bytes = encodePngRgba(await nodeFrameDecoder(image));
  } else {
    try {
      bytes = saveStill(image, ext.slice(1) as 'bmp' | 'pgm' | 'ppm' | 'png', { roi: args.roi });
    } catch (err) {
      // The camera's words, plus what the frame is, so the user sees why (e.g. RGB565 is not PGM).
      if (err instanceof Error)
        throw new CliError(`${err.name}: ${err.message} (frame ${index} is ${image.toString()})`);
      throw err;
    }
  }
  await writeViaTempAsync(args.output, async (tmp) => {
    const store = new NodeFileStore(tmp, 'w');
    try {
      store.write(0, bytes);
      store.flush();
    } finally {
      store.close();
    }
  });
  return `wrote frame ${index} (${image.toString()}) to '${args.output}' (${bytes.length} bytes)`;
}
