import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OSError, ValueError } from '../errors';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { rng, seededBytes, TEST_IMAGES } from '../test/helpers';
import { crc32 } from './checksum';
import { decodeBmp, encodeBmp } from './bmp';
import { zlibInflate } from './inflate';
import { loadStill } from './index';
import { jpegInfo } from './jpeg-info';
import { decodePng, encodePng } from './png';
import { decodePnm, encodePgm, encodePpm } from './pnm';
import { buildPng } from './test-support';

const DATA = TEST_IMAGES;

/**
 * Hostile input: thousands of mutated and truncated files per reader. Every outcome must be a decoded
 * image or an OSError / ValueError; never another exception, never a slow case, and never an allocation
 * larger than a bound derived from the input length (measured by wrapping the typed-array constructors).
 */

const TYPED = [
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float64Array',
] as const;
type Ctor = new (...args: unknown[]) => ArrayBufferView;

let largest = 0;

/** Replaces the typed-array constructors by subclasses that record the largest allocation. */
function trackAllocations(): () => void {
  const g = globalThis as unknown as Record<string, Ctor & { BYTES_PER_ELEMENT: number }>;
  const saved = TYPED.map((name) => [name, g[name]!] as const);
  for (const [name, Base] of saved) {
    const size = Base.BYTES_PER_ELEMENT;
    g[name] = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        const a = args[0];
        const n =
          typeof a === 'number'
            ? a
            : a && typeof a === 'object' && !(a instanceof ArrayBuffer) && 'length' in a
              ? Number((a as { length: number }).length)
              : 0;
        if (n * size > largest) largest = n * size;
      }
    } as unknown as Ctor & { BYTES_PER_ELEMENT: number };
  }
  return () => {
    for (const [name, Base] of saved) g[name] = Base;
  };
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0x20, 0x0a, 0x23, 0x30, 0x39];

function mutate(seed: Uint8Array, next: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(next() * n);
  let b = seed.slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(Math.max(1, b.length));
    switch (pick(8)) {
      case 0:
        if (b.length) b[at] = (b[at] as number) ^ (1 << pick(8));
        break;
      case 1:
        if (b.length) b[at] = INTERESTING[pick(INTERESTING.length)] as number;
        break;
      case 2: {
        // A 32-bit field set to an extreme value, little- or big-endian.
        const v = [0xffffffff, 0x7fffffff, 0x80000000, 0x00010000, 0x0000ffff, 0][pick(6)] as number;
        const le = next() < 0.5;
        for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = (v >>> (8 * (le ? k : 3 - k))) & 0xff;
        break;
      }
      case 3:
        b = b.slice(0, pick(b.length + 1));
        break;
      case 4: {
        const extra = seededBytes(1 + pick(8), pick(1e9));
        b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
        break;
      }
      case 5:
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + pick(16))]);
        break;
      case 6:
        if (b.length) b[at] = pick(256);
        break;
      default: {
        const len = 1 + pick(32);
        b = Uint8Array.from([
          ...b.subarray(0, at + len),
          ...b.subarray(at, at + len),
          ...b.subarray(at + len),
        ]);
      }
    }
  }
  return b;
}

/** Recomputes every chunk CRC it can walk to, so mutations reach the decompressor and the filters. */
function fixPngCrcs(png: Uint8Array): void {
  for (let at = 8; at + 12 <= png.length;) {
    const len = ((png[at]! << 24) | (png[at + 1]! << 16) | (png[at + 2]! << 8) | png[at + 3]!) >>> 0;
    if (at + 12 + len > png.length) return;
    const c = crc32(png, at + 4, at + 8 + len);
    png.set([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff], at + 8 + len);
    at += 12 + len;
  }
}

interface Outcome {
  ok: number;
  os: number;
  value: number;
  failures: string[];
  /** Largest allocation seen in any case: proves the tracker is live. */
  peak: number;
}

function fuzz(
  seeds: Uint8Array[],
  cases: number,
  seed: number,
  decode: (b: Uint8Array) => unknown,
  bound: (length: number) => number,
  prepare?: (b: Uint8Array, next: () => number) => void,
): Outcome {
  const next = rng(seed);
  const out: Outcome = { ok: 0, os: 0, value: 0, failures: [], peak: 0 };
  const restore = trackAllocations();
  try {
    for (let i = 0; i < cases; i++) {
      const input = mutate(seeds[i % seeds.length]!, next);
      prepare?.(input, next);
      largest = 0;
      try {
        decode(input);
        out.ok++;
      } catch (e) {
        if (e instanceof OSError) out.os++;
        else if (e instanceof ValueError) out.value++;
        else out.failures.push(`case ${i}: ${String(e)}`);
      }
      out.peak = Math.max(out.peak, largest);
      if (largest > bound(input.length)) {
        out.failures.push(`case ${i}: allocated ${largest} bytes for a ${input.length}-byte input`);
      }
    }
  } finally {
    restore();
  }
  return out;
}

const crc = (d: Uint8Array): number => zlib.crc32(d);
const compress = (d: Uint8Array): Uint8Array => new Uint8Array(zlib.deflateSync(d));

