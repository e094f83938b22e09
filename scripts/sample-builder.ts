/**
 * The bundled sample recording (`public/sample.bin`, behind "Try a sample"): about nine seconds of
 * camera-like footage in OpenMV ImageIO V2.0, written by our own engine, that walks through the pixel
 * formats and frame sizes a camera produces. `npm run sample` (scripts/make-sample.ts) writes it;
 * src/cli/sample.test.ts checks that the committed file is exactly what {@link buildSample} returns.
 *
 * Everything here is deterministic: integer arithmetic and IEEE doubles only (no Math.sin/cos, no
 * platform zlib: the PNG frames use the small fixed-Huffman deflate below, because node:zlib's output
 * changes with the zlib Node bundles and would make the committed bytes drift).
 *
 * Sources (scripts/sample-src/, copied from the OpenMV firmware's test data, `openmv/openmv`
 * scripts/unittest/data, MIT licence): `graffiti.pgm` (320x240 grey), `blobs.ppm` (160x120 colour
 * camera frame), `compressed.jpeg` (320x270 baseline JPEG).
 *
 * Colour conversions follow formats.md B §1.4-§1.6: truncating RGB565 pack, luma (38R+75G+15B)>>7, the
 * firmware's JPEG chroma formulas, Bayer tiles of B §1.4, BINARY as luma > 127, LSB-first rows of
 * 4*ceil(w/32) bytes.
 */
import { readFileSync } from 'node:fs';
import { concatBytes } from '../src/format/bytes';
import { Image, ImageIO, ManualClock, MemoryStore, PIXFORMAT, type Pixformat } from '../src/format/index';
import { adler32, crc32 } from '../src/format/stills/checksum';
import { DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA } from '../src/format/stills/deflate-tables';

// ---------------------------------------------------------------------------------------------------
// Sources

/** An 8-bit raster: 1 channel (grey) or 3 (RGB), row-major, no padding. */
export interface Raster {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** The bytes of a file in scripts/sample-src/. */
export function readSource(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./sample-src/${name}`, import.meta.url)));
}

/** Parses a binary PGM (P5) or PPM (P6) with maxval 255; `#` comments allowed between header fields. */
export function parsePnm(bytes: Uint8Array): Raster {
  let at = 0;
  const token = (): string => {
    for (;;) {
      while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]!))) at++;
      if (bytes[at] !== 0x23) break; // '#': skip to the end of the line
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]!))) at++;
    return String.fromCharCode(...bytes.subarray(start, at));
  };
  const magic = token();
  if (magic !== 'P5' && magic !== 'P6') throw new Error(`not a binary PGM/PPM: ${magic}`);
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (maxval !== 255) throw new Error(`unsupported PNM maxval ${maxval}`);
  at++; // the single whitespace byte after maxval
  const channels = magic === 'P5' ? 1 : 3;
  const length = width * height * channels;
  if (bytes.length - at < length) throw new Error('PNM pixel data is short');
  return { width, height, channels, data: bytes.slice(at, at + length) };
}

