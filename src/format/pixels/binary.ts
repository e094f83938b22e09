/**
 * BINARY → RGBA (formats.md B §1.4; Part A: 0 or 255).
 */
import { binaryRowBytes } from '../pixformat';
import { checkOut, checkPayload, checkSize, finishWords, packRgba, wordsFor } from './common';

const WHITE = packRgba(255, 255, 255);
const BLACK = packRgba(0, 0, 0);

/**
 * Converts a BINARY payload to RGBA: set bits are white (255, 255, 255, 255), clear bits black
 * (0, 0, 0, 255), as `COLOR_BINARY_TO_RGB565` maps them to 0xFFFF / 0x0000 (B §1.6).
 *
 * Layout (B §1.4): each row is `4*ceil(width/32)` bytes (whole u32 words); pixel x is bit `x & 7` of
 * byte `x >> 3` of its row, LSB first, which is the firmware's bit `x & 31` of little-endian word
 * `x >> 5`. The unused bits at the end of a row are ignored.
 *
 * @param out Receives `width*height*4` bytes; returned.
 * @throws ValueError on bad sizes, a wrong `out` length or a payload shorter than
 *   `4*ceil(width/32)*height`.
 */
export function binaryToRgba(
  data: Uint8Array,
  width: number,
  height: number,
  out: Uint8ClampedArray,
): Uint8ClampedArray {
  const what = 'BINARY to RGBA';
  checkSize(what, width, height);
  checkOut(what, out, width, height);
  const stride = binaryRowBytes(width);
  checkPayload(what, data, stride * height, width, height);
  const words = wordsFor(out);
  expand(data, words, width, height, stride);
  return finishWords(out, words);
}

function expand(data: Uint8Array, words: Int32Array, width: number, height: number, stride: number): void {
  const fullBytes = width >> 3;
  const tail = width & 7;
  let o = 0;
  for (let y = 0, row = 0; y < height; y++, row += stride) {
    // Whole bytes: 8 pixels each, LSB = leftmost.
    for (let k = 0; k < fullBytes; k++) {
      const byte = data[row + k]!;
      for (let bit = 0; bit < 8; bit++) words[o++] = (byte >> bit) & 1 ? WHITE : BLACK;
    }
    if (tail !== 0) {
      const byte = data[row + fullBytes]!;
      for (let bit = 0; bit < tail; bit++) words[o++] = (byte >> bit) & 1 ? WHITE : BLACK;
    }
  }
}
