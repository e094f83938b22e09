/**
 * GRAYSCALE → RGBA (formats.md B §1.4; Part A: shown as (Y, Y, Y, 255)).
 */
import { checkOut, checkPayload, checkSize, finishWords, packRgba, wordsFor } from './common';

let wordsByLuma: Int32Array | undefined;

function getWordsByLuma(): Int32Array {
  if (wordsByLuma) return wordsByLuma;
  const table = new Int32Array(256);
  for (let y = 0; y < 256; y++) table[y] = packRgba(y, y, y);
  wordsByLuma = table;
  return table;
}

/**
 * Converts a GRAYSCALE payload (`width*height` bytes, row-major, no padding: B §1.4) to RGBA
 * (Y, Y, Y, 255). Part A shows grey at full 8-bit precision: unlike the firmware's GRAYSCALE → RGB565
 * conversion there is no truncation to 5/6 bits here, because nothing on screen needs it.
 *
 * @param out Receives `width*height*4` bytes; returned.
 * @throws ValueError on bad sizes, a wrong `out` length or a short payload.
 */
export function grayscaleToRgba(
  data: Uint8Array,
  width: number,
  height: number,
  out: Uint8ClampedArray,
): Uint8ClampedArray {
  const what = 'GRAYSCALE to RGBA';
  checkSize(what, width, height);
  checkOut(what, out, width, height);
  const count = width * height;
  checkPayload(what, data, count, width, height);
  const table = getWordsByLuma();
  const words = wordsFor(out);
  expand(data, words, table, count);
  return finishWords(out, words);
}

function expand(data: Uint8Array, words: Int32Array, table: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) words[i] = table[data[i]!]!;
}
