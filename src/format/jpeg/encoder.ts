/**
 * Baseline JPEG encoder: a behavioural port of the OpenMV software encoder (formats.md B §6.5,
 * `lib/imlib/jpege.c` of boards with `OMV_JPEG_CODEC_ENABLE 0`). Same headers, tables, colour
 * conversion, integer AAN DCT, float32 quantisation with round-half-even, chroma averaging, edge
 * handling and end-of-stream padding. Pure code: no DOM, no Node.
 *
 * What "firmware-like" means for callers:
 * - Partial MCUs at the right and bottom edges are filled with zeros in the level-shifted domain
 *   (mid-grey 128, chroma 0), not replicated. Edge blocks of sizes that are not a multiple of the MCU
 *   therefore differ from replicate-padding encoders (libjpeg, jpeg-js): intended.
 * - 4:2:2 and 4:2:0 chroma is the mean of 2 or 4 level-shifted samples, truncated toward zero
 *   (C integer division): the portable build of `jpege.c`. The ARM DSP build halves pairwise with
 *   floor (`__SHADD8`), which can differ by one on negative sums (formats.md B §6.5).
 * - Bytes equal to a hardware-encoder board's (OPENMV4/4P/PT, N6, Portenta, Nicla, Giga) are not
 *   possible; the spec says so.
 *
 * Checked against the firmware: for RGB565, GRAYSCALE and BINARY sources at qualities 1..99, the output
 * is byte-identical to the portable `jpege.c` (HEAD cbbb877e) compiled on a host (see the vectors in
 * encoder.test.ts). Known differences, all deliberate:
 * - Quality 100: the firmware caches its tables under `static int q = 0`, and q' is 0 at quality 100,
 *   so a quality-100 encode before any other quality since boot skips building them: all-zero DQT (an
 *   invalid file) and every coefficient quantised to 0. After any other quality it builds them as all
 *   ones. Here quality 100 always writes the all-ones tables (byte-identical to that second case).
 * - BAYER and YUV sources are encoded from the RGB565 picture the camera shows ({@link toRgba}). The
 *   firmware reads YUV bytes directly as Y/Cb/Cr and debayers straight to 8-bit Y/Cb/Cr, without the
 *   RGB565 truncation, so those files are close to the camera's, not equal.
 * - Rounding is ties-to-even (`vcvtr`, ARMv7 and later). ARMv6-M boards (Pico) fall back to `roundf`,
 *   ties away from zero.
 */
import { ValueError } from '../errors';
import type { Image } from '../image';
import { binaryRowBytes, PIXFORMAT, pixformatName } from '../pixformat';
import { toRgba } from '../pixels/index';
import type { RgbaImage } from '../raster';
import {
  AC_CHROMA,
  AC_LUMA,
  CHROMA_QUANT,
  DC_CHROMA,
  DC_LUMA,
  huffmanCodes,
  type HuffmanSpec,
  LUMA_QUANT,
  reciprocalTable,
  scaledQuantTable,
  ZIGZAG,
} from './tables';

/** `Image.save` default quality (formats.md B §6.1, §6.5). The default of {@link encodeJpeg}. */
export const STILL_QUALITY = 50;
/** `mjpeg.write` / `compress` default quality (formats.md B §6.5, §8.2): use it for clips. */
export const CLIP_QUALITY = 90;

/** `image.JPEG_SUBSAMPLING_*` (formats.md B §6.5): the value is the SOF0 sampling byte of component 1. */
export const JPEG_SUBSAMPLING_AUTO = 0;
export const JPEG_SUBSAMPLING_444 = 0x11;
export const JPEG_SUBSAMPLING_422 = 0x21;
export const JPEG_SUBSAMPLING_420 = 0x22;

/** A subsampling request: a name, or the firmware's numeric constant. */
export type JpegSubsampling = 'auto' | '444' | '422' | '420' | 0 | 0x11 | 0x21 | 0x22;
/** A resolved subsampling: the luma sampling byte written to SOF0. */
export type JpegSampling = 0x11 | 0x21 | 0x22;

