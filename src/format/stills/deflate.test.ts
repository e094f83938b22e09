import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { rng, seededBytes, TEST_IMAGES } from '../test/helpers';
import { adler32, crc32 } from './checksum';
import { deflateRaw, huffmanLengths, zlibDeflate } from './deflate';
import { inflateRaw, zlibInflate } from './inflate';
import { firstDifference as diff } from './test-support';

const DATA = TEST_IMAGES;

/** Seeded inputs of the three kinds the property tests need. */
function corpus(): { name: string; data: Uint8Array }[] {
  const next = rng(7);
  const out: { name: string; data: Uint8Array }[] = [];
  for (const n of [0, 1, 2, 3, 4, 257, 258, 259, 1000, 65535, 65536, 70000]) {
    out.push({ name: `random ${n}`, data: seededBytes(n, n + 1) });
  }
  for (const n of [10, 300, 5000, 100000]) {
    const d = new Uint8Array(n);
    const period = 1 + Math.floor(next() * 9);
    for (let i = 0; i < n; i++) d[i] = (i % period) * 17;
    out.push({ name: `period ${period} x ${n}`, data: d });
    out.push({ name: `zeros ${n}`, data: new Uint8Array(n) });
  }
  // Runs of random lengths of a few symbols: long matches at many distances.
  const runs = new Uint8Array(80000);
  for (let i = 0; i < runs.length;) {
    const len = 1 + Math.floor(next() * 300);
    runs.fill(Math.floor(next() * 4), i, i + len);
    i += len;
  }
  out.push({ name: 'runs', data: runs });
  // Text-like: words from a small vocabulary.
  const words = ['omv', 'image', 'stream', ' ', 'frame', '\n', 'openmv', 'camera', 'rgb565'];
  let text = '';
  while (text.length < 50000) text += words[Math.floor(next() * words.length)];
  out.push({ name: 'words', data: Uint8Array.from(text, (c) => c.charCodeAt(0)) });
  // Real image rows: a photo, a synthetic frame and an already-compressed JPEG.
  out.push({ name: 'cat.pgm', data: new Uint8Array(readFileSync(DATA + 'cat.pgm')) });
  out.push({ name: 'blobs.ppm', data: new Uint8Array(readFileSync(DATA + 'blobs.ppm')) });
  out.push({ name: 'hand.bmp', data: new Uint8Array(readFileSync(DATA + 'hand.bmp')) });
  out.push({ name: 'compressed.jpeg', data: new Uint8Array(readFileSync(DATA + 'compressed.jpeg')) });
  return out;
}

const CORPUS = corpus();

describe('checksums', () => {
  it('crc32 and adler32 match zlib', () => {
    for (const { data } of CORPUS.slice(0, 12)) {
      expect(crc32(data)).toBe(zlib.crc32(data));
      expect(adler32(data)).toBe(adlerRef(data));
    }
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
  });

  it('continue across calls', () => {
    const d = seededBytes(10000, 3);
    expect(crc32(d, 5000, 10000, crc32(d, 0, 5000))).toBe(crc32(d));
    expect(adler32(d, 5000, 10000, adler32(d, 0, 5000))).toBe(adler32(d));
  });
});

/** Adler-32 the slow way (RFC 1950 §9). */
function adlerRef(d: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of d) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

describe('deflate → inflate round trips', () => {
  it.each(CORPUS.map((c) => [c.name, c.data] as const))('%s, every level, checked by zlib too', (_, data) => {
    for (const level of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
      const z = zlibDeflate(data, { level });
      expect(diff(zlibInflate(z), data)).toBe(-1);
      expect(diff(new Uint8Array(zlib.inflateSync(z)), data)).toBe(-1);
      const raw = deflateRaw(data, { level });
      expect(diff(new Uint8Array(zlib.inflateRawSync(raw)), data)).toBe(-1);
      expect(diff(inflateRaw(raw).data, data)).toBe(-1);
      expect(inflateRaw(raw).end).toBe(raw.length);
    }
  });

  it('compresses as well as zlib at level 6 (within 3%) and never expands much', () => {
    for (const { name, data } of CORPUS) {
      const mine = zlibDeflate(data).length;
      const theirs = zlib.deflateSync(data, { level: 6 }).length;
      expect(mine, name).toBeLessThanOrEqual(Math.ceil(theirs * 1.03) + 8);
      // Incompressible data costs at most a stored-block header (5 bytes) per 16 Ki-symbol block.
      expect(mine, name).toBeLessThanOrEqual(data.length + 5 * Math.ceil(data.length / 16384 + 1) + 6);
    }
  });

  it('is deterministic', () => {
    for (const { data } of CORPUS.slice(-4)) expect(diff(zlibDeflate(data), zlibDeflate(data))).toBe(-1);
  });

  it('rejects a bad level', () => {
    expect(() => deflateRaw(new Uint8Array(1), { level: 10 })).toThrow(ValueError);
    expect(() => deflateRaw(new Uint8Array(1), { level: 1.5 })).toThrow(ValueError);
  });
});

