import { MemoryStore } from '../byte-store';

/** Bytes from a hex dump such as formats.md's ("0000: 4F 4D ..."): offsets before a colon are dropped. */
export function fromHex(dump: string): Uint8Array {
  const bytes: number[] = [];
  for (const line of dump.split('\n')) {
    const body = line.includes(':') ? line.slice(line.indexOf(':') + 1) : line;
    for (const tok of body.trim().split(/\s+/))
      if (/^[0-9a-fA-F]{2}$/.test(tok)) bytes.push(parseInt(tok, 16));
  }
  return Uint8Array.from(bytes);
}

export const toHex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** A store holding a copy of `bytes`. */
export const storeOf = (bytes: Uint8Array): MemoryStore => new MemoryStore(bytes);

/** mulberry32: a small seeded generator, so random tests replay exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(n: number, next: () => number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** `length` seeded random bytes: the same seed gives the same bytes, so failures reproduce. */
export const seededBytes = (length: number, seed: number): Uint8Array => randomBytes(length, rng(seed));

/** Bit replication as a string operation: the n-bit pattern repeated to 8 bits (formats.md B §1.6). */
export function replicate(value: number, bits: number): number {
  const pattern = value.toString(2).padStart(bits, '0');
  return parseInt(pattern.repeat(Math.ceil(8 / bits)).slice(0, 8), 2);
}

/** Truncating RGB565 pack then bit replication: what the camera displays for (r, g, b) (Part A). */
export function shown(r: number, g: number, b: number): [number, number, number, number] {
  const rgb565 = ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | (b >> 3);
  return [replicate(rgb565 >> 11, 5), replicate((rgb565 >> 5) & 63, 6), replicate(rgb565 & 31, 5), 255];
}

/**
 * The OpenMV test images (`../shared/data/openmv-test-images/` beside the repository), as a path with a
 * trailing slash. Resolved from this file, so it holds wherever the repository is cloned.
 */
export const TEST_IMAGES = new URL('../../../../shared/data/openmv-test-images/', import.meta.url).pathname;
