/**
 * GIF's variable-length-code LZW (GIF89a §22, Appendix F), both directions. Pure code, typed arrays only.
 *
 * Encoder: codes grow from `minCodeSize + 1` to 12 bits; when the 4096-entry table is full a clear code
 * is sent and the table starts over (what giflib, gifenc and most encoders do). The dictionary is a
 * trie stored as a dense `Uint16Array` of 4096 × 256 child links (2 MiB, allocated once per thread and
 * reused): one array read per pixel, no hashing; a reset clears only the links set since the last one.
 *
 * Decoder: accepts everything the format allows (a missing first clear code, a "deferred clear" that
 * keeps decoding with a full table, data after the end code, a missing end code), and throws
 * `ValueError` with the byte offset for what no decoder can read (a code that is not yet defined,
 * truncated sub-blocks). It never writes outside the output it is given.
 */
import { ValueError } from '../errors';

const MAX_CODES = 4096;
const MAX_BITS = 12;

let children: Uint16Array | null = null;
const usedKeys = new Int32Array(MAX_CODES);
let scratch = new Uint8Array(0);

/** The largest number of bytes `lzwEncode` can produce for `pixels` indices (the bound it allocates). */
export function lzwBound(pixels: number, minCodeSize: number): number {
  const first = (1 << minCodeSize) + 2;
  // Worst case: one 12-bit code per pixel, plus a clear each time the table fills, plus clear and end.
  const codes = pixels + 4 + Math.ceil(pixels / (MAX_CODES - first));
  const data = Math.ceil((codes * MAX_BITS) / 8) + 1;
  return 1 + data + Math.ceil(data / 255) + 1;
}

/**
 * LZW-compresses `indices` (each `< 2 ** minCodeSize`) into GIF table-based image data: the LZW minimum
 * code size byte, the data sub-blocks (≤ 255 bytes each) and the block terminator.
 * @param minCodeSize 2..8 (GIF requires at least 2, even for 2-colour images).
 * @throws ValueError if `minCodeSize` is out of range or an index does not fit it.
 */
