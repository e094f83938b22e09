/**
 * YUV422 / YVU422 → RGBA, pixel-exact with the firmware's `imlib_deyuv_line` (lib/imlib/yuv.c) to
 * RGB565, then widened by bit replication (formats.md Part A, B §1.4, B §1.6, B §1.8).
 */
import { ValueError } from '../errors';
import {
  ALPHA_WORD,
  checkOut,
  checkPayload,
  checkSize,
  EXPAND5,
  EXPAND6,
  packRgba,
  SHIFT_B,
  SHIFT_G,
  SHIFT_R,
  finishWords,
  wordsFor,
} from './common';

/** Byte order of the two chroma bytes of a pixel pair (B §1.4). */
export type YuvOrder = 'YUV422' | 'YVU422';

/** Options of {@link yuvToRgba}. */
export interface YuvOptions {
  /**
   * What a 1-pixel-wide frame shows. The firmware's `w == 1` branch moves the luma out of the pixel it
   * converts and fills the chroma with a constant, so every such pixel comes out the same dark green
   * whatever the frame holds. `'luma'` (default, allowed by Part A) shows (Y, Y, Y, 255) instead, at
   * full precision like GRAYSCALE; `'firmware'` reproduces the camera bit for bit.
   */
  narrow?: 'luma' | 'firmware';
}

/** Offset added to an unclamped channel before indexing the saturating tables. */
const BIAS = 256;

interface SaturatingWords {
  /** `red[BIAS + v]`: `__USAT(v, 8)`, truncated to 5 bits, replicated, at the red position. */
  readonly red: Int32Array;
  /** The same for green (6 bits), carrying the alpha byte too. */
  readonly green: Int32Array;
  readonly blue: Int32Array;
}

let saturating: SaturatingWords | undefined;

/**
 * Tables over v in [-256, 511], wider than any reachable sum: Y + (227·b >> 7) spans [-227, 481],
 * Y - ((44·b + 91·a) >> 7) spans [-133, 390] and Y + (179·a >> 7) spans [-179, 433].
 */
function getSaturatingWords(): SaturatingWords {
  if (saturating) return saturating;
  const red = new Int32Array(768);
  const green = new Int32Array(768);
  const blue = new Int32Array(768);
  for (let i = 0; i < 768; i++) {
    const v = Math.min(255, Math.max(0, i - BIAS));
    red[i] = EXPAND5[v]! << SHIFT_R;
    green[i] = (EXPAND6[v]! << SHIFT_G) | ALPHA_WORD;
    blue[i] = EXPAND5[v]! << SHIFT_B;
  }
  saturating = { red, green, blue };
  return saturating;
}

/**
 * Converts a YUV422 or YVU422 payload (`2*width*height` bytes, B §1.4) to RGBA as the camera shows it.
 *
 * Byte `2x` is the luma of pixel x; each pixel pair (x even) shares the chroma bytes at pair offsets 1
 * and 3. With `a = byte1 - 128`, `b = byte3 - 128` (swapped for YVU422) and signed arithmetic shifts
 * (B §1.8): R = sat8(Y + (179a >> 7)), G = sat8(Y - ((44b + 91a) >> 7)), B = sat8(Y + (227b >> 7)),
 * then the truncating RGB565 pack and bit replication (Part A).
 *
 * Odd widths, as `imlib_deyuv_line`'s `x >= w_limit` branch does: the last pixel x = w-1 (the first of
 * an unfinished pair) keeps its own luma and takes its own chroma byte (offset 2x+1) as pair byte 1 and
 * the previous pixel's chroma byte (offset 2x-1) as pair byte 3. Rows start at `2*width*y`, so on odd
 * widths pairs restart at every row. A 1-pixel-wide frame: see {@link YuvOptions.narrow}.
 *
 * @param order `YUV422` (byte 1 is the firmware's "U", used as Cr) or `YVU422` (bytes swapped).
 * @param out Receives `width*height*4` bytes; returned.
 * @throws ValueError on bad sizes, an unknown order, a wrong `out` length or a short payload.
 */
