import { rng } from './helpers';
/**
 * Test support for the JPEG encoder: deterministic test pictures and a small, strict baseline JPEG
 * reader (segments and quantised coefficients) written independently of the encoder. Used by the tests
 * and the bench only; pure code so it type-checks with the engine.
 */

/** A seeded generator (the shared mulberry32), so pictures are the same on every run. */
export const seeded = rng;

/**
 * A camera-like 8-bit RGB scene (gradients, a soft disc, a few hard edges, mild sensor noise), as
 * RGBA. `noise` is the peak-to-peak noise amplitude.
 */
export function sceneRgba(width: number, height: number, seed = 1, noise = 6): Uint8ClampedArray {
  const next = seeded(seed);
  const out = new Uint8ClampedArray(width * height * 4);
  const cx = width * 0.6;
  const cy = height * 0.45;
  const radius = Math.max(2, Math.min(width, height) * 0.3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = width > 1 ? x / (width - 1) : 0.5;
      const v = height > 1 ? y / (height - 1) : 0.5;
      let r = 40 + 170 * u;
      let g = 60 + 150 * v;
      let b = 200 - 120 * u * v;
      const d = Math.hypot(x - cx, y - cy) / radius;
      if (d < 1) {
        const k = 0.5 + 0.5 * Math.cos(Math.PI * d);
        r = r * (1 - k) + 250 * k;
        g = g * (1 - k) + 200 * k;
        b = b * (1 - k) + 40 * k;
      }
      if (x > width * 0.15 && x < width * 0.3 && y > height * 0.6 && y < height * 0.85) {
        r = 20;
        g = 20;
        b = 30;
      }
      const n = (next() - 0.5) * noise;
      const o = 4 * (y * width + x);
      out[o] = r + n;
      out[o + 1] = g + n;
      out[o + 2] = b + n;
      out[o + 3] = 255;
    }
  }
  return out;
}

/** A smooth, low-saturation gradient as RGBA: content on which JPEG quality shows as PSNR cleanly. */
export function gradientRgba(width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = width > 1 ? x / (width - 1) : 0.5;
      const v = height > 1 ? y / (height - 1) : 0.5;
      const o = 4 * (y * width + x);
      out[o] = 90 + 70 * u;
      out[o + 1] = 110 + 60 * v;
      out[o + 2] = 140 - 40 * (u + v);
      out[o + 3] = 255;
    }
  }
  return out;
}

/** RGBA → RGB565 payload (truncating pack, little-endian u16: formats.md B §1.4, §1.6). */
export function rgbaToRgb565(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 2);
  for (let i = 0; i < width * height; i++) {
    const p = ((rgba[4 * i]! & 0xf8) << 8) | ((rgba[4 * i + 1]! & 0xfc) << 3) | (rgba[4 * i + 2]! >> 3);
    out[2 * i] = p & 0xff;
    out[2 * i + 1] = p >> 8;
  }
  return out;
}

/** RGBA → GRAYSCALE payload with the firmware's luma (38R + 75G + 15B) >> 7 (B §1.6). */
export function rgbaToGray(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    out[i] = (38 * rgba[4 * i]! + 75 * rgba[4 * i + 1]! + 15 * rgba[4 * i + 2]!) >> 7;
  }
  return out;
}

/** GRAYSCALE → BINARY payload (luma > 127, LSB-first bits in word-padded rows: B §1.4). */
export function grayToBinary(gray: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = 4 * Math.ceil(width / 32);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x]! > 127) out[y * rowBytes + (x >> 3)]! |= 1 << (x & 7);
    }
  }
  return out;
}

/** PSNR in dB between two interleaved 8-bit pictures with `channels` channels (only the first `use`). */
export function psnr(
  a: ArrayLike<number>,
  aChannels: number,
  b: ArrayLike<number>,
  bChannels: number,
  pixels: number,
  use = 3,
): number {
  let sum = 0;
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < use; c++) {
      const d = a[i * aChannels + c]! - b[i * bChannels + c]!;
      sum += d * d;
    }
  }
  const mse = sum / (pixels * use);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

