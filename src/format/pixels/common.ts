/**
 * Shared plumbing of the pixel converters: argument checks, packed-RGBA words and the lookup tables of
 * the RGB565 → 8-bit expansion (formats.md B §1.6). Internal to `src/format/pixels`; `index.ts`
 * re-exports only what callers need.
 */
import { ValueError } from '../errors';

/**
 * True when a 32-bit word stores its low byte first. Every engine this project targets is
 * little-endian, but the packers below derive their shifts from this flag instead of assuming it, so
 * the word writes stay correct (only slower to reason about) on a big-endian host.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bit position of each channel inside one packed RGBA word, so that its bytes land as R, G, B, A. */
export const SHIFT_R = LITTLE_ENDIAN ? 0 : 24;
export const SHIFT_G = LITTLE_ENDIAN ? 8 : 16;
export const SHIFT_B = LITTLE_ENDIAN ? 16 : 8;
export const SHIFT_A = LITTLE_ENDIAN ? 24 : 0;

/** Opaque alpha as a word (an int32: the converters work in Int32Array so V8 keeps values as small ints). */
export const ALPHA_WORD = (0xff << SHIFT_A) | 0;

/** One RGBA pixel as an int32 word whose bytes in memory are R, G, B, 255. */
export function packRgba(r: number, g: number, b: number): number {
  return (r << SHIFT_R) | (g << SHIFT_G) | (b << SHIFT_B) | ALPHA_WORD;
}

/**
 * `EXPAND5[v]`: an 8-bit channel truncated to 5 bits by the firmware's RGB565 pack and expanded back by
 * bit replication, `R5<<3 | R5>>2` with `R5 = v>>3` (formats.md B §1.6, `COLOR_R8_G8_B8_TO_RGB565` then
 * `COLOR_RGB565_TO_R8`). Equal to `(v & 0xF8) | (v >> 5)`.
 */
export const EXPAND5: Uint8Array = buildTable(256, (v) => (v & 0xf8) | (v >> 5));

/** `EXPAND6[v]`: the same for the 6-bit green channel, `G6<<2 | G6>>4` with `G6 = v>>2`. */
export const EXPAND6: Uint8Array = buildTable(256, (v) => (v & 0xfc) | (v >> 6));

function buildTable(size: number, f: (v: number) => number): Uint8Array {
  const t = new Uint8Array(size);
  for (let v = 0; v < size; v++) t[v] = f(v);
  return t;
}

/** Throws `ValueError` unless `width` and `height` are positive integers. */
export function checkSize(what: string, width: number, height: number): void {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new ValueError(`${what}: width and height must be positive integers (got ${width}x${height})`);
  }
}

/** Throws `ValueError` unless `out` holds exactly `width*height` RGBA pixels. */
export function checkOut(what: string, out: Uint8ClampedArray, width: number, height: number): void {
  const expected = width * height * 4;
  if (out.length !== expected) {
    throw new ValueError(
      `${what}: output buffer must be exactly width*height*4 = ${expected} bytes for ${width}x${height} (got ${out.length})`,
    );
  }
}

/** Throws `ValueError` if the payload is shorter than the `needed` bytes of its format (B §1.3). */
export function checkPayload(
  what: string,
  data: Uint8Array,
  needed: number,
  width: number,
  height: number,
): void {
  if (data.length < needed) {
    throw new ValueError(
      `${what}: payload too short for ${width}x${height}: need ${needed} bytes, got ${data.length}`,
    );
  }
}

/**
 * One Int32 word per pixel aliasing `out`, for converters that write whole RGBA pixels at once. Word
 * writes need a 4-byte aligned view; when `out` starts at an unaligned byteOffset this returns a
 * scratch array instead, and {@link finishWords} copies it into `out`, so callers never see the
 * difference. (The loops take the words as a parameter rather than through a closure: V8 keeps
 * closure variables in a context object and reloads them on every iteration.)
 */
export function wordsFor(out: Uint8ClampedArray): Int32Array {
  const count = out.length >>> 2;
  return (out.byteOffset & 3) === 0
    ? new Int32Array(out.buffer, out.byteOffset, count)
    : new Int32Array(count);
}

/** Completes {@link wordsFor}: copies a scratch array into `out` (no-op for an aliasing view). */
export function finishWords(out: Uint8ClampedArray, words: Int32Array): Uint8ClampedArray {
  if (words.buffer !== out.buffer) out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  return out;
}
