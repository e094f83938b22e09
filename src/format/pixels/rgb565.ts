/**
 * RGB565 → RGBA (formats.md B §1.4, §1.6, §2.5).
 */
import { checkOut, checkPayload, checkSize, finishWords, packRgba, wordsFor } from './common';

/** Options of {@link rgb565ToRgba}. */
export interface Rgb565Options {
  /**
   * Read each pixel big-endian (byte 0 high). V1.0 files were written that way up to v3.6.9, and the
   * firmware reader swaps them (B §2.5); it is also the Part A "swap RGB565 bytes" toggle for the
   * mislabelled little-endian V1.0 files of v3.7.0-v3.9.1. Default false: native little-endian.
   */
  swapBytes?: boolean;
}

let wordsByPixel: Int32Array | undefined;

/**
 * One RGBA word per 16-bit pixel value (256 KiB, built on first use). A single lookup per pixel is
 * cheaper than three shifts, masks and replications, and the table stays in the L2 cache.
 */
function getWordsByPixel(): Int32Array {
  if (wordsByPixel) return wordsByPixel;
  const table = new Int32Array(65536);
  for (let p = 0; p < 65536; p++) {
    // Bit replication, as COLOR_RGB565_TO_R8/G8/B8 do (B §1.6).
    const r5 = p >> 11;
    const g6 = (p >> 5) & 0x3f;
    const b5 = p & 0x1f;
    table[p] = packRgba((r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2));
  }
  wordsByPixel = table;
  return table;
}

/**
 * Converts an RGB565 payload (`2*width*height` bytes, one u16 `R5<<11 | G6<<5 | B5` per pixel,
 * little-endian: B §1.4) to RGBA with alpha 255. Channels widen by bit replication (B §1.6), so
 * 0xF800 is (255, 0, 0) and 0x8410 is (132, 130, 132).
 *
 * @param data The payload. Any Uint8Array view works (odd byteOffset included): bytes are read one at
 *   a time, never through a Uint16Array that would need alignment.
 * @param out Receives `width*height*4` bytes; returned.
 * @throws ValueError if the sizes are not positive integers, `out` is not exactly `width*height*4`
 *   bytes, or `data` is shorter than `2*width*height`.
 */
export function rgb565ToRgba(
  data: Uint8Array,
  width: number,
  height: number,
  out: Uint8ClampedArray,
  options: Rgb565Options = {},
): Uint8ClampedArray {
  const what = 'RGB565 to RGBA';
  checkSize(what, width, height);
  checkOut(what, out, width, height);
  const count = width * height;
  checkPayload(what, data, count * 2, width, height);
  const table = getWordsByPixel();
  // A DataView honours the view's byteOffset and reads unaligned u16s in either byte order.
  const view = new DataView(data.buffer, data.byteOffset, count * 2);
  const words = wordsFor(out);
  expand(view, words, table, count, options.swapBytes !== true);
  return finishWords(out, words);
}

function expand(
  view: DataView,
  words: Int32Array,
  table: Int32Array,
  count: number,
  littleEndian: boolean,
): void {
  for (let i = 0; i < count; i++) words[i] = table[view.getUint16(2 * i, littleEndian)]!;
}