/** Options of {@link encodeJpeg}. */
export interface JpegEncodeOptions {
  /** 1..100 (integer). Default {@link STILL_QUALITY} (50); clips use {@link CLIP_QUALITY} (90). */
  quality?: number;
  /**
   * Chroma subsampling of colour output. 'auto' (default) picks 4:2:0 at quality ≤ 35, 4:2:2 below 60
   * and 4:4:4 otherwise, as the firmware does. Ignored for 1-component output.
   */
  subsampling?: JpegSubsampling;
  /**
   * Write a 1-component (luma only) JPEG from a colour source. Luma is the firmware's
   * Y = (38R + 75G + 15B) >> 7 (formats.md B §1.6), the same Y a colour encode would carry.
   * GRAYSCALE and BINARY sources are always 1-component.
   */
  grayscale?: boolean;
}

/** Throws `ValueError` unless `quality` is an integer in 1..100. */
export function checkQuality(quality: number): void {
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new ValueError(`JPEG quality must be an integer in 1..100 (got ${String(quality)})`);
  }
}

/**
 * The sampling byte the encoder writes for a request (`jpeg_compress`): 1-component output is always
 * 0x11; colour AUTO is 4:2:0 if quality ≤ 35, 4:2:2 if quality < 60, else 4:4:4.
 *
 * @throws ValueError for an unknown subsampling value.
 */
export function resolveSubsampling(
  quality: number,
  subsampling: JpegSubsampling = 'auto',
  color = true,
): JpegSampling {
  let value: number;
  switch (subsampling) {
    case 'auto':
    case JPEG_SUBSAMPLING_AUTO:
      value = JPEG_SUBSAMPLING_AUTO;
      break;
    case '444':
    case JPEG_SUBSAMPLING_444:
      value = JPEG_SUBSAMPLING_444;
      break;
    case '422':
    case JPEG_SUBSAMPLING_422:
      value = JPEG_SUBSAMPLING_422;
      break;
    case '420':
    case JPEG_SUBSAMPLING_420:
      value = JPEG_SUBSAMPLING_420;
      break;
    default:
      throw new ValueError(
        `JPEG subsampling must be 'auto', '444', '422', '420' or 0, 0x11, 0x21, 0x22 (got ${String(subsampling)})`,
      );
  }
  if (!color) return JPEG_SUBSAMPLING_444;
  if (value !== JPEG_SUBSAMPLING_AUTO) return value as JpegSampling;
  return quality <= 35 ? JPEG_SUBSAMPLING_420 : quality < 60 ? JPEG_SUBSAMPLING_422 : JPEG_SUBSAMPLING_444;
}

/** The largest width or height SOF0 can carry. */
const MAX_JPEG_DIMENSION = 65535;

/**
 * Encodes a frame or an RGBA raster as a baseline JPEG (formats.md B §6.5, the software encoder).
 *
 * Sources:
 * - GRAYSCALE, BINARY (0 → 0, 1 → 255): 1 component.
 * - RGB565: colour from the 5/6-bit channels expanded by bit replication, as `jpeg_get_mcu` does.
 * - BAYER_*, YUV422, YVU422: colour from the RGB565 picture the camera shows ({@link toRgba}).
 * - JPEG: passed through: the returned array **is** `source.data` (same bytes, not a copy).
 * - PNG: `ValueError` (decode the PNG frame first, then encode its RGBA).
 * - {@link RgbaImage}: colour from the 8-bit RGB (alpha ignored), or 1 component with `grayscale`.
 *
 * @returns A new array holding the whole JPEG file (SOI … EOI), except for the JPEG passthrough.
 * @throws ValueError for a bad quality or subsampling, a PNG/ARGB8 source, a raster whose data is too
 *   short, or a side longer than 65535.
 */
