import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { rng } from '../test/helpers';
import { lzwBound, lzwDecode, lzwEncode } from './lzw';

/** The data sub-blocks after the code size byte, joined; checks every length byte is 1..255. */
function unblock(enc: Uint8Array): Uint8Array {
  const parts: number[] = [];
  let at = 1;
  for (;;) {
    const n = enc[at] as number;
    expect(n).toBeLessThanOrEqual(255);
    at++;
    if (n === 0) break;
    parts.push(...enc.subarray(at, at + n));
    at += n;
  }
  expect(at).toBe(enc.length);
  return Uint8Array.from(parts);
}

/**
 * A textbook GIF LZW decoder, independent of lzw.ts: strings as arrays, a bit reader over the joined
 * sub-blocks, the table grows until 4096 entries and then stays (deferred clear).
 */
function textbookDecode(data: Uint8Array, minCodeSize: number): number[] {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  let table: number[][] = [];
  const reset = (): void => {
    table = [];
    for (let i = 0; i < clear; i++) table.push([i]);
    table.push([], []);
  };
  reset();
  let size = minCodeSize + 1;
  let bitPos = 0;
  const read = (): number | null => {
    if (bitPos + size > data.length * 8) return null;
    let v = 0;
    for (let i = 0; i < size; i++, bitPos++) {
      if (((data[bitPos >> 3] as number) >> (bitPos & 7)) & 1) v |= 1 << i;
    }
    return v;
  };
  const out: number[] = [];
  let prev: number[] | null = null;
  for (;;) {
    const code = read();
    if (code === null || code === end) break;
    if (code === clear) {
      reset();
      size = minCodeSize + 1;
      prev = null;
      continue;
    }
    let entry: number[];
    if (code < table.length) entry = table[code] as number[];
    else if (code === table.length && prev) entry = [...prev, prev[0] as number];
    else throw new Error(`bad code ${code}`);
    out.push(...entry);
    if (prev && table.length < 4096) table.push([...prev, entry[0] as number]);
    if (table.length === 1 << size && size < 12) size++;
    prev = entry;
  }
  return out;
}

/** Index data: runs and noise mixed, so the table both fills up and gets long strings. */
function sample(n: number, bits: number, seed: number): Uint8Array {
  const next = rng(seed);
  const out = new Uint8Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (next() < 0.3) v = Math.floor(next() * (1 << bits));
    out[i] = v;
  }
  return out;
}

describe('lzwEncode / lzwDecode', () => {
  const sizes = [0, 1, 2, 3, 255, 256, 1000, 4093, 4094, 4095, 4096, 4097, 20000, 76800];
  for (const bits of [2, 3, 4, 5, 7, 8]) {
    it(`round-trips ${bits}-bit indices of many lengths through both decoders`, () => {
      for (const [k, n] of sizes.entries()) {
        const idx = sample(n, bits, bits * 100 + k);
        const enc = lzwEncode(idx, bits);
        expect(enc[0]).toBe(bits);
        expect(enc.length).toBeLessThanOrEqual(lzwBound(n, bits));
        const out = new Uint8Array(n);
        const r = lzwDecode(enc, 1, bits, out);
        expect(r.end).toBe(enc.length);
        expect(r.pixels).toBe(n);
        expect(out).toEqual(idx);
        expect(textbookDecode(unblock(enc), bits)).toEqual(Array.from(idx));
      }
    });
  }

  it('compresses (a constant image is tiny; pure noise stays within the bound)', () => {
    const flat = lzwEncode(new Uint8Array(76800), 8);
    expect(flat.length).toBeLessThan(600);
    const next = rng(5);
    const noise = Uint8Array.from({ length: 76800 }, () => Math.floor(next() * 256));
    const enc = lzwEncode(noise, 8);
    expect(enc.length).toBeLessThan(lzwBound(76800, 8));
    const out = new Uint8Array(76800);
    lzwDecode(enc, 1, 8, out);
    expect(out).toEqual(noise);
  });

  it('crosses the table-full clear many times and widens codes at the right moment', () => {
    // Strings that grow: every new entry is used soon after it is made.
    const idx = new Uint8Array(200_000);
    for (let i = 0; i < idx.length; i++) idx[i] = (i * 7 + (i >> 9)) & 3;
    const enc = lzwEncode(idx, 2);
    expect(textbookDecode(unblock(enc), 2)).toEqual(Array.from(idx));
  });

  it('rejects indices that do not fit the code size and bad code sizes', () => {
    expect(() => lzwEncode(Uint8Array.of(0, 4), 2)).toThrow(ValueError);
    expect(() => lzwEncode(Uint8Array.of(0), 1)).toThrow(ValueError);
    expect(() => lzwEncode(Uint8Array.of(0), 9)).toThrow(ValueError);
  });

  it('leaves the shared encoder state clean after a rejected call', () => {
    const idx = sample(5000, 8, 1);
    const a = lzwEncode(idx, 8);
    expect(() => lzwEncode(Uint8Array.of(1, 2, 255), 4)).toThrow(ValueError);
    expect(lzwEncode(idx, 8)).toEqual(a);
  });

  it('decodes a stream with a deferred clear (full table kept) and no leading clear code', () => {
    // Hand-made 2-bit-code stream: codes 0, 1, 6 (= "0 1" + "0"? no: 6 is "01"), end.
    // minCodeSize 2: clear 4, end 5, first free 6. Codes at 3 bits: 0, 1, 6, 5.
    const codes = [0, 1, 6, 5];
    let acc = 0;
    let bits = 0;
    const bytes: number[] = [];
    for (const c of codes) {
      acc |= c << bits;
      bits += 3;
      while (bits >= 8) {
        bytes.push(acc & 0xff);
        acc >>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) bytes.push(acc & 0xff);
    const enc = Uint8Array.from([bytes.length, ...bytes, 0]);
    const out = new Uint8Array(4);
    const r = lzwDecode(enc, 0, 2, out);
    expect(Array.from(out)).toEqual([0, 1, 0, 1]);
    expect(r.pixels).toBe(4);
  });

  it('discards pixels beyond the output and reports short data', () => {
    const idx = sample(1000, 8, 9);
    const enc = lzwEncode(idx, 8);
    const short = new Uint8Array(10);
    expect(lzwDecode(enc, 1, 8, short).pixels).toBe(10);
    expect(short).toEqual(idx.subarray(0, 10));
    const long = new Uint8Array(2000);
    expect(lzwDecode(enc, 1, 8, long).pixels).toBe(1000);
  });

  it('throws ValueError with an offset for undefined codes and truncated data', () => {
    // 8-bit: clear 256, then code 300 (not defined yet).
    const bad = Uint8Array.from([3, 0x00, 0x59, 0x02, 0]); // 9-bit codes: 256, 300
    expect(() => lzwDecode(bad, 0, 8, new Uint8Array(10))).toThrow(/Invalid LZW code 300 at offset/);
    const enc = lzwEncode(sample(500, 8, 2), 8);
    expect(() => lzwDecode(enc.subarray(0, enc.length - 5), 1, 8, new Uint8Array(500))).toThrow(
      /truncated at offset \d+/,
    );
    expect(() => lzwDecode(enc, 1, 12, new Uint8Array(1))).toThrow(ValueError);
  });
});