// ---------------------------------------------------------------------------------------------------
// A strict reader for the files the encoder writes.

export interface Segment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  offset: number;
  /** The segment's payload (after the length field); empty for SOI. */
  data: Uint8Array;
  /** The length field (payload + 2); 0 for SOI. */
  length: number;
}

export interface FrameComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
}

export interface ParsedJpeg {
  segments: Segment[];
  width: number;
  height: number;
  precision: number;
  components: FrameComponent[];
  /** Quantisation tables by id, zigzag order. */
  quant: Map<number, Uint8Array>;
  /** Huffman tables by (class << 4 | id). */
  huffman: Map<number, { bits: Uint8Array; values: Uint8Array }>;
  /** Per scan component: [component id, DC table, AC table]. */
  scan: [number, number, number][];
  spectral: [number, number, number];
  /** Entropy-coded bytes (between the SOS header and EOI). */
  entropy: Uint8Array;
}

/** Splits a baseline JPEG into its header segments and entropy data. Throws on anything unexpected. */
export function parseJpeg(bytes: Uint8Array): ParsedJpeg {
  const fail = (msg: string): never => {
    throw new Error(`parseJpeg: ${msg}`);
  };
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) fail('no SOI');
  const segments: Segment[] = [{ marker: 0xd8, offset: 0, data: bytes.subarray(2, 2), length: 0 }];
  const quant = new Map<number, Uint8Array>();
  const huffman = new Map<number, { bits: Uint8Array; values: Uint8Array }>();
  let width = 0;
  let height = 0;
  let precision = 0;
  const components: FrameComponent[] = [];
  let p = 2;
  for (;;) {
    if (p + 4 > bytes.length) fail('truncated header');
    if (bytes[p] !== 0xff) fail(`expected a marker at ${p}`);
    const marker = bytes[p + 1]!;
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    const data = bytes.subarray(p + 4, p + 2 + length);
    segments.push({ marker, offset: p, data, length });
    if (marker === 0xdb) {
      for (let i = 0; i < data.length; i += 65) {
        if (data[i]! >> 4 !== 0) fail('16-bit DQT');
        quant.set(data[i]! & 15, data.slice(i + 1, i + 65));
      }
    } else if (marker === 0xc4) {
      let i = 0;
      while (i < data.length) {
        const key = data[i]!;
        const bits = data.slice(i + 1, i + 17);
        const count = bits.reduce((s, v) => s + v, 0);
        huffman.set(key, { bits, values: data.slice(i + 17, i + 17 + count) });
        i += 17 + count;
      }
      if (i !== data.length) fail('DHT length mismatch');
    } else if (marker === 0xc0) {
      precision = data[0]!;
      height = (data[1]! << 8) | data[2]!;
      width = (data[3]! << 8) | data[4]!;
      for (let c = 0; c < data[5]!; c++) {
        const o = 6 + 3 * c;
        components.push({ id: data[o]!, h: data[o + 1]! >> 4, v: data[o + 1]! & 15, tq: data[o + 2]! });
      }
    } else if (marker === 0xda) {
      const n = data[0]!;
      const scan: [number, number, number][] = [];
      for (let c = 0; c < n; c++) scan.push([data[1 + 2 * c]!, data[2 + 2 * c]! >> 4, data[2 + 2 * c]! & 15]);
      const spectral: [number, number, number] = [data[1 + 2 * n]!, data[2 + 2 * n]!, data[3 + 2 * n]!];
      const start = p + 2 + length;
      if (bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) fail('no EOI at the end');
      const entropy = bytes.subarray(start, bytes.length - 2);
      for (let i = 0; i < entropy.length; i++) {
        if (entropy[i] === 0xff && entropy[i + 1] !== 0x00)
          fail(`marker 0xFF${entropy[i + 1]} in entropy data`);
        if (entropy[i] === 0xff) i++;
      }
      return { segments, width, height, precision, components, quant, huffman, scan, spectral, entropy };
    }
    p += 2 + length;
  }
}

