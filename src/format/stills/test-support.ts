/**
 * Test support for the stills codecs: an independent PNG builder (any colour type, bit depth, filter
 * choice and Adam7), parameterised by the compressor and CRC so tests can hand it Node's zlib. Pure
 * code so it type-checks with the engine; only tests import it.
 */
import { concatBytes } from '../bytes';

/** What {@link buildPng} writes. */
export interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  interlaced?: boolean;
  /** Sample `c` of pixel (x, y), 0..2^depth-1 (palette index for colour type 3). */
  sample: (x: number, y: number, c: number) => number;
  /** Filter type for row `y` of pass `pass` (0 for non-interlaced). Default: cycles 0..4. */
  filter?: (y: number, pass: number) => number;
  palette?: Uint8Array;
  trns?: Uint8Array;
  /** zlib compressor (e.g. `zlib.deflateSync`). */
  compress: (data: Uint8Array) => Uint8Array;
  /** CRC-32 (e.g. `zlib.crc32`). */
  crc: (data: Uint8Array) => number;
  /** Split the zlib stream into IDAT chunks of this size. Default: one IDAT. */
  idatSize?: number;
  /** Extra chunks placed before the first IDAT. */
  before?: { type: string; data: Uint8Array }[];
}

export const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export const ADAM7_PASSES: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

export function chunkBytes(type: string, data: Uint8Array, crc: (d: Uint8Array) => number): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/** Builds a PNG from a sample function, the slow and obvious way. */
export function buildPng(spec: PngSpec): Uint8Array {
  const { width, height, colorType, bitDepth } = spec;
  const channels = CHANNELS[colorType] as number;
  const bitsPP = channels * bitDepth;
  const bpp = Math.max(1, bitsPP >> 3);
  const passes = spec.interlaced ? ADAM7_PASSES : [[0, 0, 1, 1] as const];
  const stream: number[] = [];
  passes.forEach(([x0, y0, dx, dy], pass) => {
    const pw = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const ph = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (pw === 0 || ph === 0) return;
    const rowBytes = Math.ceil((pw * bitsPP) / 8);
    let prev = new Array<number>(rowBytes).fill(0);
    for (let y = 0; y < ph; y++) {
      const row = new Array<number>(rowBytes).fill(0);
      let bit = 0;
      for (let x = 0; x < pw; x++) {
        for (let c = 0; c < channels; c++) {
          const v = spec.sample(x0 + x * dx, y0 + y * dy, c);
          if (bitDepth === 16) {
            row[bit >> 3] = v >> 8;
            row[(bit >> 3) + 1] = v & 0xff;
          } else if (bitDepth === 8) row[bit >> 3] = v;
          else row[bit >> 3] = (row[bit >> 3] as number) | (v << (8 - bitDepth - (bit & 7)));
          bit += bitDepth;
        }
      }
      const type = spec.filter ? spec.filter(y, pass) : (y + pass) % 5;
      stream.push(type);
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? (row[i - bpp] as number) : 0;
        const b = prev[i] as number;
        const c = i >= bpp ? (prev[i - bpp] as number) : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type] as number;
        stream.push(((row[i] as number) - pred) & 0xff);
      }
      prev = row;
    }
  });
  const z = spec.compress(Uint8Array.from(stream));
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  ihdr[12] = spec.interlaced ? 1 : 0;
  const parts: Uint8Array[] = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  parts.push(chunkBytes('IHDR', ihdr, spec.crc));
  if (spec.palette) parts.push(chunkBytes('PLTE', spec.palette, spec.crc));
  if (spec.trns) parts.push(chunkBytes('tRNS', spec.trns, spec.crc));
  for (const c of spec.before ?? []) parts.push(chunkBytes(c.type, c.data, spec.crc));
  const size = spec.idatSize ?? Math.max(1, z.length);
  for (let at = 0; at < z.length || at === 0; at += size) {
    parts.push(chunkBytes('IDAT', z.subarray(at, at + size), spec.crc));
    if (z.length === 0) break;
  }
  parts.push(chunkBytes('IEND', new Uint8Array(0), spec.crc));
  return concatBytes(parts);
}

/**
 * The RGBA a PNG decoder must produce for `spec` (16-bit → high byte, low depths scaled to 0..255,
 * tRNS keys → alpha 0), computed independently of the decoder.
 */
export function expectedRgba(spec: PngSpec): Uint8Array {
  const { width, height, colorType, bitDepth } = spec;
  const out = new Uint8Array(width * height * 4);
  const max = 2 ** bitDepth - 1;
  const to8 = (v: number): number => (bitDepth === 16 ? v >> 8 : Math.round((v * 255) / max));
  const t = spec.trns;
  const key = (i: number): number => ((t?.[2 * i] ?? 0) << 8) | (t?.[2 * i + 1] ?? 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (c: number): number => spec.sample(x, y, c);
      const o = 4 * (y * width + x);
      let px: number[];
      if (colorType === 0) {
        const g = to8(s(0));
        px = [g, g, g, t && s(0) === key(0) ? 0 : 255];
      } else if (colorType === 2) {
        const keyed = t && s(0) === key(0) && s(1) === key(1) && s(2) === key(2);
        px = [to8(s(0)), to8(s(1)), to8(s(2)), keyed ? 0 : 255];
      } else if (colorType === 3) {
        const i = s(0);
        const p = spec.palette as Uint8Array;
        px = [p[3 * i] as number, p[3 * i + 1] as number, p[3 * i + 2] as number, t?.[i] ?? 255];
      } else if (colorType === 4) {
        const g = to8(s(0));
        px = [g, g, g, to8(s(1))];
      } else px = [to8(s(0)), to8(s(1)), to8(s(2)), to8(s(3))];
      out.set(px, o);
    }
  }
  return out;
}

/**
 * Index of the first differing byte, the shorter length when one is a prefix of the other, or -1 when
 * equal: a fast stand-in for deep equality on large arrays (Vitest's `toEqual` walks them slowly).
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
