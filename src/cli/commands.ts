import { writeFileSync } from 'node:fs';
import { PIXFORMAT, ValueError, isCompressed, pixformatName, repair, type Image } from '../format/index';
import { toRgba } from '../format/pixels/index';
import { CliError, onFile } from './errors';
import { guardedStore, openSource, openStream, refuseToOverwrite, writeViaTemp } from './files';
import {
  damageLine,
  exactMs,
  frameRecord,
  summaryLines,
  tableHeader,
  tableLayout,
  tableRow,
  versionLabel,
  type StreamSummary,
} from './info-view';
import { NodeFileStore } from './node-file-store';

/**
 * The four commands, callable in-process: each takes its parsed arguments and an output sink, writes its
 * report to the sink and throws (CliError, or an engine/system error) on failure. Argument parsing, exit
 * codes and the real stdout live in main.ts, so tests run these without spawning a process.
 */

/** Where a command's report goes. A returned promise means "wait before writing more" (backpressure). */
export interface Output {
  /** Writes text; may throw or reject with OutputClosed when the reader has gone (`| head`). */
  write(text: string): void | Promise<void>;
}

/** `info <file.bin> [--json]`. */
export interface InfoArgs {
  file: string;
  json: boolean;
}

/** `extract <file.bin> <index> <out>`; a negative index counts from the end. */
export interface ExtractArgs {
  file: string;
  index: number;
  out: string;
}

/** `decode <file.bin> <index> <out.rgba> [--swap-rgb565]`. */
export interface DecodeArgs extends ExtractArgs {
  /** Swap RGB565 bytes: for V1.0 files written little-endian by firmware 3.7.0-3.9.1 (formats.md Part A). */
  swapRgb565: boolean;
}

/** `repair <in.bin> <out.bin>`. */
export interface RepairArgs {
  input: string;
  output: string;
}

/** Rows per write: big enough that 100,000 frames take ~50 writes, small enough to keep memory flat. */
const ROWS_PER_WRITE = 2048;

/**
 * Prints the stream's version, frame count, duration, damage and one row per frame: a table for people,
 * or one JSON object (`version`, `count`, `durationMs`, `frames`, `damage`) with `json`. Rows are built
 * and written in batches, so a 100,000-frame file streams instead of building one huge string.
 */
export async function info(args: InfoArgs, out: Output): Promise<void> {
  const stream = openStream(args.file);
  try {
    const count = stream.count();
    const summary: StreamSummary = {
      file: args.file,
      version: stream.version(),
      count,
      durationMs: exactMs(stream.durationMs()),
      fileSize: stream.size(),
      damage: stream.damage(),
    };
    if (args.json) {
      // One frame per line: still one valid JSON document, and friendly to grep and head.
      const head = {
        version: versionLabel(summary.version),
        count,
        durationMs: summary.durationMs,
      };
      await out.write(`${JSON.stringify(head).slice(0, -1)},"frames":[`);
      await writeRows(
        out,
        count,
        (i) => `${i === 0 ? '\n' : ',\n'}${JSON.stringify(frameRecord(stream.frameInfo(i)))}`,
      );
      await out.write(`${count > 0 ? '\n' : ''}],"damage":${JSON.stringify(summary.damage)}}\n`);
      return;
    }
    const layout = tableLayout(count, count > 0 ? stream.frameInfo(count - 1).offset : 0, summary.version);
    await out.write(`${summaryLines(summary).join('\n')}\n\n${tableHeader(layout)}\n`);
    await writeRows(out, count, (i) => `${tableRow(layout, stream.frameInfo(i))}\n`);
  } finally {
    stream.close();
  }
}

/** Writes frame `index`'s payload as stored (V1.0 RGB565 already swapped): a JPEG frame gives a .jpg file. */
export async function extract(args: ExtractArgs, out: Output): Promise<void> {
  refuseToOverwrite(args.file, args.out);
  const { image, index } = readFrame(args.file, args.index);
  writeViaTemp(args.out, (tmp) => writeFileSync(tmp, image.data));
  await out.write(
    `frame ${index} of '${args.file}' (${image.toString()}): ${image.data.length} bytes written to '${args.out}'\n`,
  );
}

/**
 * Writes frame `index` as raw RGBA, width*height*4 bytes, row-major (formats.md Part A's pixels). JPEG
 * and PNG frames are refused with a pointer to `extract`: their own file is the lossless way out.
 */