/** Quantised coefficients of every block, per component, in zigzag order, DC undifferenced. */
export interface Coefficients {
  parsed: ParsedJpeg;
  /** blocks[componentIndex][blockIndex in scan order] */
  blocks: Int32Array[][];
  mcusX: number;
  mcusY: number;
}

/**
 * Huffman-decodes the whole scan of a baseline, interleaved, restart-free JPEG. Throws if the data does
 * not end exactly at a byte boundary padded with 1-bits.
 */
export function decodeCoefficients(bytes: Uint8Array): Coefficients {
  const parsed = parseJpeg(bytes);
  const { components, entropy } = parsed;
  const hmax = Math.max(...components.map((c) => c.h));
  const vmax = Math.max(...components.map((c) => c.v));
  const mcusX = Math.ceil(parsed.width / (8 * hmax));
  const mcusY = Math.ceil(parsed.height / (8 * vmax));
  // Unstuff.
  const raw: number[] = [];
  for (let i = 0; i < entropy.length; i++) {
    raw.push(entropy[i]!);
    if (entropy[i] === 0xff) i++;
  }
  let bitPos = 0;
  const readBit = (): number => {
    const byte = raw[bitPos >> 3];
    if (byte === undefined) throw new Error('decodeCoefficients: ran out of data');
    const bit = (byte >> (7 - (bitPos & 7))) & 1;
    bitPos++;
    return bit;
  };
  const decoders = new Map<number, Map<string, number>>();
  for (const [key, t] of parsed.huffman) {
    const m = new Map<string, number>();
    let code = 0;
    let k = 0;
    for (let len = 1; len <= 16; len++) {
      for (let i = 0; i < t.bits[len - 1]!; i++, code++)
        m.set(code.toString(2).padStart(len, '0'), t.values[k++]!);
      code <<= 1;
    }
    decoders.set(key, m);
  }
  const decodeSymbol = (key: number): number => {
    const m = decoders.get(key)!;
    let s = '';
    while (s.length <= 16) {
      s += String(readBit());
      const v = m.get(s);
      if (v !== undefined) return v;
    }
    throw new Error('decodeCoefficients: bad Huffman code');
  };
  const receive = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | readBit();
    return n > 0 && v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  };
  const blocks: Int32Array[][] = components.map(() => []);
  const pred = components.map(() => 0);
  for (let m = 0; m < mcusX * mcusY; m++) {
    components.forEach((comp, ci) => {
      const [, td, ta] = parsed.scan[ci]!;
      for (let b = 0; b < comp.h * comp.v; b++) {
        const z = new Int32Array(64);
        const s = decodeSymbol(td);
        pred[ci]! += receive(s);
        z[0] = pred[ci]!;
        for (let k = 1; k < 64;) {
          const rs = decodeSymbol(0x10 | ta);
          const run = rs >> 4;
          const size = rs & 15;
          if (size === 0) {
            if (run === 15) {
              k += 16;
              continue;
            }
            break; // EOB
          }
          k += run;
          if (k > 63) throw new Error('decodeCoefficients: run past the block');
          z[k++] = receive(size);
        }
        blocks[ci]!.push(z);
      }
    });
  }
  // What is left must be fewer than 8 bits, all ones.
  const left = raw.length * 8 - bitPos;
  if (left >= 8) throw new Error(`decodeCoefficients: ${left} bits left after the last block`);
  for (let i = 0; i < left; i++)
    if (readBit() !== 1) throw new Error('decodeCoefficients: padding is not 1-bits');
  return { parsed, blocks, mcusX, mcusY };
}
