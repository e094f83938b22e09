/**
 * PNG writer and reader (formats.md B §6.6), on this folder's own deflate/inflate. Pure code.
 *
 * Writer: one IHDR, one IDAT, IEND, no ancillary chunks; MINSUM adaptive filtering per row (lodepng's
 * default) for 8-bit output, filter None for 1-bit output; zlib level 6 with a 32 KiB window.
 * Reader: every colour type and bit depth (1, 2, 4, 8, 16), PLTE and tRNS, non-interlaced and Adam7;
 * CRCs and the Adler-32 checked; output RGBA.
 */
import { concatBytes } from '../bytes';
import { OSError, ValueError } from '../errors';
import type { Image } from '../image';
import { binaryRowBytes, PIXFORMAT, pixformatName } from '../pixformat';
import { toRgba } from '../pixels/index';
import type { RgbaImage } from '../raster';
import { crc32 } from './checksum';
import { zlibDeflate } from './deflate';
import { zlibInflate } from './inflate';
import { asciiBytes, needBytes, readError } from './shared';

const FMT = 'PNG';
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Colour types (PNG spec §11.2.2). */
export const PNG_COLOR = { GREY: 0, RGB: 2, PALETTE: 3, GREY_ALPHA: 4, RGBA: 6 } as const;

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

const be32 = (b: Uint8Array, at: number): number =>
  (((b[at] as number) << 24) |
    ((b[at + 1] as number) << 16) |
    ((b[at + 2] as number) << 8) |
    (b[at + 3] as number)) >>>
  0;

function putBe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

// ---------------------------------------------------------------------------------------------------
// Writing

/**
 * Filters rows of `rowBytes` bytes into PNG scanlines (a filter-type byte before each row).
 * `adaptive`: per row, the filter with the smallest sum of bytes taken as signed (lodepng's MINSUM,
 * filter None summed unsigned); otherwise filter None everywhere. `bpp` is bytes per complete pixel
 * (at least 1).
 */