export async function decode(args: DecodeArgs, out: Output): Promise<void> {
  refuseToOverwrite(args.file, args.out);
  const { image, index } = readFrame(args.file, args.index);
  const what = `frame ${index} of '${args.file}'`;
  if (isCompressed(image.pixformat)) {
    const name = pixformatName(image.pixformat);
    throw new CliError(
      `decode handles uncompressed formats, and ${what} is ${name}: use 'extract' to get the ${name} file`,
    );
  }
  if (image.pixformat === PIXFORMAT.ARGB8) {
    // image_size() is 0 for ARGB8 (B §1.3), so ImageIO stores such frames without any pixels.
    throw new CliError(
      `${what} is ARGB8, which ImageIO stores without its pixels: there is nothing to decode`,
    );
  }
  let rgba: Uint8ClampedArray;
  try {
    rgba = toRgba(image, { swapRgb565: args.swapRgb565 });
  } catch (err) {
    if (err instanceof ValueError)
      throw new CliError(`cannot decode ${what} (${image.toString()}): ${err.message}`);
    throw err;
  }
  const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  writeViaTemp(args.out, (tmp) => writeFileSync(tmp, bytes));
  await out.write(
    `${what} (${image.toString()}) decoded to ${image.width}x${image.height} RGBA: ${bytes.length} bytes written to '${args.out}'\n`,
  );
}

/**
 * Writes a clean copy of every complete frame (the engine's `repair`) and prints one summary line. The
 * copy goes to a temporary file next to the output and is renamed at the end, so a repair that fails
 * half way never leaves a half file under the name the user asked for. A clean file is still copied.
 */
export async function repairFile(args: RepairArgs, out: Output): Promise<void> {
  refuseToOverwrite(args.input, args.output);
  const { stream, store: source } = openSource(args.input);
  let line: string;
  try {
    const damage = stream.damage();
    const result = writeViaTemp(args.output, (tmp) => {
      const target = onFile('write', args.output, () => new NodeFileStore(tmp, 'w'));
      try {
        return repair(source, guardedStore(target, args.output));
      } finally {
        target.close();
      }
    });
    const frames = `${result.frames} frame${result.frames === 1 ? '' : 's'}`;
    const padded =
      result.bytes > stream.size() - result.droppedBytes ? "; last frame's zero padding restored" : '';
    line = damage
      ? `repaired '${args.input}' into '${args.output}': kept ${frames}, ${result.bytes} bytes written, ` +
        `${result.droppedBytes} bytes dropped${padded}; damage was at ${damageLine(damage)}`
      : `no damage found in '${args.input}': copied ${frames} to '${args.output}', ` +
        `${result.bytes} bytes written, ${result.droppedBytes} bytes dropped${padded}`;
  } finally {
    stream.close();
  }
  await out.write(`${line}\n`);
}

/** Reads one frame, `index` counting from the end when negative; the stream is closed before returning. */
function readFrame(file: string, index: number): { image: Image; index: number } {
  const stream = openStream(file);
  try {
    const i = resolveIndex(file, index, stream.count());
    return { image: stream.frameAt(i), index: i };
  } finally {
    stream.close();
  }
}

/**
 * Maps a frame index from the command line onto `0..count-1` (-1 is the last frame), or throws a line
 * that names the valid range.
 */
export function resolveIndex(file: string, index: number, count: number): number {
  if (count === 0) throw new CliError(`'${file}' has no complete frames`);
  const i = index < 0 ? count + index : index;
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    const frames = count === 1 ? '1 frame' : `${count} frames`;
    throw new CliError(
      `frame index ${index} is out of range: '${file}' has ${frames}, so use 0 to ${count - 1} (or -${count} to -1 from the end)`,
    );
  }
  return i;
}

/** Writes `count` rows built by `row(i)` in batches, waiting on the sink between batches. */
async function writeRows(out: Output, count: number, row: (i: number) => string): Promise<void> {
  for (let start = 0; start < count; start += ROWS_PER_WRITE) {
    const end = Math.min(count, start + ROWS_PER_WRITE);
    const parts: string[] = [];
    for (let i = start; i < end; i++) parts.push(row(i));
    await out.write(parts.join(''));
  }
}