/** Width and height from a JPEG's SOFn segment (any start-of-frame marker but DHT, JPG and DAC). */
export function jpegDimensions(bytes: Uint8Array): { width: number; height: number } {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('not a JPEG (no SOI)');
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new Error(`JPEG marker expected at ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {
        height: (bytes[at + 5]! << 8) | bytes[at + 6]!,
        width: (bytes[at + 7]! << 8) | bytes[at + 8]!,
      };
    }
    at += 2 + length;
  }
  throw new Error('JPEG has no SOF segment');
}

// ---------------------------------------------------------------------------------------------------
// A camera looking at a source image: pan and zoom by resampling a window of it

/** A window of a source raster, in source pixels (fractions allowed). */
export interface View {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `t*t*(3-2t)`: eases a pan in and out without trigonometry (deterministic everywhere). */
export const smoothstep = (t: number): number => t * t * (3 - 2 * t);

/** The view `t` of the way from `a` to `b` (0..1), eased. */
export function between(a: View, b: View, t: number): View {
  const s = smoothstep(Math.min(1, Math.max(0, t)));
  return {
    x: a.x + (b.x - a.x) * s,
    y: a.y + (b.y - a.y) * s,
    w: a.w + (b.w - a.w) * s,
    h: a.h + (b.h - a.h) * s,
  };
}

/** Renders `view` of `src` at `width`x`height` with bilinear sampling at pixel centres (edges clamp). */
export function render(src: Raster, view: View, width: number, height: number): Raster {
  const { channels, data } = src;
  const rowBytes = src.width * channels;
  const out = new Uint8Array(width * height * channels);
  const sx = view.w / width;
  const sy = view.h / height;
  for (let j = 0; j < height; j++) {
    const fy = Math.min(src.height - 1, Math.max(0, view.y + (j + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    const r0 = y0 * rowBytes;
    const r1 = Math.min(y0 + 1, src.height - 1) * rowBytes;
    for (let i = 0; i < width; i++) {
      const fx = Math.min(src.width - 1, Math.max(0, view.x + (i + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const wx = fx - x0;
      const c0 = x0 * channels;
      const c1 = Math.min(x0 + 1, src.width - 1) * channels;
      const o = (j * width + i) * channels;
      for (let c = 0; c < channels; c++) {
        const a = data[r0 + c0 + c]!;
        const b = data[r0 + c1 + c]!;
        const d = data[r1 + c0 + c]!;
        const e = data[r1 + c1 + c]!;
        const top = a + (b - a) * wx;
        const bottom = d + (e - d) * wx;
        out[o + c] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { width, height, channels, data: out };
}

/** A `width`x`height` window of `src` at integer (x, y), unresampled: a sensor crop. */
export function crop(src: Raster, x: number, y: number, width: number, height: number): Raster {
  const { channels } = src;
  const out = new Uint8Array(width * height * channels);
  for (let j = 0; j < height; j++) {
    const from = ((y + j) * src.width + x) * channels;
    out.set(src.data.subarray(from, from + width * channels), j * width * channels);
  }
  return { width, height, channels, data: out };
}

// ---------------------------------------------------------------------------------------------------
// Pixel formats (formats.md B §1.4, §1.6)

/** Luma as the firmware computes it: (38R + 75G + 15B) >> 7. */
export const luma = (r: number, g: number, b: number): number => (38 * r + 75 * g + 15 * b) >> 7;
/** The firmware's JPEG chroma (arithmetic shift, so a floor): blue difference. */
export const chromaB = (r: number, g: number, b: number): number => (64 * b - 21 * r - 43 * g) >> 7;
/** The firmware's JPEG chroma: red difference. */
export const chromaR = (r: number, g: number, b: number): number => (64 * r - 54 * g - 10 * b) >> 7;

/** GRAYSCALE payload: the grey channel, or the luma of an RGB raster. */
export function toGrayscale(src: Raster): Uint8Array {
  if (src.channels === 1) return src.data.slice();
  const n = src.width * src.height;
  const out = new Uint8Array(n);
  const d = src.data;
  for (let i = 0; i < n; i++) out[i] = luma(d[3 * i]!, d[3 * i + 1]!, d[3 * i + 2]!);
  return out;
}

/** RGB565 payload: truncating pack `(R&0xF8)<<8 | (G&0xFC)<<3 | B>>3`, native little-endian u16s. */
export function toRgb565(src: Raster): Uint8Array {
  const n = src.width * src.height;
  const out = new Uint8Array(2 * n);
  const d = src.data;
  for (let i = 0; i < n; i++) {
    const [r, g, b] = src.channels === 3 ? [d[3 * i]!, d[3 * i + 1]!, d[3 * i + 2]!] : [d[i]!, d[i]!, d[i]!];
    const v = ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | (b >> 3);
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = v >> 8;
  }
  return out;
}

/** BINARY payload: pixel on when luma > 127; rows of 4*ceil(w/32) bytes, pixel x at bit x%8 of byte x/8. */
export function toBinary(src: Raster): Uint8Array {
  const grey = toGrayscale(src);
  const { width, height } = src;
  const stride = 4 * Math.ceil(width / 32);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (grey[y * width + x]! > 127) out[y * stride + (x >> 3)]! |= 1 << (x & 7);
  return out;
}

/** The Bayer tiles of B §1.4: colour channel (0 R, 1 G, 2 B) at (x&1, y&1), indexed (y&1)*2 + (x&1). */
const BAYER_TILES = {
  BAYER_BGGR: [2, 1, 1, 0],
  BAYER_GBRG: [1, 2, 0, 1],
  BAYER_GRBG: [1, 0, 2, 1],
  BAYER_RGGB: [0, 1, 1, 2],
} as const;
export type BayerName = keyof typeof BAYER_TILES;

/** Mosaics an RGB raster: each site keeps the one channel its tile names. */
export function toBayer(src: Raster, pattern: BayerName): Uint8Array {
  if (src.channels !== 3) throw new Error('Bayer mosaic needs an RGB raster');
  const tile = BAYER_TILES[pattern];
  const { width, height, data } = src;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = data[3 * i + tile[(y & 1) * 2 + (x & 1)]!]!;
    }
  return out;
}

/**
 * The pattern a crop of a BGGR sensor starting at (x, y) has: an odd x or y shifts the tile (the camera
 * driver's `imlib_bayer_shift`, which is where the hidden variants come from, B §1.2).
 */
export function bayerPatternAt(x: number, y: number): BayerName {
  return (['BAYER_BGGR', 'BAYER_GBRG', 'BAYER_GRBG', 'BAYER_RGGB'] as const)[(y & 1) * 2 + (x & 1)]!;
}

/**
 * YUV422 (`order` 'YUV422') or YVU422 payload of an RGB raster: byte 2x is the luma of pixel x; each
 * pixel pair (x even) shares chroma computed from the pair's mean colour. YUV422 stores Cr at pair byte
 * 1 and Cb at pair byte 3 (what B §1.8's conversion reads as `a` and `b`); YVU422 the other way round.
 * On an odd width the last pixel has no partner: it stores its luma and the first chroma byte of its own
 * colour (the firmware decoder pairs that byte with the previous pair's second chroma byte, B §1.8).
 */
export function toYuv(src: Raster, order: 'YUV422' | 'YVU422'): Uint8Array {
  if (src.channels !== 3) throw new Error('YUV needs an RGB raster');
  const { width, height, data } = src;
  const out = new Uint8Array(2 * width * height);
  const [first, second] = order === 'YUV422' ? [chromaR, chromaB] : [chromaB, chromaR];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x += 2) {
      const i = y * width + x;
      const x1 = Math.min(x + 1, width - 1);
      const j = y * width + x1;
      const rgb0 = [data[3 * i]!, data[3 * i + 1]!, data[3 * i + 2]!] as const;
      const rgb1 = [data[3 * j]!, data[3 * j + 1]!, data[3 * j + 2]!] as const;
      const mean = [0, 1, 2].map((c) => (rgb0[c]! + rgb1[c]!) >> 1) as [number, number, number];
      out[2 * i] = luma(...rgb0);
      out[2 * i + 1] = 128 + first(...mean);
      if (x1 !== x) {
        out[2 * j] = luma(...rgb1);
        out[2 * j + 1] = 128 + second(...mean);
      }
    }
  return out;
}

/**
 * A `width`-pixel-wide crop at integer (x, y) of a full-sensor YUV422 payload (`sensorWidth` wide, x
 * pairs starting at even columns). An odd x starts mid-pair, so the chroma bytes come in the other order:
 * the crop is YVU422 (the driver's `imlib_yuv_shift`, B §1.4).
 */
export function cropYuv(
  sensor: Uint8Array,
  sensorWidth: number,
  x: number,
  y: number,
  width: number,
  height: number,
): { data: Uint8Array; pixformat: Pixformat } {
  const out = new Uint8Array(2 * width * height);
  for (let j = 0; j < height; j++) {
    const from = 2 * ((y + j) * sensorWidth + x);
    out.set(sensor.subarray(from, from + 2 * width), 2 * j * width);
  }
  return { data: out, pixformat: (x & 1) === 0 ? PIXFORMAT.YUV422 : PIXFORMAT.YVU422 };
}

// ---------------------------------------------------------------------------------------------------
// PNG: a fixed-Huffman deflate and the chunks (CRC-32 and Adler-32 from src/format/stills/checksum.ts)

/** Writes bit fields LSB-first, as deflate packs them. */
class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  /** The low `count` bits of `value`, least significant first. */
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.out.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  /** A Huffman code: its bits go most significant first. */
  code(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bits((value >>> i) & 1, 1);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.n > 0 ? [...this.out, this.acc] : this.out);
  }
}

/** The fixed literal/length code of RFC 1951 §3.2.6. */
function writeLiteral(w: BitWriter, symbol: number): void {
  if (symbol < 144) w.code(0x30 + symbol, 8);
  else if (symbol < 256) w.code(0x190 + symbol - 144, 9);
  else if (symbol < 280) w.code(symbol - 256, 7);
  else w.code(0xc0 + symbol - 280, 8);
}

/** The last index whose base is <= value. */
const bucket = (bases: readonly number[], value: number): number => {
  let k = bases.length - 1;
  while (bases[k]! > value) k--;
  return k;
};

/**
 * zlib stream (RFC 1950) holding one fixed-Huffman deflate block (RFC 1951) with greedy LZ77 matches
 * (3-byte hash chains, 32 KiB window). Not zlib's ratio, but small, correct and the same bytes on every
 * machine and Node version.
 */
export function zlibDeflate(data: Uint8Array): Uint8Array {
  const w = new BitWriter();
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE 01: fixed Huffman codes
  const n = data.length;
  const head = new Int32Array(1 << 15).fill(-1);
  const prev = new Int32Array(n);
  const hash = (i: number): number => ((data[i]! << 10) ^ (data[i + 1]! << 5) ^ data[i + 2]!) & 0x7fff;
  const insert = (i: number): void => {
    if (i + 2 >= n) return;
    const h = hash(i);
    prev[i] = head[h]!;
    head[h] = i;
  };
  let i = 0;
  while (i < n) {
    let bestLength = 0;
    let bestDistance = 0;
    if (i + 2 < n) {
      const max = Math.min(258, n - i);
      let j = head[hash(i)]!;
      for (let chain = 0; j >= 0 && i - j <= 32768 && chain < 128; chain++) {
        let length = 0;
        while (length < max && data[j + length] === data[i + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = i - j;
          if (length === max) break;
        }
        j = prev[j]!;
      }
    }
    if (bestLength >= 3) {
      const lk = bucket(LEN_BASE, bestLength);
      writeLiteral(w, 257 + lk);
      w.bits(bestLength - LEN_BASE[lk]!, LEN_EXTRA[lk]!);
      const dk = bucket(DIST_BASE, bestDistance);
      w.code(dk, 5);
      w.bits(bestDistance - DIST_BASE[dk]!, DIST_EXTRA[dk]!);
      for (let k = 0; k < bestLength; k++) insert(i + k);
      i += bestLength;
    } else {
      writeLiteral(w, data[i]!);
      insert(i);
      i += 1;
    }
  }
  writeLiteral(w, 256);
  const body = w.bytes();
  const out = new Uint8Array(2 + body.length + 4);
  out[0] = 0x78; // CM 8 (deflate), CINFO 7 (32 KiB window)
  out[1] = 0x01; // FLEVEL 0, FCHECK: 0x7801 % 31 === 0
  out.set(body, 2);
  new DataView(out.buffer).setUint32(2 + body.length, adler32(data));
  return out;
}

/** One PNG chunk: length, type, data, CRC of type and data. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Paeth predictor (PNG filter type 4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * An 8-bit greyscale (1 channel) or RGB (3 channels) PNG: IHDR, one IDAT, IEND. Each row takes the
 * filter with the smallest sum of absolute signed residuals (lodepng's "minsum" heuristic).
 */
export function encodePng(src: Raster): Uint8Array {
  const { width, height, channels, data } = src;
  const stride = width * channels;
  const filtered = new Uint8Array(height * (1 + stride));
  const line = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? data.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    let bestSum = Infinity;
    for (let type = 0; type <= 4; type++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? row[i - channels]! : 0;
        const b = up[i]!;
        const c = i >= channels ? up[i - channels]! : 0;
        const predictor =
          type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (row[i]! - predictor) & 0xff;
        line[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) {
        bestSum = sum;
        filtered[y * (1 + stride)] = type;
        filtered.set(line, y * (1 + stride) + 1);
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // compression 0, filter method 0, interlace 0
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibDeflate(filtered)),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  return concatBytes(parts);
}

// ---------------------------------------------------------------------------------------------------
// The recording

/**
 * `n` frame intervals at `fps`, in whole ms as a camera's millisecond tick gives them: the differences
 * of round(k * 1000 / fps), so 15 fps is 67, 66, 67, 67, 66, ... and 30 fps is 33, 34, 33, ...
 */
export function intervals(fps: number, n: number): number[] {
  return Array.from(
    { length: n },
    (_, k) => Math.round(((k + 1) * 1000) / fps) - Math.round((k * 1000) / fps),
  );
}

/** One stretch of the recording: a format, a frame size, a rate. */
export interface SampleSection {
  /** What it shows, for the make-sample summary. */
  title: string;
  fps: number;
  frames: Image[];
}

/**
 * When the program switches format or size, the camera takes a moment to settle (sensor reconfigured,
 * a few frames skipped): the first frame of each section after the first arrives this much later.
 */
export const SECTION_GAP_MS = 200;

/** The recording's sections, in order (pure: the same frames on every call). */
export function sampleSections(): SampleSection[] {
  const graffiti = parsePnm(readSource('graffiti.pgm')); // 320x240 grey
  const blobs = parsePnm(readSource('blobs.ppm')); // 160x120 colour
  const jpeg = readSource('compressed.jpeg');
  const sections: SampleSection[] = [];
  const progress = (k: number, n: number): number => (n > 1 ? k / (n - 1) : 0);

  // 1-2. RGB565: a slow zoom onto the red blob, 160x120 at 15 fps, then 80x60 at 30 fps.
  const zoomFrom: View = { x: 0, y: 0, w: 160, h: 120 };
  const zoomTo: View = { x: 44, y: 6, w: 72, h: 54 };
  const zoomFrames = 6 + 16;
  const zoom = (k: number): View => between(zoomFrom, zoomTo, progress(k, zoomFrames));
  sections.push({
    title: 'RGB565 zoom onto the blobs',
    fps: 15,
    frames: Array.from({ length: 6 }, (_, k) => {
      const r = render(blobs, zoom(k), 160, 120);
      return new Image(160, 120, PIXFORMAT.RGB565, toRgb565(r));
    }),
  });
  sections.push({
    title: 'RGB565 zoom, smaller frames, faster',
    fps: 30,
    frames: Array.from({ length: 16 }, (_, k) => {
      const r = render(blobs, zoom(6 + k), 80, 60);
      return new Image(80, 60, PIXFORMAT.RGB565, toRgb565(r));
    }),
  });

  // 3. GRAYSCALE: a pan along the graffiti wall, 1:1 crops of the 320x240 source.
  const grayFrames = 12;
  sections.push({
    title: 'GRAYSCALE pan along the graffiti wall',
    fps: 15,
    frames: Array.from({ length: grayFrames }, (_, k) => {
      const v = between(
        { x: 40, y: 90, w: 160, h: 120 },
        { x: 120, y: 70, w: 160, h: 120 },
        progress(k, grayFrames),
      );
      return new Image(160, 120, PIXFORMAT.GRAYSCALE, toGrayscale(render(graffiti, v, 160, 120)));
    }),
  });

  // 4. BAYER: 80x60 windows of a BGGR sensor (the blobs frame mosaicked), panning. Windows at odd
  //    offsets come out as the hidden variants, as the camera driver reports them (the crop of the
  //    BGGR mosaic equals the mosaic of the cropped picture in the shifted pattern).
  const bayerFrames = 30;
  sections.push({
    title: 'BAYER windows panning over a BGGR sensor (odd offsets: RGGB, GBRG, GRBG)',
    fps: 30,
    frames: Array.from({ length: bayerFrames }, (_, k) => {
      // A steady pan, 2 px right and 1 px up a frame on the even grid; frames 18-25 at odd x and y
      // (RGGB), 26-27 at odd x (GBRG), 28-29 at odd y (GRBG).
      const [oddX, oddY] = k < 18 ? [0, 0] : k < 26 ? [1, 1] : k < 28 ? [1, 0] : [0, 1];
      const x = 8 + 2 * k + oddX;
      const y = ((50 - k) & ~1) + oddY;
      const pattern = bayerPatternAt(x, y);
      return new Image(80, 60, PIXFORMAT[pattern], toBayer(crop(blobs, x, y, 80, 60), pattern));
    }),
  });

  // 5. YUV422: 80x60 windows of a YUV422 sensor frame panning back; the last two start at an odd
  //    column, which makes them YVU422.
  const sensorYuv = toYuv(blobs, 'YUV422');
  const yuvFrames = 16;
  sections.push({
    title: 'YUV422 windows panning back (the last two at odd columns: YVU422)',
    fps: 15,
    frames: Array.from({ length: yuvFrames }, (_, k) => {
      // A steady pan, 4 px left and 2 px down a frame; the last two frames one column further left.
      let x = 76 - 4 * k;
      const y = 20 + 2 * k;
      if (k >= yuvFrames - 2) x -= 1;
      const { data, pixformat } = cropYuv(sensorYuv, blobs.width, x, y, 80, 60);
      return new Image(80, 60, pixformat, data);
    }),
  });

  // 6-7. BINARY: the graffiti thresholded, a long pan at 160x120, then a zoom out to the whole 320x240.
  const binaryFrames = 40;
  sections.push({
    title: 'BINARY pan (luma > 127)',
    fps: 15,
    frames: Array.from({ length: binaryFrames }, (_, k) => {
      const v = between(
        { x: 160, y: 20, w: 160, h: 120 },
        { x: 0, y: 110, w: 160, h: 120 },
        progress(k, binaryFrames),
      );
      return new Image(160, 120, PIXFORMAT.BINARY, toBinary(render(graffiti, v, 160, 120)));
    }),
  });
  const wideFrames = 10;
  sections.push({
    title: 'BINARY zoom out to the whole wall, 320x240',
    fps: 15,
    frames: Array.from({ length: wideFrames }, (_, k) => {
      const v = between(
        { x: 0, y: 110, w: 160, h: 120 },
        { x: 0, y: 0, w: 320, h: 240 },
        progress(k, wideFrames),
      );
      return new Image(320, 240, PIXFORMAT.BINARY, toBinary(render(graffiti, v, 320, 240)));
    }),
  });

  // 8. JPEG: the firmware test data's real JPEG (no encoder here, so the same picture three times).
  const { width: jw, height: jh } = jpegDimensions(jpeg);
  sections.push({
    title: `JPEG ${jw}x${jh} (a real camera-style JPEG, repeated)`,
    fps: 15,
    frames: Array.from({ length: 3 }, () => new Image(jw, jh, PIXFORMAT.JPEG, jpeg.slice())),
  });

  // 9. PNG: 96x72 RGB crops of the blobs, panning, each encoded by encodePng.
  const pngFrames = 12;
  sections.push({
    title: 'PNG 96x72 RGB pan over the blobs',
    fps: 15,
    frames: Array.from({ length: pngFrames }, (_, k) => {
      const v = between({ x: 0, y: 40, w: 96, h: 72 }, { x: 64, y: 8, w: 96, h: 72 }, progress(k, pngFrames));
      const png = encodePng(render(blobs, v, 96, 72));
      return new Image(96, 72, PIXFORMAT.PNG, png);
    }),
  });
  return sections;
}

/** The elapsed value (ms) of every frame of `sections`, in order. */
export function sampleIntervals(sections: readonly SampleSection[]): number[] {
  return sections.flatMap((section, s) => {
    const gaps = intervals(section.fps, section.frames.length);
    if (s > 0) gaps[0] = SECTION_GAP_MS;
    return gaps;
  });
}

/** The sample recording's bytes: every section written through the engine as a V2.0 file stream. */
export function buildSample(): Uint8Array {
  const sections = sampleSections();
  const elapsed = sampleIntervals(sections);
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock(), version: 20 });
  let k = 0;
  for (const section of sections)
    for (const image of section.frames) io.write(image, { elapsedMs: elapsed[k++]! });
  io.close();
  return store.bytes().slice();
}
