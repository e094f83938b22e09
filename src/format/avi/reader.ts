import type { ByteStore } from '../byte-store';
import { hex, readU32 } from '../bytes';
import { MESSAGES, OSError, ValueError } from '../errors';
import { IndexProblem, fromIdx1, fromSuperIndex } from './avi-index';
import { parseHdrl, type AviHeader } from './header';
import { scanMovi, type MoviRange } from './movi-scan';
import { FCC, fourcc, readBytes } from './riff';

/** One frame: where its bytes are (chunk data, after the 8-byte chunk header) and how many. */
export interface AviFrame {
  offset: number;
  size: number;
}

/** What `readMjpegAvi` found. */
export interface MjpegAvi {
  width: number;
  height: number;
  /** Complete frames found (`frames.length`). */
  frameCount: number;
  /**
   * Microseconds per frame: dwScale/dwRate of the stream header, else the main header's
   * dwMicroSecPerFrame; 0 when the file says nothing (a camera file that was never closed).
   */
  usPerFrame: number;
  frames: AviFrame[];
  /**
   * True when the file was not cleanly finished: sizes zero or stale, a cut or broken chunk, an index
   * that does not hold. `damage` says what and where; `index` says how the frames were found.
   */
  recovered: boolean;
  /** What is wrong with the file and where (byte offsets), or null for a clean file. */
  damage: string | null;
  /** Where the frame list came from: the OpenDML index, the AVI 1.0 index, or a walk of the chunks. */
  index: 'indx' | 'idx1' | 'scan';
}

/** Largest header list read (ffmpeg's is ~5 KB, ours 4.6 KB): a larger size field is damage, not data. */
const MAX_HDRL = 1 << 20;

/** Frame chunk ids of stream `n`: 'NNdc' (compressed) and 'NNdb' (uncompressed, seen in some MJPEG files). */
function frameIds(stream: number): [number, number] {
  const nn = String(stream).padStart(2, '0');
  return [fourcc(`${nn}dc`), fourcc(`${nn}db`)];
}

/**
 * Reads an MJPEG AVI's layout without reading any frame: this project's files (OpenDML indx/ix00, idx1),
 * the camera's mjpeg files (no index, chunk sizes counting 0-3 pad bytes: formats.md B §8), and files
 * that were never closed (sizes zero, last chunk cut), from which every complete frame is recovered and
 * the damage reported. No size field is trusted before it is checked against the file's length, every
 * loop advances, and bad input is a ValueError or OSError naming the byte offset.
 */
export function readMjpegAvi(store: ByteStore): MjpegAvi {
  const fileSize = store.size();
  const problems: string[] = [];
  if (fileSize < 12) throw new ValueError(`Not an AVI file: ${fileSize} bytes, shorter than a RIFF header`);
  const head = readBytes(store, 0, 12, 'the RIFF header');
  if (readU32(head, 0) !== FCC.RIFF || readU32(head, 8) !== FCC.AVI)
    throw new ValueError(`Not an AVI file: expected "RIFF....AVI " at byte 0, found ${hex(head, 12)}`);

  let stale = false;
  const riffSize = readU32(head, 4);
  let riffEnd = 8 + riffSize;
  if (riffSize < 4 || riffEnd > fileSize) {
    problems.push(
      riffSize === 0
        ? 'RIFF size is 0 (the file was never closed)'
        : `RIFF size ${riffSize} runs past the end of the file (${fileSize} bytes)`,
    );
    riffEnd = fileSize;
    stale = true;
  }

  const first = walkRiff(store, 12, riffEnd, stale);
  if (first.staleMovi) {
    if (!stale) problems.push(first.staleMovi);
    stale = true;
  }
  const header = first.header;
  if (!header) throw new ValueError('No AVI stream header: no LIST hdrl before the frames');
  const movis = first.movi ? [first.movi] : [];

  // OpenDML continuation segments: RIFF 'AVIX' { LIST movi }.
  let at = riffEnd + (riffEnd & 1);
  while (!stale && at + 12 <= fileSize) {
    const h = readBytes(store, at, 12, 'a RIFF header');
    if (readU32(h, 0) !== FCC.RIFF || readU32(h, 8) !== FCC.AVIX) break;
    const size = readU32(h, 4);
    let end = at + 8 + size;
    if (size < 4 || end > fileSize) {
      problems.push(
        `RIFF AVIX at byte ${at}: size ${size} ${size === 0 ? 'is 0' : 'runs past the end of the file'}`,
      );
      end = fileSize;
      stale = true;
    }
    const seg = walkRiff(store, at + 12, end, stale);
    if (seg.staleMovi) {
      problems.push(seg.staleMovi);
      stale = true;
    }
    if (seg.movi) movis.push(seg.movi);
    at = end + (end & 1);
  }
  if (movis.length === 0) throw new ValueError('No movi list: the file holds no frames');

  const ids = frameIds(header.stream);
  let frames: AviFrame[] | null = null;
  let index: MjpegAvi['index'] = 'scan';
  // Indexes are used even in a damaged file: every entry is checked against the file before use.
  if (header.superIndex && header.superIndexEntries > 0) {
    try {
      frames = fromSuperIndex(store, header.superIndex, ids);
      index = 'indx';
    } catch (e) {
      if (!(e instanceof IndexProblem)) throw e;
      problems.push(`OpenDML index unusable: ${e.message}`);
    }
  }
  if (!frames && first.idx1 && first.movi) {
    try {
      frames = fromIdx1(store, first.idx1, first.movi.movi, ids);
      for (const m of movis.slice(1)) scanMovi(store, m, ids, frames, problems, false);
      index = 'idx1';
    } catch (e) {
      if (!(e instanceof IndexProblem)) throw e;
      problems.push(`idx1 index unusable: ${e.message}`);
    }
  }
  if (!frames) {
    frames = [];
    for (const [k, m] of movis.entries())
      if (scanMovi(store, m, ids, frames, problems, k === movis.length - 1)) break;
  }

  return {
    width: header.width,
    height: header.height,
    frameCount: frames.length,
    usPerFrame: header.usPerFrame,
    frames,
    recovered: problems.length > 0,
    damage: summarize(problems),
    index,
  };
}