export function filterScanlines(
  raw: Uint8Array,
  rowBytes: number,
  height: number,
  bpp: number,
  adaptive: boolean,
): Uint8Array {
  const out = new Uint8Array(height * (rowBytes + 1));
  if (!adaptive) {
    for (let y = 0; y < height; y++)
      out.set(raw.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
    return out;
  }
  const attempts = [1, 2, 3, 4].map(() => new Uint8Array(rowBytes));
  const zero = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const cur = raw.subarray(y * rowBytes, (y + 1) * rowBytes);
    const prev = y === 0 ? zero : raw.subarray((y - 1) * rowBytes, y * rowBytes);
    let best = 0;
    let bestSum = 0;
    for (let i = 0; i < rowBytes; i++) bestSum += cur[i] as number;
    for (let type = 1; type <= 4; type++) {
      const f = attempts[type - 1] as Uint8Array;
      let sum = 0;
      for (let i = 0; i < rowBytes; i++) {
        const x = cur[i] as number;
        const a = i >= bpp ? (cur[i - bpp] as number) : 0;
        const b = prev[i] as number;
        let pred: number;
        if (type === 1) pred = a;
        else if (type === 2) pred = b;
        else if (type === 3) pred = (a + b) >> 1;
        else {
          const c = i >= bpp ? (prev[i - bpp] as number) : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const v = (x - pred) & 0xff;
        f[i] = v;
        sum += v < 128 ? v : 255 - v;
      }
      if (sum < bestSum) {
        best = type;
        bestSum = sum;
      }
    }
    const o = y * (rowBytes + 1);
    out[o] = best;
    out.set(best === 0 ? cur : (attempts[best - 1] as Uint8Array), o + 1);
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  putBe32(out, 0, data.length);
  out.set(asciiBytes(type), 4);
  out.set(data, 8);
  putBe32(out, 8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Assembles signature, IHDR, one IDAT and IEND around packed rows. */
function writePng(
  width: number,
  height: number,
  colorType: number,
  bitDepth: number,
  raw: Uint8Array,
  adaptive: boolean,
): Uint8Array {
  const channels = CHANNELS[colorType] as number;
  const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
  const bpp = Math.max(1, (channels * bitDepth) >> 3);
  const idat = zlibDeflate(filterScanlines(raw, rowBytes, height, bpp, adaptive), { level: 6 });
  const ihdr = new Uint8Array(13);
  putBe32(ihdr, 0, width);
  putBe32(ihdr, 4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  // compression 0, filter method 0, interlace 0
  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ];
  return concatBytes(parts);
}

/** RGBA (or any 4-byte-per-pixel) data → packed 8-bit RGB rows. */
function rgbaToRgb(rgba: ArrayLike<number>, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
    out[i] = rgba[j] as number;
    out[i + 1] = rgba[j + 1] as number;
    out[i + 2] = rgba[j + 2] as number;
  }
  return out;
}

/**
 * `Image.save("x.png")` as bytes (formats.md B §6.6): GRAYSCALE → 8-bit grey; RGB565 → 8-bit RGB by bit
 * replication; BINARY → 1-bit grey, MSB first, 1 = white; a PNG image is returned as is (a copy).
 *
 * **Deviations from the firmware:**
 * - Bayer and YUV frames, which the firmware refuses (`RuntimeError("Input format is not supported")`),
 *   are written as 8-bit RGB of exactly what the camera shows (`toRgba`: demosaic / YUV conversion, then
 *   RGB565, then bit replication), so a still can be taken of any frame.
 * - A JPEG frame, for which the firmware writes an empty file, is a `ValueError`: decode it first.
 * - BINARY is written as a real 1-bit PNG. The firmware hands its LSB-first, word-padded rows to lodepng
 *   as an MSB-first unpadded 1-bit stream, encoded as 8-bit grey; pixels within each byte come out
 *   mirrored and rows skew unless the width is a multiple of 32.
 * - Same pixels but not the same bytes as the firmware's lodepng (32 KiB window instead of 1 KiB, this
 *   folder's own deflate).
 *
 * @throws ValueError for JPEG (decode it with a `FrameDecoder` and pass the RGBA result to
 *   {@link encodePngRgba}), ARGB8 (no defined payload) and invalid formats.
 */
export function encodePng(image: Image): Uint8Array {
  const { width, height, data } = image;
  switch (image.pixformat) {
    case PIXFORMAT.PNG:
      return data.slice(0, image.size);
    case PIXFORMAT.JPEG:
      throw new ValueError(
        'A JPEG frame cannot be written as PNG directly: decode it first (for example with a FrameDecoder) and pass the RGBA result to encodePngRgba',
      );
    case PIXFORMAT.GRAYSCALE:
      return writePng(width, height, PNG_COLOR.GREY, 8, data, true);
    case PIXFORMAT.RGB565: {
      const raw = new Uint8Array(width * height * 3);
      for (let i = 0, j = 0; i < raw.length; i += 3, j += 2) {
        const p = (data[j] as number) | ((data[j + 1] as number) << 8);
        const r5 = p >> 11;
        const g6 = (p >> 5) & 0x3f;
        const b5 = p & 0x1f;
        raw[i] = (r5 << 3) | (r5 >> 2);
        raw[i + 1] = (g6 << 2) | (g6 >> 4);
        raw[i + 2] = (b5 << 3) | (b5 >> 2);
      }
      return writePng(width, height, PNG_COLOR.RGB, 8, raw, true);
    }
    case PIXFORMAT.BINARY: {
      const stride = binaryRowBytes(width);
      const rowBytes = Math.ceil(width / 8);
      const raw = new Uint8Array(rowBytes * height);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (((data[y * stride + (x >> 3)] as number) >> (x & 7)) & 1) {
            raw[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
          }
        }
      }
      return writePng(width, height, PNG_COLOR.GREY, 1, raw, false);
    }
    case PIXFORMAT.BAYER_BGGR:
    case PIXFORMAT.BAYER_GBRG:
    case PIXFORMAT.BAYER_GRBG:
    case PIXFORMAT.BAYER_RGGB:
    case PIXFORMAT.YUV422:
    case PIXFORMAT.YVU422:
      return writePng(width, height, PNG_COLOR.RGB, 8, rgbaToRgb(toRgba(image), width * height), true);
    default:
      throw new ValueError(
        `Cannot write a ${pixformatName(image.pixformat)} image as PNG: it has no pixel layout`,
      );
  }
}

/** Options of {@link encodePngRgba}. */
export interface PngRgbaOptions {
  /**
   * true: colour type 6 (RGBA); false: colour type 2 (RGB, alpha dropped). Default: RGBA only when some
   * pixel is not fully opaque.
   */
  alpha?: boolean;
}

/**
 * Encodes an RGBA raster (e.g. a JPEG frame decoded by a `FrameDecoder`) as an 8-bit RGB or RGBA PNG.
 * @throws ValueError when the size is not positive integers or `data` is not `width*height*4` bytes.
 */
export function encodePngRgba(rgba: RgbaImage, options: PngRgbaOptions = {}): Uint8Array {
  const { width, height, data } = rgba;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ValueError(`Invalid RGBA image size ${width}x${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new ValueError(`RGBA data is ${data.length} bytes, ${width}x${height} needs ${width * height * 4}`);
  }
  let alpha = options.alpha;
  if (alpha === undefined) {
    alpha = false;
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] !== 255) {
        alpha = true;
        break;
      }
    }
  }
  if (alpha) {
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return writePng(width, height, PNG_COLOR.RGBA, 8, raw, true);
  }
  return writePng(width, height, PNG_COLOR.RGB, 8, rgbaToRgb(data, width * height), true);
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** The IHDR of a PNG. */
export interface PngInfo {
  width: number;
  height: number;
  /** 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** Adam7. */
  interlaced: boolean;
}

function checkSignature(bytes: Uint8Array): void {
  needBytes(bytes, 0, 8, FMT, 'the signature');
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== PNG_SIGNATURE[i]) {
      throw readError(
        'unexpectedValue',
        FMT,
        i,
        `signature byte is 0x${(bytes[i] as number).toString(16).padStart(2, '0')}, expected 0x${(PNG_SIGNATURE[i] as number).toString(16).padStart(2, '0')}`,
      );
    }
  }
}

/** A chunk's type as text, for messages. */
function typeName(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + i] as number;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

interface Chunk {
  type: string;
  /** Offset of the chunk (its length field). */
  at: number;
  /** Offset and length of its data. */
  data: number;
  length: number;
}

/** Reads the chunk at `at`, checking its length, type letters and CRC. */
function readChunk(bytes: Uint8Array, at: number): Chunk {
  needBytes(bytes, at, 8, FMT, 'a chunk header');
  const length = be32(bytes, at);
  const type = typeName(bytes, at + 4);
  if (length > 0x7fffffff)
    throw readError('corrupted', FMT, at, `chunk ${type} claims ${length} bytes (at most 2^31-1)`);
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + 4 + i] as number;
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) {
      throw readError('corrupted', FMT, at + 4, `chunk type "${type}" is not four letters`);
    }
  }
  needBytes(bytes, at + 8, length + 4, FMT, `chunk ${type} (${length} bytes and its CRC)`);
  const stored = be32(bytes, at + 8 + length);
  const actual = crc32(bytes, at + 4, at + 8 + length);
  if (stored !== actual) {
    throw readError(
      'corrupted',
      FMT,
      at + 8 + length,
      `CRC of chunk ${type} is 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}`,
    );
  }
  return { type, at, data: at + 8, length };
}

function parseIhdr(bytes: Uint8Array): PngInfo {
  checkSignature(bytes);
  const c = readChunk(bytes, 8);
  if (c.type !== 'IHDR') throw readError('corrupted', FMT, 12, `the first chunk is ${c.type}, expected IHDR`);
  if (c.length !== 13) throw readError('corrupted', FMT, 8, `IHDR is ${c.length} bytes, expected 13`);
  const d = c.data;
  const width = be32(bytes, d);
  const height = be32(bytes, d + 4);
  const bitDepth = bytes[d + 8] as number;
  const colorType = bytes[d + 9] as number;
  if (width === 0 || width > 0x7fffffff) throw readError('corrupted', FMT, d, `width ${width} (1..2^31-1)`);
  if (height === 0 || height > 0x7fffffff)
    throw readError('corrupted', FMT, d + 4, `height ${height} (1..2^31-1)`);
  const depths = DEPTHS[colorType];
  if (!depths) throw readError('unsupportedFormat', FMT, d + 9, `colour type ${colorType} (0, 2, 3, 4 or 6)`);
  if (!depths.includes(bitDepth)) {
    throw readError(
      'unsupportedFormat',
      FMT,
      d + 8,
      `bit depth ${bitDepth} with colour type ${colorType} (allowed: ${depths.join(', ')})`,
    );
  }
  if (bytes[d + 10] !== 0)
    throw readError('unsupportedFormat', FMT, d + 10, `compression method ${bytes[d + 10]}, expected 0`);
  if (bytes[d + 11] !== 0)
    throw readError('unsupportedFormat', FMT, d + 11, `filter method ${bytes[d + 11]}, expected 0`);
  const interlace = bytes[d + 12] as number;
  if (interlace > 1)
    throw readError('unsupportedFormat', FMT, d + 12, `interlace method ${interlace} (0 or 1)`);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

/**
 * Reads the IHDR (signature, first chunk, CRC and field values checked) without decoding pixels.
 * `Image("x.png")` needs only width and height (B §6.7).
 * @throws OSError for a bad signature, a missing or malformed IHDR, or a CRC mismatch.
 */
export function pngInfo(bytes: Uint8Array): PngInfo {
  return parseIhdr(bytes);
}

/** Options of {@link decodePng}. */
export interface PngDecodeOptions {
  /** Refuse images with more pixels than this (the RGBA output is 4 bytes a pixel). Default 2^26. */
  maxPixels?: number;
}

const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The deflate format's largest expansion (258 bytes from one 1-bit code, rounded up, plus slack). */
const MAX_INFLATE_RATIO = 1032;

/**
 * Decodes a PNG to RGBA: every colour type and bit depth, PLTE + tRNS, Adam7. 16-bit samples keep
 * their high byte; 1/2/4-bit grey is scaled to 0..255; tRNS colour keys become alpha 0; ancillary
 * chunks other than tRNS are ignored (no gamma or colour-space conversion).
 *
 * Checked: signature, chunk CRCs, IHDR values, chunk order (IHDR first, PLTE and tRNS before IDAT,
 * consecutive IDATs, IEND present), unknown critical chunks, the zlib header and Adler-32, the exact
 * amount of image data, filter types and palette indices. The pixel count and the decompressed size
 * are checked against `maxPixels` and against what the IDAT bytes can expand to before anything
 * large is allocated.
 *
 * @throws OSError ("Unexpected value read!", "Unsupported format!", "File corrupted!" or "Failed to read
 *   requested bytes!" with the byte offset) for anything malformed.
 */
export function decodePng(bytes: Uint8Array, options: PngDecodeOptions = {}): RgbaImage {
  const maxPixels = options.maxPixels ?? 2 ** 26;
  const info = parseIhdr(bytes);
  const { width, height, bitDepth, colorType } = info;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idats: Chunk[] = [];
  let at = 8 + 25;
  let ended = false;
  let idatDone = false;
  while (!ended) {
    const c = readChunk(bytes, at);
    const t = c.type;
    if (t === 'IDAT') {
      if (idatDone) throw readError('corrupted', FMT, c.at, 'IDAT chunks are not consecutive');
      idats.push(c);
    } else {
      if (idats.length) idatDone = true;
      if (t === 'IEND') ended = true;
      else if (t === 'IHDR') throw readError('corrupted', FMT, c.at, 'a second IHDR');
      else if (t === 'PLTE') {
        if (palette) throw readError('corrupted', FMT, c.at, 'a second PLTE');
        if (idats.length) throw readError('corrupted', FMT, c.at, 'PLTE after IDAT');
        if (colorType === 0 || colorType === 4) {
          throw readError('corrupted', FMT, c.at, `PLTE in a colour type ${colorType} image`);
        }
        if (c.length % 3 !== 0 || c.length === 0 || c.length > 768) {
          throw readError('corrupted', FMT, c.at, `PLTE is ${c.length} bytes (3 to 768, a multiple of 3)`);
        }
        palette = bytes.subarray(c.data, c.data + c.length);
      } else if (t === 'tRNS') {
        if (trns) throw readError('corrupted', FMT, c.at, 'a second tRNS');
        if (idats.length) throw readError('corrupted', FMT, c.at, 'tRNS after IDAT');
        const want = colorType === 0 ? 2 : colorType === 2 ? 6 : -1;
        if (colorType === 3) {
          if (!palette) throw readError('corrupted', FMT, c.at, 'tRNS before PLTE');
          if (c.length > palette.length / 3) {
            throw readError(
              'corrupted',
              FMT,
              c.at,
              `tRNS has ${c.length} entries, the palette ${palette.length / 3}`,
            );
          }
        } else if (want < 0) {
          throw readError('corrupted', FMT, c.at, `tRNS in a colour type ${colorType} image (it has alpha)`);
        } else if (c.length !== want) {
          throw readError('corrupted', FMT, c.at, `tRNS is ${c.length} bytes, expected ${want}`);
        }
        trns = bytes.subarray(c.data, c.data + c.length);
      } else if (((bytes[c.at + 4] as number) & 0x20) === 0) {
        throw readError('unsupportedFormat', FMT, c.at, `unknown critical chunk ${t}`);
      }
    }
    at = c.data + c.length + 4;
  }
  if (colorType === 3 && !palette) throw readError('corrupted', FMT, at, 'a palette image without PLTE');
  if (idats.length === 0) throw readError('corrupted', FMT, at, 'no IDAT chunk');
  if (width * height > maxPixels) {
    throw readError(
      'unsupportedFormat',
      FMT,
      16,
      `${width}x${height} is more than the ${maxPixels} pixels allowed`,
    );
  }

  const channels = CHANNELS[colorType] as number;
  const bitsPerPixel = channels * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = (info.interlaced ? ADAM7 : [[0, 0, 1, 1] as const]).map(([x0, y0, dx, dy]) => {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    const rowBytes = Math.ceil((w * bitsPerPixel) / 8);
    return { x0, y0, dx, dy, w, h, rowBytes, size: w > 0 && h > 0 ? h * (rowBytes + 1) : 0 };
  });
  const expected = passes.reduce((n, p) => n + p.size, 0);
  const idatLength = idats.reduce((n, c) => n + c.length, 0);
  const firstIdat = (idats[0] as Chunk).at;
  if (expected > idatLength * MAX_INFLATE_RATIO + 1024) {
    throw readError(
      'corrupted',
      FMT,
      firstIdat,
      `${idatLength} bytes of IDAT cannot hold the ${expected} bytes of image data ${width}x${height} needs`,
    );
  }
  const z = new Uint8Array(idatLength);
  let zo = 0;
  for (const c of idats) {
    z.set(bytes.subarray(c.data, c.data + c.length), zo);
    zo += c.length;
  }
  let raw: Uint8Array;
  try {
    raw = zlibInflate(z, { expectedSize: expected });
  } catch (e) {
    if (e instanceof ValueError) throw readError('corrupted', FMT, firstIdat, `IDAT: ${e.message}`);
    throw e;
  }

  const out = new Uint8ClampedArray(width * height * 4);
  const paletteAlpha = new Uint8Array(256).fill(255);
  if (colorType === 3 && trns) paletteAlpha.set(trns);
  const paletteSize = palette ? palette.length / 3 : 0;
  const key0 = trns && colorType === 0 ? ((trns[0] as number) << 8) | (trns[1] as number) : -1;
  const keyR = trns && colorType === 2 ? ((trns[0] as number) << 8) | (trns[1] as number) : -1;
  const keyG = trns && colorType === 2 ? ((trns[2] as number) << 8) | (trns[3] as number) : -1;
  const keyB = trns && colorType === 2 ? ((trns[4] as number) << 8) | (trns[5] as number) : -1;
  const scale = bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1;
  const sampleMask = (1 << bitDepth) - 1;

  let offset = 0;
  for (const p of passes) {
    if (p.size === 0) continue;
    const { rowBytes } = p;
    for (let y = 0; y < p.h; y++) {
      const rowAt = offset + y * (rowBytes + 1);
      const filter = raw[rowAt] as number;
      const start = rowAt + 1;
      const prevStart = y > 0 ? start - (rowBytes + 1) : -1;
      unfilter(raw, start, prevStart, rowBytes, bpp, filter, firstIdat);
      const oy = p.y0 + y * p.dy;
      if (bitDepth === 8 && colorType !== 3 && !trns) {
        fastRow8(raw, start, out, 4 * (oy * width + p.x0), 4 * p.dx, p.w, colorType);
        continue;
      }
      // Samples of this row, as 0..(2^depth - 1).
      const sample = (index: number): number => {
        if (bitDepth === 8) return raw[start + index] as number;
        if (bitDepth === 16)
          return ((raw[start + 2 * index] as number) << 8) | (raw[start + 2 * index + 1] as number);
        const bit = index * bitDepth;
        return ((raw[start + (bit >> 3)] as number) >> (8 - bitDepth - (bit & 7))) & sampleMask;
      };
      const to8 = (v: number): number =>
        bitDepth === 16 ? v >> 8 : bitDepth === 8 ? v : Math.round(v * scale);
      for (let x = 0; x < p.w; x++) {
        const o = 4 * (oy * width + p.x0 + x * p.dx);
        switch (colorType) {
          case 0: {
            const v = sample(x);
            const g = to8(v);
            out[o] = g;
            out[o + 1] = g;
            out[o + 2] = g;
            out[o + 3] = v === key0 ? 0 : 255;
            break;
          }
          case 2: {
            const r = sample(3 * x);
            const g = sample(3 * x + 1);
            const b = sample(3 * x + 2);
            out[o] = to8(r);
            out[o + 1] = to8(g);
            out[o + 2] = to8(b);
            out[o + 3] = r === keyR && g === keyG && b === keyB ? 0 : 255;
            break;
          }
          case 3: {
            const idx = sample(x);
            if (idx >= paletteSize) {
              throw readError(
                'corrupted',
                FMT,
                firstIdat,
                `pixel (${p.x0 + x * p.dx}, ${oy}) uses palette index ${idx}, the palette has ${paletteSize} entries`,
              );
            }
            const pal = palette as Uint8Array;
            out[o] = pal[3 * idx] as number;
            out[o + 1] = pal[3 * idx + 1] as number;
            out[o + 2] = pal[3 * idx + 2] as number;
            out[o + 3] = paletteAlpha[idx] as number;
            break;
          }
          case 4: {
            const g = to8(sample(2 * x));
            out[o] = g;
            out[o + 1] = g;
            out[o + 2] = g;
            out[o + 3] = to8(sample(2 * x + 1));
            break;
          }
          default: {
            out[o] = to8(sample(4 * x));
            out[o + 1] = to8(sample(4 * x + 1));
            out[o + 2] = to8(sample(4 * x + 2));
            out[o + 3] = to8(sample(4 * x + 3));
          }
        }
      }
    }
    offset += p.size;
  }
  return { width, height, data: out };
}

/** 8-bit grey, grey + alpha, RGB or RGBA without tRNS: one row straight to RGBA. */
function fastRow8(
  raw: Uint8Array,
  start: number,
  out: Uint8ClampedArray,
  o: number,
  step: number,
  w: number,
  colorType: number,
): void {
  let s = start;
  switch (colorType) {
    case 0:
      for (let x = 0; x < w; x++, o += step) {
        const g = raw[s++] as number;
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
        out[o + 3] = 255;
      }
      return;
    case 2:
      for (let x = 0; x < w; x++, o += step, s += 3) {
        out[o] = raw[s] as number;
        out[o + 1] = raw[s + 1] as number;
        out[o + 2] = raw[s + 2] as number;
        out[o + 3] = 255;
      }
      return;
    case 4:
      for (let x = 0; x < w; x++, o += step, s += 2) {
        const g = raw[s] as number;
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
        out[o + 3] = raw[s + 1] as number;
      }
      return;
    default:
      if (step === 4) {
        out.set(raw.subarray(s, s + 4 * w), o);
        return;
      }
      for (let x = 0; x < w; x++, o += step, s += 4) {
        out[o] = raw[s] as number;
        out[o + 1] = raw[s + 1] as number;
        out[o + 2] = raw[s + 2] as number;
        out[o + 3] = raw[s + 3] as number;
      }
  }
}

/** Reverses one row's filter in place; `prevStart` < 0 for the first row of a pass. */
function unfilter(
  raw: Uint8Array,
  start: number,
  prevStart: number,
  rowBytes: number,
  bpp: number,
  filter: number,
  idatAt: number,
): void {
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < rowBytes; i++)
        raw[start + i] = (raw[start + i] as number) + (raw[start + i - bpp] as number);
      return;
    case 2:
      if (prevStart < 0) return;
      for (let i = 0; i < rowBytes; i++)
        raw[start + i] = (raw[start + i] as number) + (raw[prevStart + i] as number);
      return;
    case 3:
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? (raw[start + i - bpp] as number) : 0;
        const b = prevStart >= 0 ? (raw[prevStart + i] as number) : 0;
        raw[start + i] = (raw[start + i] as number) + ((a + b) >> 1);
      }
      return;
    case 4:
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? (raw[start + i - bpp] as number) : 0;
        const b = prevStart >= 0 ? (raw[prevStart + i] as number) : 0;
        const c = prevStart >= 0 && i >= bpp ? (raw[prevStart + i - bpp] as number) : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        raw[start + i] = (raw[start + i] as number) + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      return;
    default:
      throw new OSError(
        `File corrupted! PNG at offset ${idatAt}: filter type ${filter} (0..4) in the image data`,
      );
  }
}
