import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readFrame, readMjpegAvi } from '../format/avi/index';
import { readGif } from '../format/gif/index';
import { Image, ImageIO, PIXFORMAT, ValueError, type FileImageIO } from '../format/index';
import { jpegInfo, loadStill } from '../format/stills/index';
import type { RgbaImage } from '../format/raster';
import type { Output } from './commands';
import { CliError, onFile } from './errors';
import type { Progress } from './export';
import { writeViaTempAsync } from './files';
import { NodeFileStore } from './node-file-store';

/** `import <in>... <out.bin> [--fps F]`. */
export interface ImportArgs {
  inputs: readonly string[];
  output: string;
  /** Frame rate for stills (default 10), and instead of the clips' own timing when given. */
  fps?: number;
}

const STILL_FPS = 10;

/**
 * Builds one V2.0 stream from AVI and GIF clips and still images, in the order given. Motion-JPEG AVI
 * frames are stored as the JPEG frames they are (byte for byte); GIF frames as RGB565, the camera's own
 * colour format, so the stream can be re-processed on a camera; BMP/PGM/PPM stills as GRAYSCALE or RGB565,
 * JPEG and PNG stills as they are (the firmware's `Image(path)`, formats.md B §6.7).
 */
export async function importFiles(args: ImportArgs, out: Output, progress: Progress): Promise<void> {
  if (!args.output.toLowerCase().endsWith('.bin'))
    throw new CliError(`the output must be a .bin file, not '${args.output}'`);
  if (args.fps !== undefined && !(args.fps > 0 && args.fps <= 1000))
    throw new ValueError(`--fps must be between 0 and 1000, not ${args.fps}`);
  const fixed = args.fps ? 1000 / args.fps : undefined;
  const counts: string[] = [];
  const { frames, bytes } = await writeViaTempAsync(args.output, async (tmp) => {
    const io = ImageIO.open(new NodeFileStore(tmp, 'w'), 'w');
    try {
      for (const input of args.inputs) {
        const before = io.count();
        await importOne(io, input, fixed, progress);
        counts.push(`${io.count() - before} from '${input}'`);
      }
      return { frames: io.count(), bytes: io.size() };
    } finally {
      io.close();
    }
  });
  await out.write(
    `wrote ${frames} frames to '${args.output}' (V2.0, ${bytes} bytes): ${counts.join(', ')}\n`,
  );
}

async function importOne(
  io: FileImageIO,
  input: string,
  fixedMs: number | undefined,
  progress: Progress,
): Promise<void> {
  const ext = extname(input).toLowerCase();
  if (ext === '.avi') {
    const store = onFile('open', input, () => new NodeFileStore(input, 'r'));
    try {
      const avi = readMjpegAvi(store);
      const interval = fixedMs ?? avi.usPerFrame / 1000;
      avi.frames.forEach((entry, i) => {
        const jpeg = readFrame(store, entry);
        const { width, height } = jpegInfo(jpeg);
        io.write(new Image(width, height, PIXFORMAT.JPEG, jpeg), { elapsedMs: interval });
        progress(i + 1, avi.frames.length);
      });
    } finally {
      store.close();
    }
    return;
  }
  const bytes = onFile('read', input, () => new Uint8Array(readFileSync(input)));
  if (ext === '.gif') {
    const gif = readGif(bytes);
    gif.frames.forEach((frame, i) => {
      io.write(rgb565Of(frame.rgba), { elapsedMs: fixedMs ?? frame.delayMs });
      progress(i + 1, gif.frames.length);
    });
    return;
  }
  if (!['.bmp', '.pgm', '.ppm', '.jpg', '.jpeg', '.png'].includes(ext)) {
    throw new CliError(`cannot import '${input}': use .avi, .gif, .bmp, .pgm, .ppm, .jpg or .png files`);
  }
  io.write(loadStill(bytes, { name: input }), { elapsedMs: fixedMs ?? 1000 / STILL_FPS });
}

/** RGBA to RGB565 by the firmware's truncating pack (formats.md B §1.6). */
function rgb565Of(rgba: RgbaImage): Image {
  const n = rgba.width * rgba.height;
  const out = new Uint8Array(n * 2);
  const d = rgba.data;
  for (let i = 0; i < n; i++) {
    const v =
      (((d[i * 4] as number) & 0xf8) << 8) |
      (((d[i * 4 + 1] as number) & 0xfc) << 3) |
      ((d[i * 4 + 2] as number) >> 3);
    out[i * 2] = v & 0xff;
    out[i * 2 + 1] = v >> 8;
  }
  return new Image(rgba.width, rgba.height, PIXFORMAT.RGB565, out);
}