export function encodeJpeg(source: Image | RgbaImage, opts: JpegEncodeOptions = {}): Uint8Array {
  const quality = opts.quality ?? STILL_QUALITY;
  checkQuality(quality);
  const subsampling = opts.subsampling ?? 'auto';
  resolveSubsampling(quality, subsampling); // validates the value up front, whatever the source
  const grayscale = opts.grayscale === true;

  if (isImage(source)) {
    const { width, height, pixformat, data } = source;
    switch (pixformat) {
      case PIXFORMAT.JPEG:
        return data;
      case PIXFORMAT.PNG:
        throw new ValueError(
          'encodeJpeg: the source is a PNG frame; decode the PNG frame first, then encode its RGBA',
        );
      case PIXFORMAT.GRAYSCALE:
        checkLength(data, width * height, source);
        return encodePlanes(width, height, quality, 0x11, false, (p) => fillGray(data, p));
      case PIXFORMAT.BINARY:
        checkLength(data, binaryRowBytes(width) * height, source);
        return encodePlanes(width, height, quality, 0x11, false, (p) => fillBinary(data, p));
      case PIXFORMAT.RGB565: {
        checkLength(data, 2 * width * height, source);
        if (grayscale) return encodePlanes(width, height, quality, 0x11, false, (p) => fillRgb565(data, p));
        const sampling = resolveSubsampling(quality, subsampling, true);
        return encodePlanes(width, height, quality, sampling, true, (p) => fillRgb565(data, p));
      }
      case PIXFORMAT.BAYER_BGGR:
      case PIXFORMAT.BAYER_GBRG:
      case PIXFORMAT.BAYER_GRBG:
      case PIXFORMAT.BAYER_RGGB:
      case PIXFORMAT.YUV422:
      case PIXFORMAT.YVU422:
        return encodeRgba(width, height, toRgba(source), quality, subsampling, grayscale);
      default:
        throw new ValueError(`encodeJpeg: cannot encode pixel format ${pixformatName(pixformat)} as JPEG`);
    }
  }
  const { width, height, data } = source;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new ValueError(`encodeJpeg: width and height must be positive integers (got ${width}x${height})`);
  }
  if (!data || data.length < width * height * 4) {
    throw new ValueError(
      `encodeJpeg: RGBA data too short for ${width}x${height}: need ${width * height * 4} bytes, got ${data?.length ?? 0}`,
    );
  }
  return encodeRgba(width, height, data, quality, subsampling, grayscale);
}

function isImage(source: Image | RgbaImage): source is Image {
  return typeof (source as Image).pixformat === 'number';
}

function checkLength(data: Uint8Array, needed: number, image: Image): void {
  if (data.length < needed) {
    throw new ValueError(
      `encodeJpeg: payload of ${String(image)} too short: need ${needed}, got ${data.length}`,
    );
  }
}

function encodeRgba(
  width: number,
  height: number,
  rgba: Uint8ClampedArray,
  quality: number,
  subsampling: JpegSubsampling,
  grayscale: boolean,
): Uint8Array {
  if (grayscale) return encodePlanes(width, height, quality, 0x11, false, (p) => fillRgba(rgba, p));
  const sampling = resolveSubsampling(quality, subsampling, true);
  return encodePlanes(width, height, quality, sampling, true, (p) => fillRgba(rgba, p));
}

// ---------------------------------------------------------------------------------------------------
// Planes: the level-shifted samples (Y - 128, Cb, Cr as int8), padded with zeros to whole MCUs. Zeros
// are what the firmware's partial-MCU memset leaves, so the block loops need no edge cases.

/** The level-shifted planes of one frame. `cb`/`cr` are empty for 1-component output. */
interface Planes {
  /** Image size. */
  width: number;
  height: number;
  /** Padded size: whole MCUs. Row stride of every plane. */
  stride: number;
  rows: number;
  y: Int8Array;
  cb: Int8Array;
  cr: Int8Array;
  color: boolean;
}

/** Reused between calls (the encoder is synchronous), up to this many bytes. */
const MAX_CACHED_PLANES = 3 * 2048 * 2048;
const MAX_CACHED_OUTPUT = 16 * 1024 * 1024;
let planeScratch = new Int8Array(0);
let outScratch = new Uint8Array(0);