/** The damage line: the first few problems in file order, then how many more. */
function summarize(problems: string[]): string | null {
  if (problems.length === 0) return null;
  const shown = problems.slice(0, 4).join('; ');
  return problems.length > 4 ? `${shown}; and ${problems.length - 4} more` : shown;
}

/**
 * One frame's bytes. Trailing bytes after the JPEG's EOI that the camera counts in its chunk size
 * (0-3 pad bytes, formats.md B §8.2) are dropped; a frame that ends in EOI comes back byte for byte.
 */
export function readFrame(store: ByteStore, entry: AviFrame): Uint8Array {
  const { offset, size } = entry;
  if (!(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(size) && size >= 0))
    throw new ValueError(`Invalid frame entry: offset ${offset}, size ${size}`);
  if (offset + size > store.size())
    throw new OSError(
      `${MESSAGES.shortRead} (frame at byte ${offset}, ${size} bytes, the file has ${store.size()})`,
    );
  const data = readBytes(store, offset, size, 'a frame');
  const n = data.length;
  if (n >= 4 && !(data[n - 2] === 0xff && data[n - 1] === 0xd9)) {
    for (let pad = 1; pad <= 3 && n - pad >= 2; pad++)
      if (data[n - pad - 2] === 0xff && data[n - pad - 1] === 0xd9) return data.subarray(0, n - pad);
  }
  return data;
}

interface RiffContents {
  header: AviHeader | null;
  movi: MoviRange | null;
  idx1: { offset: number; size: number } | null;
  /** Why the movi list's size cannot be trusted, if it cannot. */
  staleMovi: string | null;
}

/** The top-level chunks of one RIFF between `start` and `end`: hdrl, the movi list, idx1. */
function walkRiff(store: ByteStore, start: number, end: number, stale: boolean): RiffContents {
  const out: RiffContents = { header: null, movi: null, idx1: null, staleMovi: null };
  let at = start;
  while (at + 8 <= end) {
    const h = readBytes(store, at, Math.min(12, end - at), 'a chunk header');
    const id = readU32(h, 0);
    const size = readU32(h, 4);
    const next = at + 8 + size;
    if (id === FCC.LIST && h.length === 12 && size >= 4) {
      const type = readU32(h, 8);
      if (type === FCC.hdrl && !out.header) {
        if (next > end || size > MAX_HDRL)
          throw new ValueError(
            `LIST hdrl at byte ${at}: size ${size} ${next > end ? 'runs past the end of the RIFF' : 'is too large for a header'}`,
          );
        out.header = parseHdrl(readBytes(store, at + 12, size - 4, 'LIST hdrl'), at + 12);
      } else if (type === FCC.movi && !out.movi) {
        if (next > end) {
          out.staleMovi = `movi list at byte ${at}: size ${size} runs past the end of the ${stale ? 'file' : 'RIFF'}`;
          out.movi = { movi: at + 8, start: at + 12, end, declared: false };
          break;
        }
        out.movi = { movi: at + 8, start: at + 12, end: next, declared: true };
      }
    } else if (id === FCC.LIST && size < 4 && h.length === 12 && readU32(h, 8) === FCC.movi && !out.movi) {
      // The camera writes movi's size as 0 until close (formats.md B §8.3).
      out.staleMovi = `movi list size is ${size} (the file was never closed)`;
      out.movi = { movi: at + 8, start: at + 12, end, declared: false };
      break;
    } else if (id === FCC.idx1 && next <= end) {
      out.idx1 = { offset: at + 8, size };
    }
    if (next > end) break;
    at = next + (size & 1);
  }
  return out;
}
