import { ascii, asciiBytes, readU32, writeU32 } from './bytes';
import { MESSAGES, OSError, ValueError } from './errors';
import { PIXFORMAT, imageSize, isValidPixformat, pixformatName } from './pixformat';

/**
 * The on-disk pieces of an ImageIO file stream: the 16-byte magic (formats.md B §2.2) and the frame
 * chunk headers of V1.x (16 bytes, B §2.4) and V2.x (32 bytes, B §2.3). V2.1 is V2.0 with the elapsed
 * field in microseconds (Part A).
 */

/** Stream versions as `version()` reports them. */
export const VERSIONS = [10, 11, 20, 21] as const;
export type Version = (typeof VERSIONS)[number];

export const MAGIC_LENGTH = 16;
const MAGIC_PREFIX = 'OMV IMG STR V';

/** The 16 magic bytes of a version, e.g. `OMV IMG STR V2.0`. */
export function magicBytes(version: Version): Uint8Array {
  return asciiBytes(`${MAGIC_PREFIX}${Math.floor(version / 10)}.${version % 10}`);
}

/**
 * Parses the magic. Bytes 0-12 and 14 must match exactly (`OMV IMG STR V_._`); the digits must be
 * decimal (the firmware's arithmetic would take `V1.:` for 2.0: B §2.1) and name a version we read.
 */
export function parseMagic(head: Uint8Array): Version {
  if (head.length < MAGIC_LENGTH) {
    const present = ascii(head);
    throw new OSError(
      MAGIC_PREFIX.startsWith(present) || present === '' ? MESSAGES.shortRead : MESSAGES.unexpectedValue,
    );
  }
  if (ascii(head.subarray(0, 13)) !== MAGIC_PREFIX || head[14] !== 0x2e)
    throw new OSError(MESSAGES.unexpectedValue);
  const major = (head[13] ?? 0) - 0x30;
  const minor = (head[15] ?? 0) - 0x30;
  const version = 10 * major + minor;
  if (
    major < 0 ||
    major > 9 ||
    minor < 0 ||
    minor > 9 ||
    !(VERSIONS as readonly number[]).includes(version)
  ) {
    throw new ValueError(MESSAGES.badVersion);
  }
  return version as Version;
}

/** Chunk header length of a version. */
export const headerLength = (version: Version): number => (version >= 20 ? 32 : 16);

/** Units of the elapsed field per millisecond: 1000 in V2.1 (µs), 1 otherwise. */
const unitsPerMs = (version: Version): number => (version === 21 ? 1000 : 1);

/** An elapsed field value in milliseconds (divided, not multiplied by 0.001, so 9 µs is exactly 0.009). */
export const elapsedToMs = (value: number, version: Version): number => value / unitsPerMs(version);

/** Milliseconds as an elapsed field value: rounded to the stream's unit, modulo 2^32 like the firmware's u32. */
export const msToElapsed = (ms: number, version: Version): number =>
  Math.round(ms * unitsPerMs(version)) % 2 ** 32;

/** A parsed chunk header: everything needed to find and decode the payload. */
export interface ChunkHeader {
  /** The raw elapsed field (ms, or µs in V2.1). */
  elapsed: number;
  width: number;
  height: number;
  pixformat: number;
  /** The V2 `size` field verbatim; for V1 JPEG the length held in `bpp`; 0 otherwise. */
  sizeField: number;
  /** Payload bytes that follow the header (`image_size()`, B §1.3). */
  payload: number;
}

/** Largest width or height accepted from a file: JPEG's own limit, and far beyond any OpenMV sensor. */
export const MAX_DIMENSION = 65535;

/** V1 `bpp` field → pixformat (B §2.4): 0..3 are formats, 4 and up mean JPEG of that many bytes. */
function v1Pixformat(bpp: number): number {
  switch (bpp) {
    case 0:
      return PIXFORMAT.BINARY;
    case 1:
      return PIXFORMAT.GRAYSCALE;
    case 2:
      return PIXFORMAT.RGB565;
    case 3:
      return PIXFORMAT.BAYER_BGGR;
    default:
      return PIXFORMAT.JPEG;
  }
}

/**
 * Parses a chunk header from `bytes` at `at` (which must hold `headerLength(version)` bytes). Returns
 * the header, or a one-line reason why it cannot be a frame: an invalid pixel format (the firmware's
 * check, B §2.3) or a geometry no camera writes. Never throws and never allocates by what it reads.
 */
export function parseChunkHeader(bytes: Uint8Array, at: number, version: Version): ChunkHeader | string {
  const elapsed = readU32(bytes, at);
  const width = readU32(bytes, at + 4);
  const height = readU32(bytes, at + 8);
  const field = readU32(bytes, at + 12);
  let pixformat: number;
  let sizeField: number;
  if (version >= 20) {
    pixformat = field;
    sizeField = readU32(bytes, at + 16);
    if (!isValidPixformat(pixformat)) return `invalid pixel format ${pixformatName(pixformat)}`;
  } else {
    pixformat = v1Pixformat(field);
    sizeField = field >= 4 ? field : 0;
  }
  if (width === 0 || height === 0) return `frame of ${width}x${height} pixels`;
  if (width > MAX_DIMENSION || height > MAX_DIMENSION) return `implausible frame size ${width}x${height}`;
  return {
    elapsed,
    width,
    height,
    pixformat,
    sizeField,
    payload: imageSize(width, height, pixformat, sizeField),
  };
}

/** Writes a V2.x chunk header (32 bytes: 5 u32 then 12 zero bytes) into `out` at `at`. */
export function writeChunkHeaderV2(
  out: Uint8Array,
  at: number,
  h: { elapsed: number; width: number; height: number; pixformat: number; sizeField: number },
): void {
  writeU32(out, at, h.elapsed);
  writeU32(out, at + 4, h.width);
  writeU32(out, at + 8, h.height);
  writeU32(out, at + 12, h.pixformat);
  writeU32(out, at + 16, h.sizeField);
  out.fill(0, at + 20, at + 32);
}