export function lzwEncode(indices: Uint8Array, minCodeSize: number): Uint8Array {
  if (!(Number.isInteger(minCodeSize) && minCodeSize >= 2 && minCodeSize <= 8)) {
    throw new ValueError(`Invalid LZW minimum code size ${minCodeSize}`);
  }
  const n = indices.length;
  let max = 0;
  for (let i = 0; i < n; i++) if ((indices[i] as number) > max) max = indices[i] as number;
  if (max >= 1 << minCodeSize) throw new ValueError(`Index ${max} does not fit ${minCodeSize}-bit codes`);
  const bound = lzwBound(n, minCodeSize);
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  const out = scratch;
  const child = (children ??= new Uint16Array(MAX_CODES * 256));
  const used = usedKeys;

  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const first = clear + 2;
  let width = minCodeSize + 1;
  let nextCode = first;
  let nUsed = 0;

  out[0] = minCodeSize;
  let blockStart = 1; // where the current sub-block's length byte goes
  let pos = 2;
  let blockLen = 0;
  let acc = clear; // the clear code, already in the accumulator
  let bits = width;

  if (n > 0) {
    let prefix = indices[0] as number;
    for (let i = 1; i < n; i++) {
      const c = indices[i] as number;
      const key = (prefix << 8) | c;
      const next = child[key] as number;
      if (next !== 0) {
        prefix = next;
        continue;
      }
      // Emit the longest match.
      acc |= prefix << bits;
      bits += width;
      while (bits >= 8) {
        out[pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
        if (++blockLen === 255) {
          out[blockStart] = 255;
          blockStart = pos++;
          blockLen = 0;
        }
      }
      // The decoder has now seen as many codes as the table has entries; it widens at 2^width.
      if (nextCode === 1 << width && width < MAX_BITS) width++;
      if (nextCode < MAX_CODES) {
        child[key] = nextCode++;
        used[nUsed++] = key;
      } else {
        // Table full: clear (at the current width), then start over.
        acc |= clear << bits;
        bits += width;
        while (bits >= 8) {
          out[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
          if (++blockLen === 255) {
            out[blockStart] = 255;
            blockStart = pos++;
            blockLen = 0;
          }
        }
        for (let k = 0; k < nUsed; k++) child[used[k] as number] = 0;
        nUsed = 0;
        nextCode = first;
        width = minCodeSize + 1;
      }
      prefix = c;
    }
    acc |= prefix << bits;
    bits += width;
    while (bits >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
      if (++blockLen === 255) {
        out[blockStart] = 255;
        blockStart = pos++;
        blockLen = 0;
      }
    }
    if (nextCode === 1 << width && width < MAX_BITS) width++;
  }
  // The end code, then the last partial byte.
  acc |= end << bits;
  bits += width;
  while (bits > 0) {
    out[pos++] = acc & 0xff;
    acc >>>= 8;
    bits -= 8;
    if (++blockLen === 255) {
      out[blockStart] = 255;
      blockStart = pos++;
      blockLen = 0;
    }
  }
  if (blockLen > 0) {
    out[blockStart] = blockLen;
    out[pos++] = 0; // block terminator
  } else {
    out[blockStart] = 0; // the reserved length byte becomes the terminator
  }
  for (let k = 0; k < nUsed; k++) child[used[k] as number] = 0;
  return out.slice(0, pos);
}

/** What {@link lzwDecode} found. */
export interface LzwResult {
  /** Offset just past the block terminator. */
  end: number;
  /** Pixels written to `out` (at most `out.length`; fewer when the data ends early). */
  pixels: number;
}

// Decoder tables, shared (one decode at a time per thread).
const prefixOf = new Uint16Array(MAX_CODES);
const suffixOf = new Uint8Array(MAX_CODES);
const firstOf = new Uint8Array(MAX_CODES);
const lengthOf = new Uint16Array(MAX_CODES);

/**
 * Decodes GIF image data starting at `offset` in `bytes`: the data sub-blocks up to and including the
 * block terminator (the LZW minimum code size byte is read by the caller and passed in). Writes at most
 * `out.length` indices; any excess is decoded and discarded, as browsers do.
 * @param minCodeSize 1..11 as read from the file.
 * @throws ValueError (with the byte offset) for an invalid minimum code size, a code not yet in the
 *   table, or data that ends before the block terminator.
 */
export function lzwDecode(
  bytes: Uint8Array,
  offset: number,
  minCodeSize: number,
  out: Uint8Array,
): LzwResult {
  if (!(minCodeSize >= 1 && minCodeSize <= 11)) {
    throw new ValueError(`Invalid LZW minimum code size ${minCodeSize} at offset ${offset - 1}`);
  }
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const first = clear + 2;
  for (let c = 0; c < clear; c++) {
    suffixOf[c] = c;
    firstOf[c] = c;
    lengthOf[c] = 1;
  }
  const limit = out.length;
  const len = bytes.length;
  let width = minCodeSize + 1;
  let mask = (1 << width) - 1;
  let nextCode = first;
  let prev = -1;
  let pos = 0;
  let acc = 0;
  let bits = 0;
  let at = offset; // next byte to read
  let blockLeft = 0;
  let ended = false; // end code seen: skip the remaining sub-blocks
  for (;;) {
    if (blockLeft === 0) {
      if (at >= len) throw new ValueError(`GIF image data truncated at offset ${at}`);
      blockLeft = bytes[at++] as number;
      if (blockLeft === 0) break; // block terminator
      if (ended) {
        at += blockLeft;
        blockLeft = 0;
        continue;
      }
    }
    if (ended) continue;
    if (at >= len) throw new ValueError(`GIF image data truncated at offset ${at}`);
    acc |= (bytes[at++] as number) << bits;
    bits += 8;
    blockLeft--;
    while (bits >= width) {
      const code = acc & mask;
      acc >>>= width;
      bits -= width;
      if (code === clear) {
        width = minCodeSize + 1;
        mask = (1 << width) - 1;
        nextCode = first;
        prev = -1;
        continue;
      }
      if (code === end) {
        ended = true;
        at += blockLeft;
        blockLeft = 0;
        bits = 0;
        break;
      }
      let c = code;
      if (prev < 0) {
        if (code >= clear) throw new ValueError(`Invalid LZW code ${code} at offset ${at - 1}`);
      } else if (code >= nextCode) {
        if (code > nextCode || nextCode >= MAX_CODES) {
          throw new ValueError(`Invalid LZW code ${code} at offset ${at - 1}`);
        }
        // KwKwK: the code being defined now, prev's string plus its own first character.
        c = prev;
      }
      // Write code c's string backwards from pos + length - 1.
      const slen = lengthOf[c] as number;
      const stop = pos + slen;
      let w = stop - 1;
      let k = c;
      if (stop <= limit) {
        while (k >= clear) {
          out[w--] = suffixOf[k] as number;
          k = prefixOf[k] as number;
        }
        out[w] = k;
      } else {
        while (k >= clear) {
          if (w < limit) out[w] = suffixOf[k] as number;
          w--;
          k = prefixOf[k] as number;
        }
        if (w < limit) out[w] = k;
      }
      let written = slen;
      const head = firstOf[c] as number;
      if (c !== code) {
        // KwKwK: append the first character once more.
        if (stop < limit) out[stop] = head;
        written++;
      }
      if (prev >= 0 && nextCode < MAX_CODES) {
        prefixOf[nextCode] = prev;
        suffixOf[nextCode] = head;
        firstOf[nextCode] = firstOf[prev] as number;
        lengthOf[nextCode] = (lengthOf[prev] as number) + 1;
        nextCode++;
        if (nextCode === 1 << width && width < MAX_BITS) {
          width++;
          mask = (1 << width) - 1;
        }
      }
      prev = code;
      pos += written;
      if (pos > limit) pos = limit + 1; // keep counting bounded; excess is discarded
    }
  }
  return { end: at, pixels: Math.min(pos, limit) };
}
