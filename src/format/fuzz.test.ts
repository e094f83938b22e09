import { describe, expect, it } from 'vitest';
import {
  EOFError,
  ImageIO,
  Image,
  ManualClock,
  MemoryStore,
  OSError,
  PIXFORMAT,
  ValueError,
  repair,
} from './index';
import type { ByteStore } from './index';
import { randomBytes, rng } from './test/helpers';

/** A store that remembers the largest read asked of it: no read may exceed the file it reads from. */
class WatchedStore extends MemoryStore {
  largestRead = 0;
  override readInto(offset: number, into: Uint8Array): number {
    this.largestRead = Math.max(this.largestRead, into.length);
    return super.readInto(offset, into);
  }
}

const next = rng(2024);

/** Seed files: every version, every pixel format, odd sizes. */
function seeds(): Uint8Array[] {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  const formats = Object.values(PIXFORMAT).filter((f) => f !== PIXFORMAT.ARGB8);
  for (const [i, f] of formats.entries()) {
    const w = 1 + (i % 5) * 3;
    const h = 1 + (i % 3) * 2;
    const compressed = f === PIXFORMAT.JPEG || f === PIXFORMAT.PNG;
    const img = compressed
      ? new Image(w, h, f, randomBytes(10 + i * 7, next))
      : new Image(w, h, f, randomBytes(4 * w * h + 8, next));
    io.write(img, { elapsedMs: i * 3 });
  }
  const v20 = store.bytes().slice();
  const v21 = v20.slice();
  v21[15] = 0x31;
  // A V1.1 and a V1.0 file: 16-byte headers with bpp 0..3 and JPEG lengths.
  const v1 = (minor: number): Uint8Array => {
    const parts = [...Array.from(`OMV IMG STR V1.${minor}`, (c) => c.charCodeAt(0))];
    for (const [bpp, w, h, n] of [
      [2, 3, 2, 12],
      [1, 5, 1, 5],
      [0, 40, 2, 16],
      [3, 2, 2, 4],
      [23, 8, 8, 23],
    ] as const) {
      for (const v of [17, w, h, bpp]) parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
      parts.push(...randomBytes(n, next), ...new Array((16 - (n % 16)) % 16).fill(0));
    }
    return Uint8Array.from(parts);
  };
  return [v20, v21, v1(1), v1(0)];
}

function mutate(base: Uint8Array): Uint8Array {
  const kind = Math.floor(next() * 4);
  let out = base.slice();
  if (kind === 0 || kind === 3) {
    const flips = 1 + Math.floor(next() * 8);
    for (let i = 0; i < flips; i++) {
      // Aim most mutations at the header region of some chunk, where they hurt.
      const at =
        next() < 0.5 ? Math.floor(next() * Math.min(out.length, 64)) : Math.floor(next() * out.length);
      out[at] = next() < 0.3 ? 0xff : Math.floor(next() * 256);
    }
  }
  if (kind === 1 || kind === 3) out = out.slice(0, Math.floor(next() * out.length));
  if (kind === 2) {
    const at = Math.floor(next() * out.length);
    const junk = randomBytes(1 + Math.floor(next() * 40), next);
    out = Uint8Array.from([...out.subarray(0, at), ...junk, ...out.subarray(at)]);
  }
  return out;
}

const allowed = (e: unknown) => e instanceof OSError || e instanceof ValueError || e instanceof EOFError;

describe('hostile files', () => {
  it('5,000 mutated, truncated and spliced files: errors or damage reports, never a crash or an oversized read', () => {
    const bases = seeds();
    let opened = 0;
    let damaged = 0;
    for (let round = 0; round < 5000; round++) {
      const bytes = mutate(bases[round % bases.length]!);
      const store = new WatchedStore(bytes);
      let io;
      try {
        io = ImageIO.open(store, 'r');
      } catch (e) {
        expect(allowed(e), String(e)).toBe(true);
        continue;
      }
      opened++;
      if (io.damage()) damaged++;
      expect(io.count()).toBeLessThanOrEqual(Math.max(0, (bytes.length - 16) / 16));
      for (let i = 0; i < io.count(); i++) {
        const info = io.frameInfo(i);
        expect(info.offset + info.payload).toBeLessThanOrEqual(bytes.length);
        const img = io.frameAt(i);
        expect(img.data.length).toBe(info.payload);
      }
      expect(io.readSync({ loop: false }) === null || io.count() > 0).toBe(true);
      expect(store.largestRead).toBeLessThanOrEqual(Math.max(bytes.length, 64 * 1024));
      const target: ByteStore = new MemoryStore();
      const fixed = repair(new MemoryStore(bytes), target);
      const again = ImageIO.open(target, 'r');
      expect([again.count(), again.damage()]).toEqual([fixed.frames, null]);
    }
    // The mutations must actually exercise both paths, or this test proves nothing.
    expect(opened).toBeGreaterThan(1000);
    expect(damaged).toBeGreaterThan(500);
  });

  it('hostile memory-stream slots never read past their slot', () => {
    const buffer = new ArrayBuffer(64 * 4);
    const bytes = new Uint8Array(buffer);
    for (let round = 0; round < 2000; round++) {
      bytes.set(randomBytes(bytes.length, next));
      if (round % 2) bytes.set([1, 0, 2, 8], 12); // a valid GRAYSCALE code with random geometry
      const io = ImageIO.memory([4, 4, PIXFORMAT.GRAYSCALE], 4, { buffer });
      for (let i = 0; i < 4; i++) {
        try {
          const img = io.readSync();
          expect(img!.data.length).toBeLessThanOrEqual(io.bufferSize());
        } catch (e) {
          expect(allowed(e), String(e)).toBe(true);
        }
      }
    }
  });
});
