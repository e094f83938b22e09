import { readU32 } from '../bytes';
import { ValueError } from '../errors';
import { FCC, fourccText } from './riff';

/** What the reader needs from `LIST hdrl`: the first video stream and the clip's geometry and rate. */
export interface AviHeader {
  width: number;
  height: number;
  /** Microseconds per frame (see MjpegAvi.usPerFrame). */
  usPerFrame: number;
  /** Number of the video stream (its chunks are 'NNdc'). */
  stream: number;
  /** The stream's 'indx' chunk data (AVISUPERINDEX), if any. */
  superIndex: Uint8Array | null;
  /** nEntriesInUse of that super index. */
  superIndexEntries: number;
}

/** Compression codes of JPEG-per-frame video (case-insensitive). */
const MJPEG_CODES = new Set(['MJPG', 'JPEG', 'AVRN', 'DMB1', 'LJPG']);

/** Reads one chunk list (`bytes`, starting at file offset `base`) as (id, data offset, size) triples. */
function* chunks(bytes: Uint8Array, base: number): Generator<[number, number, number]> {
  let at = 0;
  while (at + 8 <= bytes.length) {
    const id = readU32(bytes, at);
    const size = readU32(bytes, at + 4);
    if (at + 8 + size > bytes.length)
      throw new ValueError(`'${fourccText(id)}' chunk at byte ${base + at} runs past the end of its list`);
    yield [id, at + 8, size];
    at += 8 + size + (size & 1);
  }
}

/**
 * Parses the data of `LIST hdrl` (after the 'hdrl' code; `base` is its file offset, for messages):
 * avih, then the first `strl` whose strh is 'vids'. A file with no video stream, or one that is not
 * JPEG-per-frame video, is a ValueError.
 */
export function parseHdrl(bytes: Uint8Array, base: number): AviHeader {
  let mainUs = 0;
  let mainW = 0;
  let mainH = 0;
  let stream = -1;
  let found: AviHeader | null = null;
  for (const [id, at, size] of chunks(bytes, base)) {
    if (id === FCC.avih && size >= 40) {
      mainUs = readU32(bytes, at);
      mainW = readU32(bytes, at + 32);
      mainH = readU32(bytes, at + 36);
    } else if (id === FCC.LIST && size >= 4 && readU32(bytes, at) === FCC.strl) {
      stream += 1;
      if (found) continue;
      const list = bytes.subarray(at + 4, at + size);
      let strh: number[] | null = null;
      let codec = 0;
      let w = 0;
      let h = 0;
      let superIndex: Uint8Array | null = null;
      for (const [sid, sat, ssize] of chunks(list, base + at + 4)) {
        if (sid === FCC.strh && ssize >= 36) {
          strh = [
            readU32(list, sat),
            readU32(list, sat + 4),
            readU32(list, sat + 20),
            readU32(list, sat + 24),
          ];
        } else if (sid === FCC.strf && ssize >= 20) {
          w = readU32(list, sat + 4);
          h = Math.abs(readU32(list, sat + 8) | 0); // negative biHeight: top-down rows
          codec = readU32(list, sat + 16);
        } else if (sid === FCC.indx && ssize >= 24) {
          superIndex = list.slice(sat, sat + ssize);
        }
      }
      if (!strh || strh[0] !== FCC.vids) continue;
      const [, handler, scale, rate] = strh as [number, number, number, number];
      const code = codec || handler;
      if (!MJPEG_CODES.has(fourccText(code).toUpperCase()))
        throw new ValueError(`Stream ${stream} is '${fourccText(code)}' video, not MJPEG`);
      found = {
        width: w,
        height: h,
        usPerFrame: scale > 0 && rate > 0 ? (1_000_000 * scale) / rate : 0,
        stream,
        superIndex,
        superIndexEntries: superIndex ? readU32(superIndex, 4) : 0,
      };
    }
  }
  if (!found) throw new ValueError(`No video stream in the AVI header at byte ${base - 12}`);
  const width = found.width || mainW;
  const height = found.height || mainH;
  if (!(width > 0 && height > 0 && width <= 0xffff && height <= 0xffff))
    throw new ValueError(`Invalid frame size ${width}x${height} in the AVI header`);
  if (found.stream > 99) throw new ValueError(`Video stream number ${found.stream} is out of range`);
  return { ...found, width, height, usPerFrame: found.usPerFrame || mainUs };
}