export function yuvToRgba(
  data: Uint8Array,
  width: number,
  height: number,
  order: YuvOrder,
  out: Uint8ClampedArray,
  options: YuvOptions = {},
): Uint8ClampedArray {
  const what = `${order} to RGBA`;
  checkSize(what, width, height);
  if (order !== 'YUV422' && order !== 'YVU422')
    throw new ValueError(`YUV to RGBA: unknown order ${String(order)}`);
  checkOut(what, out, width, height);
  checkPayload(what, data, 2 * width * height, width, height);
  const words = wordsFor(out);
  if (width === 1) {
    narrowColumn(data, height, words, order, options.narrow ?? 'luma');
  } else {
    convert(data, width, height, order === 'YUV422' ? 1 : 3, words, getSaturatingWords());
  }
  return finishWords(out, words);
}

/** Width >= 2. `aAt` is the pair offset (1 or 3) of the chroma byte used as `a`; `b` is the other. */
function convert(
  data: Uint8Array,
  width: number,
  height: number,
  aAt: number,
  words: Int32Array,
  tables: SaturatingWords,
): void {
  const { red, green, blue } = tables;
  const bAt = 4 - aAt;
  const stride = 2 * width;
  const pairsEnd = width & ~1; // first column not covered by a whole pair
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const o = y * width;
    for (let x = 0; x < pairsEnd; x += 2) {
      const p = row + 2 * x;
      const a = data[p + aAt]! - 128;
      const b = data[p + bAt]! - 128;
      const ry = BIAS + ((179 * a) >> 7);
      const gy = BIAS - ((44 * b + 91 * a) >> 7);
      const by = BIAS + ((227 * b) >> 7);
      const y0 = data[p]!;
      const y1 = data[p + 2]!;
      words[o + x] = red[y0 + ry]! | green[y0 + gy]! | blue[y0 + by]!;
      words[o + x + 1] = red[y1 + ry]! | green[y1 + gy]! | blue[y1 + by]!;
    }
    if (pairsEnd !== width) {
      // Odd width: the firmware reads the u32 at pixel x-1 and rebuilds the pair as
      // [Y(x), chroma(x), Y(x), chroma(x-1)] (yuv.c `x >= w_limit`, src_w >= 2).
      const x = pairsEnd;
      const p = row + 2 * x;
      const byte1 = data[p + 1]!;
      const byte3 = data[p - 1]!;
      const a = (aAt === 1 ? byte1 : byte3) - 128;
      const b = (aAt === 1 ? byte3 : byte1) - 128;
      const y0 = data[p]!;
      words[o + x] =
        red[y0 + BIAS + ((179 * a) >> 7)]! |
        green[y0 + BIAS - ((44 * b + 91 * a) >> 7)]! |
        blue[y0 + BIAS + ((227 * b) >> 7)]!;
    }
  }
}

/**
 * Width 1. The firmware's `src_w < 2` branch builds the word `Y << 16 | 0x80000000`: luma lands in the
 * second pixel (never written), the converted pixel gets Y = 0, and after the `^ 0x80008000` the
 * chroma bytes are 0x80 (byte 1) and 0x00 (byte 3), i.e. a = -128, b = 0 for YUV422 (a = 0, b = -128
 * for YVU422). That yields RGB565 of (0, 91, 0) → (0, 89, 0) for YUV422 and (0, 44, 0) for YVU422.
 */
function narrowColumn(
  data: Uint8Array,
  height: number,
  words: Int32Array,
  order: YuvOrder,
  mode: 'luma' | 'firmware',
): void {
  if (mode === 'firmware') {
    const a = order === 'YUV422' ? -128 : 0;
    const b = order === 'YUV422' ? 0 : -128;
    const sat = (v: number): number => Math.min(255, Math.max(0, v));
    const word = packRgba(
      EXPAND5[sat((179 * a) >> 7)]!,
      EXPAND6[sat(-((44 * b + 91 * a) >> 7))]!,
      EXPAND5[sat((227 * b) >> 7)]!,
    );
    words.fill(word, 0, height);
    return;
  }
  for (let y = 0; y < height; y++) {
    const luma = data[2 * y]!;
    words[y] = packRgba(luma, luma, luma);
  }
}
