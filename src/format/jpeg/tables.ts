/**
 * The constant tables of the baseline JPEG encoder (formats.md B §6.5): the ITU-T T.81 Annex K
 * quantisation and Huffman tables, the zigzag order, the AAN scale factors, and the per-quality
 * derivations the OpenMV software encoder makes from them (`lib/imlib/jpege.c: jpeg_init`). Pure code.
 */

/** `ZIGZAG[n]`: the position in the zigzag scan of natural (row-major) coefficient n. */
// prettier-ignore
export const ZIGZAG: Uint8Array = Uint8Array.of(
  0, 1, 5, 6, 14, 15, 27, 28,
  2, 4, 7, 13, 16, 26, 29, 42,
  3, 8, 12, 17, 25, 30, 41, 43,
  9, 11, 18, 24, 31, 40, 44, 53,
  10, 19, 23, 32, 39, 45, 52, 54,
  20, 22, 33, 38, 46, 51, 55, 60,
  21, 34, 37, 47, 50, 56, 59, 61,
  35, 36, 48, 49, 57, 58, 62, 63,
);

/** Annex K.1 luminance quantisation table, natural order. */
// prettier-ignore
export const LUMA_QUANT: Uint8Array = Uint8Array.of(
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
);

/** Annex K.2 chrominance quantisation table, natural order. */
// prettier-ignore
export const CHROMA_QUANT: Uint8Array = Uint8Array.of(
  17, 18, 24, 47, 99, 99, 99, 99,
  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
);

/** A Huffman table as the DHT segment stores it: code counts per length 1..16, then the symbols. */
export interface HuffmanSpec {
  /** 16 counts: how many codes have length 1, 2, …, 16. */
  readonly bits: Uint8Array;
  /** The symbols in code order. */
  readonly values: Uint8Array;
}

/** Annex K.3.3: the four standard tables (DC/AC × luminance/chrominance). */
export const DC_LUMA: HuffmanSpec = {
  bits: Uint8Array.of(0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
  values: Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
};

export const DC_CHROMA: HuffmanSpec = {
  bits: Uint8Array.of(0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
  values: Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
};

// prettier-ignore
export const AC_LUMA: HuffmanSpec = {
  bits: Uint8Array.of(0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d),
  values: Uint8Array.of(
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ),
};

// prettier-ignore
export const AC_CHROMA: HuffmanSpec = {
  bits: Uint8Array.of(0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77),
  values: Uint8Array.of(
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ),
};

/** A Huffman table as the encoder uses it: code and length of each symbol 0..255 (length 0: unused). */
export interface HuffmanCodes {
  readonly code: Uint16Array;
  readonly size: Uint8Array;
}

/**
 * The canonical codes of a table (T.81 Annex C: `Generate_size_table`, `Generate_code_table`,
 * `Order_codes`), as a symbol-indexed lookup.
 */
export function huffmanCodes(spec: HuffmanSpec): HuffmanCodes {
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const count = spec.bits[length - 1]!;
    for (let i = 0; i < count; i++, k++) {
      const symbol = spec.values[k]!;
      code[symbol] = next++;
      size[symbol] = length;
    }
    next <<= 1;
  }
  return { code, size };
}

/**
 * The quality scaling factor q' of formats.md B §6.5 (`jpeg_init`): 5000/q (integer division) below 50,
 * 200 - 2q from 50 up. `quality` must already be an integer in 1..100.
 */
export function qualityScale(quality: number): number {
  return quality < 50 ? Math.floor(5000 / quality) : 200 - quality * 2;
}

/**
 * A base table scaled for `quality` and reordered to zigzag order, as the DQT segment carries it:
 * `clamp(floor((base * q' + 50) / 100), 1, 255)`.
 */
export function scaledQuantTable(base: Uint8Array, quality: number): Uint8Array {
  const scale = qualityScale(quality);
  const out = new Uint8Array(64);
  for (let n = 0; n < 64; n++) {
    const v = Math.floor((base[n]! * scale + 50) / 100);
    out[ZIGZAG[n]!] = v < 1 ? 1 : v > 255 ? 255 : v;
  }
  return out;
}

/**
 * The AAN output scale factors (`aasf` in `jpege.c`): cos(k·π/16)·√2 for k > 0, 1 for k = 0, as float32
 * constants.
 */
const AASF: Float32Array = Float32Array.of(
  1.0,
  1.387039845,
  1.306562965,
  1.175875602,
  1.0,
  0.785694958,
  0.5411961,
  0.275899379,
);

/**
 * The reciprocal quantisation table for the integer AAN DCT output, natural order:
 * `1 / (aasf[row] · aasf[col] · Q · 8)`, each operation rounded to float32 in the order the firmware's
 * single-precision C evaluates it, so the products the quantiser rounds are the firmware's.
 *
 * @param zigzagTable A DQT table in zigzag order (from {@link scaledQuantTable}).
 */
export function reciprocalTable(zigzagTable: Uint8Array): Float32Array {
  const out = new Float32Array(64);
  const f = Math.fround;
  for (let r = 0, k = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++, k++) {
      const q = zigzagTable[ZIGZAG[k]!]!;
      out[k] = f(1 / f(f(f(AASF[r]! * AASF[c]!) * q) * 8));
    }
  }
  return out;
}