describe('inflate of zlib output', () => {
  it('reads every zlib level and strategy (stored, fixed, dynamic, RLE, Huffman-only)', () => {
    const strategies = [
      zlib.constants.Z_DEFAULT_STRATEGY,
      zlib.constants.Z_FILTERED,
      zlib.constants.Z_HUFFMAN_ONLY,
      zlib.constants.Z_RLE,
      zlib.constants.Z_FIXED,
    ];
    for (const { name, data } of CORPUS) {
      for (const level of [0, 1, 6, 9]) {
        for (const strategy of strategies) {
          const z = zlib.deflateSync(data, { level, strategy });
          expect(diff(zlibInflate(z), data), `${name} level ${level} strategy ${strategy}`).toBe(-1);
          expect(diff(zlibInflate(z, { expectedSize: data.length }), data)).toBe(-1);
        }
      }
      // Small windows and memory levels: more, shorter blocks.
      const z = zlib.deflateSync(data, { windowBits: 9, memLevel: 1 });
      expect(diff(zlibInflate(z), data), name).toBe(-1);
    }
  });

  it('reads streams flushed into many blocks (stored empty blocks included)', () => {
    const data = CORPUS.find((c) => c.name === 'cat.pgm')!.data;
    const d = zlib.createDeflate();
    const parts: Buffer[] = [];
    d.on('data', (b: Buffer) => parts.push(b));
    return new Promise<void>((resolve) => {
      d.on('end', () => {
        expect(diff(zlibInflate(new Uint8Array(Buffer.concat(parts))), data)).toBe(-1);
        resolve();
      });
      for (let at = 0; at < data.length; at += 3000) {
        d.write(data.subarray(at, at + 3000));
        d.flush(zlib.constants.Z_SYNC_FLUSH);
      }
      d.end();
    });
  });
});