function makePlanes(width: number, height: number, sampling: JpegSampling, color: boolean): Planes {
  if (width > MAX_JPEG_DIMENSION || height > MAX_JPEG_DIMENSION) {
    throw new ValueError(`encodeJpeg: ${width}x${height} is too large for JPEG (65535 at most a side)`);
  }
  const mcuW = sampling === 0x11 ? 8 : 16;
  const mcuH = sampling === 0x22 ? 16 : 8;
  const stride = Math.ceil(width / mcuW) * mcuW;
  const rows = Math.ceil(height / mcuH) * mcuH;
  const size = stride * rows;
  const total = color ? 3 * size : size;
  let buffer: Int8Array;
  if (total <= MAX_CACHED_PLANES) {
    if (planeScratch.length < total) planeScratch = new Int8Array(total);
    buffer = planeScratch;
    buffer.fill(0, 0, total);
  } else {
    buffer = new Int8Array(total);
  }
  return {
    width,
    height,
    stride,
    rows,
    y: buffer.subarray(0, size),
    cb: color ? buffer.subarray(size, 2 * size) : buffer.subarray(0, 0),
    cr: color ? buffer.subarray(2 * size, 3 * size) : buffer.subarray(0, 0),
    color,
  };
}

/** GRAYSCALE: Y - 128 (the firmware XORs 0x80). */
function fillGray(data: Uint8Array, p: Planes): void {
  const { width, height, stride, y: Y } = p;
  for (let row = 0; row < height; row++) {
    const s = row * width;
    const d = row * stride;
    for (let x = 0; x < width; x++) Y[d + x] = data[s + x]! - 128;
  }
}

/** BINARY: bit x&7 of byte x>>3 of each word-padded row; 1 → 255, 0 → 0 (level-shifted 127 / -128). */
function fillBinary(data: Uint8Array, p: Planes): void {
  const { width, height, stride, y: Y } = p;
  const rowBytes = binaryRowBytes(width);
  for (let row = 0; row < height; row++) {
    const s = row * rowBytes;
    const d = row * stride;
    for (let x = 0; x < width; x++) Y[d + x] = (data[s + (x >> 3)]! >> (x & 7)) & 1 ? 127 : -128;
  }
}

let rgb565Table: Int32Array | undefined;

/**
 * One packed word per RGB565 value: byte 0 = Y - 128, byte 1 = Cb, byte 2 = Cr (int8 each), from the
 * bit-replicated 8-bit channels and the formulas of formats.md B §1.6, exactly as `jpeg_get_mcu` computes
 * them (its packed two-pixel arithmetic gives the same per-pixel values).
 */
function getRgb565Table(): Int32Array {
  if (rgb565Table) return rgb565Table;
  const table = new Int32Array(65536);
  for (let px = 0; px < 65536; px++) {
    const r5 = px >> 11;
    const g6 = (px >> 5) & 0x3f;
    const b5 = px & 0x1f;
    table[px] = yccWord((r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2));
  }
  rgb565Table = table;
  return table;
}

/** Level-shifted Y, Cb, Cr of one 8-bit RGB pixel, packed as in {@link getRgb565Table}. */
function yccWord(r: number, g: number, b: number): number {
  const y = ((38 * r + 75 * g + 15 * b) >> 7) - 128;
  const cb = (64 * b - 21 * r - 43 * g) >> 7;
  const cr = (64 * r - 54 * g - 10 * b) >> 7;
  return (y & 0xff) | ((cb & 0xff) << 8) | ((cr & 0xff) << 16);
}

/** RGB565 (little-endian u16 per pixel, B §1.4) → planes. Writes only Y when the planes are grey. */
function fillRgb565(data: Uint8Array, p: Planes): void {
  const { width, height, stride, y: Y, cb: CB, cr: CR, color } = p;
  const table = getRgb565Table();
  for (let row = 0; row < height; row++) {
    let s = 2 * row * width;
    const d = row * stride;
    if (color) {
      for (let x = 0; x < width; x++, s += 2) {
        const w = table[data[s]! | (data[s + 1]! << 8)]!;
        Y[d + x] = w; // typed-array stores keep the low byte (ToInt8)
        CB[d + x] = w >> 8;
        CR[d + x] = w >> 16;
      }
    } else {
      for (let x = 0; x < width; x++, s += 2) Y[d + x] = table[data[s]! | (data[s + 1]! << 8)]!;
    }
  }
}

