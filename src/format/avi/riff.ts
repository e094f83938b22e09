import type { ByteStore } from '../byte-store';
import { readU32 } from '../bytes';
import { MESSAGES, OSError } from '../errors';

/**
 * RIFF/AVI vocabulary shared by the writer and the reader: four-character codes, flags and the byte
 * helpers RIFF needs beyond bytes.ts (64-bit offsets of OpenDML). Every integer is little-endian.
 * References: Microsoft "AVI RIFF File Reference" (AVIMAINHEADER, AVISTREAMHEADER, AVIOLDINDEX) and
 * "OpenDML AVI File Format Extensions" 1.02 (AVISUPERINDEX, AVISTDINDEX, dmlh).
 */

/** A four-character code as its little-endian u32 (what a chunk header holds). */
export const fourcc = (code: string): number =>
  (code.charCodeAt(0) |
    (code.charCodeAt(1) << 8) |
    (code.charCodeAt(2) << 16) |
    (code.charCodeAt(3) << 24)) >>>
  0;

/** The text of a four-character code (non-printable bytes as `\xNN`), for error messages. */
export function fourccText(code: number): string {
  let s = '';
  for (let k = 0; k < 4; k++) {
    const b = (code >>> (8 * k)) & 0xff;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** True when all four bytes are printable ASCII: what any real chunk id is (a scan stops elsewhere). */
export function isPrintableFourcc(code: number): boolean {
  for (let k = 0; k < 4; k++) {
    const b = (code >>> (8 * k)) & 0xff;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

export const FCC = {
  RIFF: fourcc('RIFF'),
  AVI: fourcc('AVI '),
  AVIX: fourcc('AVIX'),
  LIST: fourcc('LIST'),
  JUNK: fourcc('JUNK'),
  hdrl: fourcc('hdrl'),
  avih: fourcc('avih'),
  strl: fourcc('strl'),
  strh: fourcc('strh'),
  strf: fourcc('strf'),
  indx: fourcc('indx'),
  odml: fourcc('odml'),
  dmlh: fourcc('dmlh'),
  movi: fourcc('movi'),
  rec: fourcc('rec '),
  idx1: fourcc('idx1'),
  vids: fourcc('vids'),
  MJPG: fourcc('MJPG'),
  '00dc': fourcc('00dc'),
  ix00: fourcc('ix00'),
} as const;

/** avih dwFlags (AVIMAINHEADER). */
export const AVIF = { HASINDEX: 0x10, MUSTUSEINDEX: 0x20, ISINTERLEAVED: 0x100, TRUSTCKTYPE: 0x800 } as const;

/** idx1 dwFlags: the frame is a key frame (every MJPEG frame is). */
export const AVIIF_KEYFRAME = 0x10;

/** OpenDML bIndexType values. */
export const AVI_INDEX = { OF_INDEXES: 0, OF_CHUNKS: 1 } as const;

/** Bit 31 of an AVISTDINDEX entry's dwSize: set for a frame that is NOT a key frame. */
export const STD_INDEX_DELTA_FRAME = 0x80000000;

/** Writes a non-negative integer below 2^53 as u64 little-endian. */
export function writeU64(bytes: Uint8Array, at: number, value: number): void {
  const lo = value % 0x1_0000_0000;
  const hi = Math.floor(value / 0x1_0000_0000);
  for (let k = 0; k < 4; k++) {
    bytes[at + k] = (lo >>> (8 * k)) & 0xff;
    bytes[at + 4 + k] = (hi >>> (8 * k)) & 0xff;
  }
}

/** Reads a u64 little-endian; values of 2^53 and more come back as Infinity (no file is that long). */
export function readU64(bytes: Uint8Array, at: number): number {
  const hi = readU32(bytes, at + 4);
  if (hi >= 0x200000) return Infinity;
  return hi * 0x1_0000_0000 + readU32(bytes, at);
}

/** Reads an unsigned 16-bit little-endian integer. */
export const readU16 = (bytes: Uint8Array, at: number): number =>
  (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);

/** RIFF chunks are padded to an even length; the pad byte is not counted in the chunk size. */
export const padded = (size: number): number => size + (size & 1);

/** Exactly `length` bytes at `offset` (the caller has checked they lie inside the file). */
export function readBytes(store: ByteStore, offset: number, length: number, what: string): Uint8Array {
  const out = new Uint8Array(length);
  if (store.readInto(offset, out) < length)
    throw new OSError(`${MESSAGES.shortRead} (${what} at byte ${offset})`);
  return out;
}