describe('hostile input', () => {
  it('BMP: mutated and truncated files', () => {
    const seeds = [
      encodeBmp(new Image(5, 3, PIXFORMAT.GRAYSCALE, seededBytes(15, 1))),
      encodeBmp(new Image(7, 2, PIXFORMAT.RGB565, seededBytes(28, 2))),
      encodeBmp(new Image(1, 1, PIXFORMAT.RGB565)),
      new Uint8Array(readFileSync(DATA + 'graffiti.bmp')).subarray(0, 1200),
    ];
    // A small 24-bit bottom-up file, mirrored.
    const b24 = new Uint8Array(54 + 8 * 2);
    b24.set([
      0x42, 0x4d, 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 0,
      24,
    ]);
    b24.set([16, 0, 0, 0], 34);
    seeds.push(b24);
    const r = fuzz(seeds, 4000, 11, decodeBmp, (n) => 2 * n + 1024);
    expect(r.failures).toEqual([]);
    expect(r.peak).toBeGreaterThanOrEqual(28); // the tracker saw the 7x2 RGB565 pixels
    expect(r.ok).toBeGreaterThan(100);
    expect(r.os).toBeGreaterThan(1000);
  });

  it('PNM: mutated and truncated files', () => {
    const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
    const seeds = [
      encodePgm(new Image(4, 3, PIXFORMAT.GRAYSCALE, seededBytes(12, 3))),
      encodePpm(new Image(3, 2, PIXFORMAT.RGB565, seededBytes(12, 4))),
      ascii('P2\n# c\n3 2\n255\n0 1 2\n3 4 255\n'),
      ascii('P3 2 2 255 1 2 3 4 5 6 7 8 9 10 11 12'),
      new Uint8Array(readFileSync(DATA + 'template.pgm')),
    ];
    const r = fuzz(seeds, 4000, 12, decodePnm, (n) => 2 * n + 1024);
    expect(r.failures).toEqual([]);
    expect(r.peak).toBeGreaterThanOrEqual(1600);
    expect(r.ok).toBeGreaterThan(100);
    expect(r.os).toBeGreaterThan(1000);
  });

  it('PNG: mutated files, with and without repaired CRCs', () => {
    const seeds = [
      encodePng(new Image(9, 5, PIXFORMAT.RGB565, seededBytes(90, 5))),
      encodePng(new Image(13, 3, PIXFORMAT.GRAYSCALE, seededBytes(39, 6))),
      encodePng(new Image(35, 4, PIXFORMAT.BINARY, seededBytes(32, 7))),
      buildPng({
        width: 7,
        height: 6,
        colorType: 3,
        bitDepth: 4,
        interlaced: true,
        palette: seededBytes(30, 8),
        trns: Uint8Array.from([0, 128, 255]),
        sample: (x, y) => (x + y) % 10,
        compress,
        crc,
      }),
      buildPng({
        width: 5,
        height: 5,
        colorType: 6,
        bitDepth: 16,
        sample: (x, y, c) => x * 1000 + y * 100 + c,
        compress,
        crc,
        idatSize: 9,
      }),
      buildPng({
        width: 3,
        height: 9,
        colorType: 0,
        bitDepth: 2,
        interlaced: true,
        trns: Uint8Array.from([0, 1]),
        sample: (x, y) => (x * y) % 4,
        compress,
        crc,
      }),
    ];
    // Deflate output can expand ~1032x and a 1-bit pixel becomes 4 RGBA bytes: the inherent PNG bound,
    // plus the inflater's two fixed 128 KiB tables.
    const bound = (n: number): number => Math.max(1 << 18, 1032 * 32 * n + 4096);
    const plain = fuzz(seeds, 3000, 13, (b) => decodePng(b), bound);
    expect(plain.failures).toEqual([]);
    const repaired = fuzz(
      seeds,
      4000,
      14,
      (b) => decodePng(b),
      bound,
      (b, next) => {
        if (next() < 0.9) fixPngCrcs(b);
      },
    );
    expect(repaired.failures).toEqual([]);
    expect(repaired.ok).toBeGreaterThan(50);
    expect(repaired.peak).toBeGreaterThanOrEqual(1 << 17); // the inflater's lookup tables
  });

  it('zlib streams: mutated deflate data', () => {
    const data = new Uint8Array(readFileSync(DATA + 'cat.pgm')).subarray(0, 4000);
    const seeds = [
      new Uint8Array(zlib.deflateSync(data)),
      new Uint8Array(zlib.deflateSync(data, { level: 0 })),
      new Uint8Array(zlib.deflateSync(data, { strategy: zlib.constants.Z_FIXED })),
      new Uint8Array(zlib.deflateSync(seededBytes(500, 9))),
    ];
    const r = fuzz(
      seeds,
      3000,
      15,
      (b) => zlibInflate(b, { maxOutput: 1 << 20 }),
      () => (1 << 20) + (1 << 18),
    );
    expect(r.failures).toEqual([]);
    expect(r.value).toBeGreaterThan(1000);
  });

  it('JPEG headers and loadStill on anything', () => {
    const jpeg = new Uint8Array(readFileSync(DATA + 'compressed.jpeg')).subarray(0, 800);
    const j = fuzz([jpeg], 2000, 16, jpegInfo, () => 1024);
    expect(j.failures).toEqual([]);
    const seeds = [
      jpeg,
      encodeBmp(new Image(3, 3, PIXFORMAT.GRAYSCALE)),
      encodePgm(new Image(3, 3, PIXFORMAT.GRAYSCALE)),
      encodePng(new Image(3, 3, PIXFORMAT.GRAYSCALE)),
    ];
    const all = fuzz(
      seeds,
      2000,
      17,
      (b) => loadStill(b),
      (n) => 2 * n + 1024,
    );
    expect(all.failures).toEqual([]);
  });
});