describe('inflate errors', () => {
  const good = zlibDeflate(CORPUS.find((c) => c.name === 'words')!.data);

  it('checks the zlib header and the Adler-32', () => {
    expect(() => zlibInflate(new Uint8Array([0x78]))).toThrow(/header needs 2/);
    expect(() => zlibInflate(Uint8Array.from([0x79, ...good.subarray(1)]))).toThrow(/compression method 9/);
    expect(() => zlibInflate(Uint8Array.from([0x88, 0x1c, ...good.subarray(2)]))).toThrow(/window size/);
    expect(() => zlibInflate(Uint8Array.from([0x78, 0x9d, ...good.subarray(2)]))).toThrow(/check bits/);
    expect(() => zlibInflate(Uint8Array.from([0x78, 0xbb, ...good.subarray(2)]))).toThrow(
      /preset dictionary/,
    );
    const badSum = good.slice();
    badSum[badSum.length - 1]! ^= 1;
    expect(() => zlibInflate(badSum)).toThrow(/Adler-32 mismatch/);
    expect(() => zlibInflate(good.subarray(0, good.length - 2))).toThrow(/Adler-32 .* missing/);
  });

  it('names the problem and the byte for malformed deflate data', () => {
    expect(() => inflateRaw(Uint8Array.from([0x07]))).toThrow(/invalid block type 3/);
    // Stored block whose NLEN is not the complement of LEN.
    expect(() => inflateRaw(Uint8Array.from([0x01, 0x05, 0x00, 0x00, 0x00]))).toThrow(/complement/);
    // Stored block of 5 bytes with only 2 present.
    expect(() => inflateRaw(Uint8Array.from([0x01, 0x05, 0x00, 0xfa, 0xff, 1, 2]))).toThrow(/end of data/);
    // Fixed block: a match at distance 1 with no output yet.
    const w: number[] = [];
    // BFINAL=1, BTYPE=01, then length symbol 257 (7-bit code 0000001), distance code 0 (00000).
    const bits = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0];
    for (let i = 0; i < bits.length; i += 8)
      w.push(bits.slice(i, i + 8).reduce((a, b, k) => a | (b << k), 0));
    expect(() => inflateRaw(Uint8Array.from(w))).toThrow(/distance 1 reaches before the start/);
    expect(() => inflateRaw(new Uint8Array(0))).toThrow(/unexpected end of data/);
    for (let n = 0; n < good.length - 4; n += 7) {
      expect(() => zlibInflate(good.subarray(0, n))).toThrow(ValueError);
    }
  });

  it('holds the output to expectedSize and maxOutput', () => {
    const data = new Uint8Array(100000);
    const z = zlibDeflate(data);
    expect(() => zlibInflate(z, { expectedSize: 99999 })).toThrow(/more than the 99999 bytes expected/);
    expect(() => zlibInflate(z, { expectedSize: 100001 })).toThrow(/ends after 100000 of the 100001/);
    expect(() => zlibInflate(z, { maxOutput: 50000 })).toThrow(/50000-byte limit/);
    expect(diff(zlibInflate(z, { maxOutput: 100000 }), data)).toBe(-1);
  });

  it('rejects over-subscribed and incomplete dynamic codes', () => {
    // A dynamic header whose code-length code gives three symbols length 1 (over-subscribed).
    const bitsOf = (fields: [number, number][]): Uint8Array => {
      const out: number[] = [];
      let acc = 0;
      let n = 0;
      for (const [v, len] of fields) {
        acc |= v << n;
        n += len;
        while (n >= 8) {
          out.push(acc & 0xff);
          acc >>>= 8;
          n -= 8;
        }
      }
      if (n) out.push(acc);
      return Uint8Array.from([...out, 0, 0, 0, 0]);
    };
    const over = bitsOf([
      [1, 1],
      [2, 2],
      [0, 5],
      [0, 5],
      [0, 4],
      [1, 3],
      [1, 3],
      [1, 3],
      [0, 3],
    ]);
    expect(() => inflateRaw(over)).toThrow(/over-subscribed code-length code/);
    const incomplete = bitsOf([
      [1, 1],
      [2, 2],
      [0, 5],
      [0, 5],
      [0, 4],
      [2, 3],
      [0, 3],
      [0, 3],
      [0, 3],
    ]);
    expect(() => inflateRaw(incomplete)).toThrow(/incomplete code-length code/);
  });
});

describe('huffmanLengths', () => {
  it('limits code lengths and keeps the code complete', () => {
    // Fibonacci frequencies force the deepest possible tree.
    const fib = [1, 1];
    while (fib.length < 40) fib.push(fib[fib.length - 1]! + fib[fib.length - 2]!);
    for (const max of [7, 15]) {
      const lengths = huffmanLengths(fib, max);
      expect(Math.max(...lengths)).toBeLessThanOrEqual(max);
      expect(lengths.every((l) => l > 0)).toBe(true);
      expect(lengths.reduce((s, l) => s + 2 ** -l, 0)).toBeCloseTo(1, 12);
    }
    const next = rng(5);
    for (let t = 0; t < 200; t++) {
      const n = 2 + Math.floor(next() * 300);
      const freq = Array.from({ length: n }, () => (next() < 0.3 ? 0 : Math.floor(next() ** 4 * 100000)));
      const lengths = huffmanLengths(freq, 15);
      const used = freq.filter((f) => f > 0).length;
      if (used >= 2) expect(lengths.reduce((s, l) => s + (l ? 2 ** -l : 0), 0)).toBeCloseTo(1, 12);
      freq.forEach((f, i) => {
        if (f > 0) expect(lengths[i]).toBeGreaterThan(0);
        expect(lengths[i]).toBeLessThanOrEqual(15);
      });
    }
  });

  it('gives a lone symbol a partner so the code is complete', () => {
    expect(Array.from(huffmanLengths([0, 0, 5], 15))).toEqual([1, 0, 1]);
    expect(Array.from(huffmanLengths([5, 0], 15))).toEqual([1, 1]);
    expect(Array.from(huffmanLengths([0, 0], 15))).toEqual([0, 0]);
  });
});