/** 8-bit RGBA → planes (alpha ignored), with the same formulas as the RGB565 path. */
function fillRgba(data: Uint8ClampedArray, p: Planes): void {
  const { width, height, stride, y: Y, cb: CB, cr: CR, color } = p;
  for (let row = 0; row < height; row++) {
    let s = 4 * row * width;
    const d = row * stride;
    for (let x = 0; x < width; x++, s += 4) {
      const r = data[s]!;
      const g = data[s + 1]!;
      const b = data[s + 2]!;
      Y[d + x] = ((38 * r + 75 * g + 15 * b) >> 7) - 128;
      if (color) {
        CB[d + x] = (64 * b - 21 * r - 43 * g) >> 7;
        CR[d + x] = (64 * r - 54 * g - 10 * b) >> 7;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Tables per quality (built on first use) and the Huffman lookups.

interface QualityTables {
  /** DQT tables, zigzag order. */
  luma: Uint8Array;
  chroma: Uint8Array;
  /** Reciprocals for the AAN output, natural order. */
  lumaRecip: Float32Array;
  chromaRecip: Float32Array;
}

const qualityTables: (QualityTables | undefined)[] = [];

function tablesFor(quality: number): QualityTables {
  let t = qualityTables[quality];
  if (!t) {
    const luma = scaledQuantTable(LUMA_QUANT, quality);
    const chroma = scaledQuantTable(CHROMA_QUANT, quality);
    t = { luma, chroma, lumaRecip: reciprocalTable(luma), chromaRecip: reciprocalTable(chroma) };
    qualityTables[quality] = t;
  }
  return t;
}

/** Code and length of each symbol, in one Int32Array: `(code << 8) | length`. */
function packedCodes(spec: HuffmanSpec): Int32Array {
  const { code, size } = huffmanCodes(spec);
  const out = new Int32Array(256);
  for (let s = 0; s < 256; s++) out[s] = (code[s]! << 8) | size[s]!;
  return out;
}

const DC_LUMA_CODES = packedCodes(DC_LUMA);
const AC_LUMA_CODES = packedCodes(AC_LUMA);
const DC_CHROMA_CODES = packedCodes(DC_CHROMA);
const AC_CHROMA_CODES = packedCodes(AC_CHROMA);

/**
 * The quantiser's rounding: adding and subtracting 1.5·2^52 rounds a double to an integer with ties to
 * even (the FPU default, like the firmware's `vcvtr` in `fast_roundf`); exact for |x| < 2^51.
 */
const ROUND_MAGIC = 6755399441055744;

// ---------------------------------------------------------------------------------------------------
// Output: a growable byte buffer with an MSB-first bit writer and 0xFF byte stuffing.

class Output {
  buf: Uint8Array;
  pos = 0;
  /** Pending bits (the low `bits` bits; anything above them is stale and masked off). */
  acc = 0;
  bits = 0;

  constructor(capacity: number) {
    if (capacity <= MAX_CACHED_OUTPUT) {
      if (outScratch.length < capacity) outScratch = new Uint8Array(capacity);
      this.buf = outScratch;
    } else {
      this.buf = new Uint8Array(capacity);
    }
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    if (grown.length <= MAX_CACHED_OUTPUT) outScratch = grown;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  bytes(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.buf[this.pos++] = b[i]!;
  }

  /** Appends the `len` (≤ 24) low bits of `code`, MSB first; a 0xFF byte is followed by 0x00. */
  put(code: number, len: number): void {
    let bits = this.bits + len;
    const acc = (this.acc << len) | code;
    if (bits >= 8) {
      const buf = this.buf;
      let pos = this.pos;
      do {
        bits -= 8;
        const b = (acc >>> bits) & 0xff;
        buf[pos++] = b;
        if (b === 0xff) buf[pos++] = 0;
      } while (bits >= 8);
      this.pos = pos;
    }
    this.acc = acc;
    this.bits = bits;
  }

  /** Pads the last byte with 1-bits (`jpeg_write_bits(0x7F, 7)` keeps only whole bytes). */
  flushOnes(): void {
    if (this.bits > 0) this.put((1 << (8 - this.bits)) - 1, 8 - this.bits);
  }
}

// ---------------------------------------------------------------------------------------------------
// The scan.

/** Worst case of one block: 22 DC bits + 63 × 26 AC bits ≈ 208 bytes, doubled by stuffing. */
const BLOCK_RESERVE = 1024;

/** Per-block work areas, allocated once. */
const DU = new Int32Array(64);
const ZQ = new Int32Array(64);
const SUB = new Int8Array(64);

function encodePlanes(
  width: number,
  height: number,
  quality: number,
  sampling: JpegSampling,
  color: boolean,
  fill: (p: Planes) => void,
): Uint8Array {
  const p = makePlanes(width, height, sampling, color);
  fill(p);
  const t = tablesFor(quality);
  const out = new Output(Math.max(4096, Math.ceil((width * height) / 2) + 1024));
  writeHeaders(out, width, height, color, sampling, t);

  const { stride, rows, y: Y, cb: CB, cr: CR } = p;
  const fy = t.lumaRecip;
  const fc = t.chromaRecip;
  let dcY = 0;
  let dcU = 0;
  let dcV = 0;
  if (!color || sampling === 0x11) {
    for (let by = 0; by < rows; by += 8) {
      for (let bx = 0; bx < stride; bx += 8) {
        const o = by * stride + bx;
        dcY = encodeBlock(out, Y, o, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        if (color) {
          dcU = encodeBlock(out, CB, o, stride, fc, dcU, DC_CHROMA_CODES, AC_CHROMA_CODES);
          dcV = encodeBlock(out, CR, o, stride, fc, dcV, DC_CHROMA_CODES, AC_CHROMA_CODES);
        }
      }
    }
  } else if (sampling === 0x21) {
    for (let by = 0; by < rows; by += 8) {
      for (let bx = 0; bx < stride; bx += 16) {
        const o = by * stride + bx;
        dcY = encodeBlock(out, Y, o, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        dcY = encodeBlock(out, Y, o + 8, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        average2x1(CB, o, stride, SUB);
        dcU = encodeBlock(out, SUB, 0, 8, fc, dcU, DC_CHROMA_CODES, AC_CHROMA_CODES);
        average2x1(CR, o, stride, SUB);
        dcV = encodeBlock(out, SUB, 0, 8, fc, dcV, DC_CHROMA_CODES, AC_CHROMA_CODES);
      }
    }
  } else {
    for (let by = 0; by < rows; by += 16) {
      for (let bx = 0; bx < stride; bx += 16) {
        const o = by * stride + bx;
        const o2 = o + 8 * stride;
        dcY = encodeBlock(out, Y, o, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        dcY = encodeBlock(out, Y, o + 8, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        dcY = encodeBlock(out, Y, o2, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        dcY = encodeBlock(out, Y, o2 + 8, stride, fy, dcY, DC_LUMA_CODES, AC_LUMA_CODES);
        average2x2(CB, o, stride, SUB);
        dcU = encodeBlock(out, SUB, 0, 8, fc, dcU, DC_CHROMA_CODES, AC_CHROMA_CODES);
        average2x2(CR, o, stride, SUB);
        dcV = encodeBlock(out, SUB, 0, 8, fc, dcV, DC_CHROMA_CODES, AC_CHROMA_CODES);
      }
    }
  }

  out.flushOnes();
  out.reserve(2);
  out.byte(0xff);
  out.byte(0xd9);
  return out.buf.slice(0, out.pos);
}

/** 4:2:2 chroma of a 16x8 area: each pair's sum / 2, truncated toward zero (portable `jpege.c`). */
function average2x1(src: Int8Array, o: number, stride: number, dst: Int8Array): void {
  for (let r = 0, d = 0; r < 8; r++) {
    const s = o + r * stride;
    for (let c = 0; c < 16; c += 2, d++) {
      const sum = src[s + c]! + src[s + c + 1]!;
      dst[d] = (sum + (sum >>> 31)) >> 1;
    }
  }
}

/** 4:2:0 chroma of a 16x16 area: each 2x2 sum / 4, truncated toward zero (portable `jpege.c`). */
function average2x2(src: Int8Array, o: number, stride: number, dst: Int8Array): void {
  for (let r = 0, d = 0; r < 8; r++) {
    const s = o + 2 * r * stride;
    const t = s + stride;
    for (let c = 0; c < 16; c += 2, d++) {
      const sum = src[s + c]! + src[s + c + 1]! + src[t + c]! + src[t + c + 1]!;
      dst[d] = (sum + ((sum >> 31) & 3)) >> 2;
    }
  }
}

/**
 * One 1-D pass of the integer AAN forward DCT: 8 values from `inp` at `i`, `i + is`, ... into `out` at
 * `o`, `o + os`, ... (rows: step 1; columns: step 8). Every input is read before any output is written,
 * so a column pass runs in place.
 */
function fdct8(
  inp: Int8Array | Int32Array,
  i: number,
  is: number,
  out: Int32Array,
  o: number,
  os: number,
): void {
  const d0 = inp[i]!;
  const d1 = inp[i + is]!;
  const d2 = inp[i + 2 * is]!;
  const d3 = inp[i + 3 * is]!;
  const d4 = inp[i + 4 * is]!;
  const d5 = inp[i + 5 * is]!;
  const d6 = inp[i + 6 * is]!;
  const d7 = inp[i + 7 * is]!;
  const t0 = d0 + d7;
  const t1 = d1 + d6;
  const t2 = d2 + d5;
  const t3 = d3 + d4;
  const t7 = d0 - d7;
  const t6 = d1 - d6;
  const t5 = d2 - d5;
  const t4 = d3 - d4;
  // Even part.
  const t10 = t0 + t3;
  const t13 = t0 - t3;
  const t11 = t1 + t2;
  const t12 = t1 - t2;
  const z1 = ((t12 + t13) * 181) >> 8;
  out[o] = t10 + t11;
  out[o + 4 * os] = t10 - t11;
  out[o + 2 * os] = t13 + z1;
  out[o + 6 * os] = t13 - z1;
  // Odd part.
  const u10 = t4 + t5;
  const u11 = t5 + t6;
  const u12 = t6 + t7;
  const z5 = ((u10 - u12) * 98) >> 8;
  const z2 = ((u10 * 139) >> 8) + z5;
  const z4 = ((u12 * 334) >> 8) + z5;
  const z3 = (u11 * 181) >> 8;
  const z11 = t7 + z3;
  const z13 = t7 - z3;
  out[o + 5 * os] = z13 + z2;
  out[o + 3 * os] = z13 - z2;
  out[o + os] = z11 + z4;
  out[o + 7 * os] = z11 - z4;
}

/**
 * One 8x8 block (`jpeg_processDU`): integer AAN forward DCT (8-bit fixed-point multipliers, arithmetic
 * shifts), float32 quantisation by the reciprocal table with round-half-even, zigzag, then Huffman
 * coding of the DC difference and the AC run/size symbols.
 *
 * @returns The block's quantised DC, the predictor of the next block of this component.
 */
function encodeBlock(
  out: Output,
  src: Int8Array,
  off: number,
  stride: number,
  recip: Float32Array,
  prevDc: number,
  dcCodes: Int32Array,
  acCodes: Int32Array,
): number {
  const du = DU;
  const zq = ZQ;
  const zigzag = ZIGZAG;

  // Rows, then columns, in place.
  for (let r = 0, s = off, p = 0; r < 8; r++, s += stride, p += 8) fdct8(src, s, 1, du, p, 1);
  for (let p = 0; p < 8; p++) fdct8(du, p, 8, du, p, 8);

  // Quantise (float32 product, ties to even) into zigzag order.
  const fround = Math.fround;
  for (let k = 0; k < 64; k++) {
    zq[zigzag[k]!] = fround(du[k]! * recip[k]!) + ROUND_MAGIC - ROUND_MAGIC;
  }
  let end = 63;
  while (end > 0 && zq[end] === 0) end--;

  out.reserve(BLOCK_RESERVE);

  // DC difference.
  const dc = zq[0]!;
  const diff = dc - prevDc;
  if (diff === 0) {
    const c = dcCodes[0]!;
    out.put(c >> 8, c & 0xff);
  } else {
    const mag = diff < 0 ? -diff : diff;
    const cat = 32 - Math.clz32(mag);
    const c = dcCodes[cat]!;
    out.put(c >> 8, c & 0xff);
    out.put((diff < 0 ? diff - 1 : diff) & ((1 << cat) - 1), cat);
  }

  // AC run/size symbols.
  const eob = acCodes[0x00]!;
  if (end === 0) {
    out.put(eob >> 8, eob & 0xff);
    return dc;
  }
  const zrl = acCodes[0xf0]!;
  let run = 0;
  for (let i = 1; i <= end; i++) {
    const v = zq[i]!;
    if (v === 0) {
      run++;
      continue;
    }
    while (run >= 16) {
      out.put(zrl >> 8, zrl & 0xff);
      run -= 16;
    }
    const mag = v < 0 ? -v : v;
    const cat = 32 - Math.clz32(mag);
    const c = acCodes[(run << 4) | cat]!;
    out.put(c >> 8, c & 0xff);
    out.put((v < 0 ? v - 1 : v) & ((1 << cat) - 1), cat);
    run = 0;
  }
  if (end !== 63) out.put(eob >> 8, eob & 0xff);
  return dc;
}

// ---------------------------------------------------------------------------------------------------
// Headers (`jpeg_write_headers`).

/** APP0 JFIF exactly as the firmware writes it: version 1.01, no units, density 1x1, no thumbnail. */
// prettier-ignore
const APP0 = Uint8Array.of(
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
);

function writeHeaders(
  out: Output,
  width: number,
  height: number,
  color: boolean,
  sampling: JpegSampling,
  t: QualityTables,
): void {
  const n = color ? 3 : 1; // components
  const tables = color ? 2 : 1; // quantisation tables, Huffman table pairs
  out.reserve(1024);
  out.bytes([0xff, 0xd8]);
  out.bytes(APP0);

  const dqt = 65 * tables + 2;
  out.bytes([0xff, 0xdb, dqt >> 8, dqt & 0xff, 0x00]);
  out.bytes(t.luma);
  if (color) {
    out.byte(0x01);
    out.bytes(t.chroma);
  }

  const sof = 8 + 3 * n;
  out.bytes([0xff, 0xc0, sof >> 8, sof & 0xff, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, n]);
  out.bytes([1, color ? sampling : 0x11, 0]);
  if (color) out.bytes([2, 0x11, 1, 3, 0x11, 1]);

  const dht = 208 * tables + 2;
  out.bytes([0xff, 0xc4, dht >> 8, dht & 0xff]);
  writeHuffman(out, 0x00, DC_LUMA);
  writeHuffman(out, 0x10, AC_LUMA);
  if (color) {
    writeHuffman(out, 0x01, DC_CHROMA);
    writeHuffman(out, 0x11, AC_CHROMA);
  }

  const sos = 6 + 2 * n;
  out.bytes([0xff, 0xda, sos >> 8, sos & 0xff, n, 1, 0x00]);
  if (color) out.bytes([2, 0x11, 3, 0x11]);
  out.bytes([0x00, 0x3f, 0x00]);
}

function writeHuffman(out: Output, classAndId: number, spec: HuffmanSpec): void {
  out.byte(classAndId);
  out.bytes(spec.bits);
  out.bytes(spec.values);
}
