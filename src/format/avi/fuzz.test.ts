import { describe, expect, it } from 'vitest';
import { readU32, writeU32 } from '../bytes';
import { MemoryStore } from '../byte-store';
import { OSError, ValueError } from '../errors';
import { randomBytes, rng } from '../test/helpers';
import { AVI_LAYOUT, MjpegAviWriter, readFrame, readMjpegAvi } from './index';
import { cameraMjpeg, standInJpeg } from './test/fixtures';

/** A store that remembers its largest read: no read may be sized by an unchecked field. */
class WatchedStore extends MemoryStore {
  largestRead = 0;
  reads = 0;
  override readInto(offset: number, into: Uint8Array): number {
    this.largestRead = Math.max(this.largestRead, into.length);
    this.reads += 1;
    return super.readInto(offset, into);
  }
}

function ours(frames: number, riffLimitBytes?: number): Uint8Array {
  const store = new MemoryStore();
  const w = new MjpegAviWriter(store, { width: 16, height: 8, riffLimitBytes });
  for (let i = 0; i < frames; i++) w.addFrame(standInJpeg(16, 8, (i * 53) % 200, i), 20 + i);
  w.close();
  return store.bytes().slice();
}

const camera = (patchedFrames?: number): Uint8Array =>
  cameraMjpeg({
    width: 16,
    height: 8,
    frames: Array.from({ length: 9 }, (_, i) => standInJpeg(16, 8, 40 + i * 9, i)),
    usAvg: 33000,
    patchedFrames,
  });

const SEEDS: [string, Uint8Array][] = [
  ['ours, one RIFF', ours(12)],
  ['ours, OpenDML segments', ours(24, 600)],
  ['camera, closed', camera()],
  ['camera, never closed', camera(0)],
  ['camera, synced then more frames', camera(4)],
];

/** Values a hostile size field takes: zero, tiny, odd, sign-bit, all-ones, around the file length. */
const hostile = (n: number, next: () => number): number =>
  [0, 1, 3, 4, 7, 0x7fffffff, 0x80000000, 0xffffffff, n, n - 7, n + 1, Math.floor(next() * 2 ** 32)][
    Math.floor(next() * 12)
  ] as number;

function mutate(seed: Uint8Array, next: () => number): Uint8Array {
  const b = seed.slice();
  const kind = Math.floor(next() * 5);
  if (kind === 0) {
    for (let k = 0; k < 1 + next() * 8; k++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
  } else if (kind === 1) {
    // A size-like field: anywhere in the headers and indexes, or right after a random chunk id.
    const at = 4 * Math.floor((next() * Math.min(b.length, 600)) / 4);
    writeU32(b, Math.min(at, b.length - 4), hostile(b.length, next));
  } else if (kind === 2) {
    const at = 4 * Math.floor((next() * (b.length - 4)) / 4);
    writeU32(b, at, hostile(b.length, next));
  } else if (kind === 3) {
    return b.subarray(0, Math.floor(next() * b.length));
  } else {
    const at = 12 + Math.floor(next() * (b.length - 12));
    b.set(randomBytes(Math.min(64, b.length - at), next), at);
  }
  return b;
}

/** Reads a file the way a player would; anything but ValueError/OSError (or a read past its end) fails. */
function survive(bytes: Uint8Array, label: string): void {
  const store = new WatchedStore(bytes);
  try {
    const avi = readMjpegAvi(store);
    expect(avi.frameCount, label).toBe(avi.frames.length);
    for (const f of avi.frames) {
      expect(f.offset + f.size, label).toBeLessThanOrEqual(bytes.length);
      readFrame(store, f);
    }
  } catch (e) {
    if (!(e instanceof ValueError || e instanceof OSError))
      throw new Error(`${label}: ${String(e)}`, { cause: e });
    expect((e as Error).message.length, label).toBeGreaterThan(0);
  }
  expect(store.largestRead, label).toBeLessThanOrEqual(Math.max(bytes.length, 12));
  expect(store.reads, label).toBeLessThanOrEqual(bytes.length + 16); // every loop advances
}

describe('hostile AVI input', () => {
  it('every mutation of every seed reads, or fails with ValueError/OSError, within the file', () => {
    const next = rng(0xa71);
    for (const [name, seed] of SEEDS) {
      survive(seed, name);
      for (let i = 0; i < 1500; i++) survive(mutate(seed, next), `${name}, mutation ${i}`);
    }
  }, 60_000); // 7,500 files: a few seconds on a loaded machine

  it('random bytes behind a valid RIFF AVI header', () => {
    const next = rng(99);
    for (let i = 0; i < 500; i++) {
      const b = randomBytes(12 + Math.floor(next() * 400), next);
      b.set([0x52, 0x49, 0x46, 0x46], 0);
      b.set([0x41, 0x56, 0x49, 0x20], 8);
      survive(b, `random ${i}`);
    }
  });

  it('index entry counts in the billions do not allocate or loop by them', () => {
    for (const at of [AVI_LAYOUT.indx + 12, AVI_LAYOUT.indx + 4]) {
      const b = ours(5);
      writeU32(b, at, 0x7fffffff);
      survive(b, `indx field ${at}`);
    }
    const b = ours(5);
    const ix = b.length - 8 - 16 * 5 - (32 + 8 * 5); // ix00, just before idx1
    writeU32(b, ix + 12, 0xffffffff); // nEntriesInUse
    const avi = readMjpegAvi(new MemoryStore(b));
    expect(avi).toMatchObject({ frameCount: 5, index: 'idx1', recovered: true });
    expect(avi.damage).toMatch(/OpenDML index unusable/);
    writeU32(b, b.length - 16 * 5 - 4, 0xfffffff0); // idx1 size
    const scanned = readMjpegAvi(new MemoryStore(b));
    expect(scanned).toMatchObject({ frameCount: 5, index: 'scan' });
  });

  it('a thousand empty chunks and nested rec lists end', () => {
    const b = new Uint8Array(224 + 8 * 1000 + 12 * 50);
    b.set(camera().subarray(0, 224));
    for (let k = 0; k < 50; k++)
      b.set([0x4c, 0x49, 0x53, 0x54, 4, 0, 0, 0, 0x72, 0x65, 0x63, 0x20], 224 + 12 * k);
    for (let k = 0; k < 1000; k++) b.set([0x4a, 0x55, 0x4e, 0x4b, 0, 0, 0, 0], 224 + 600 + 8 * k);
    survive(b, 'empty chunks');
  });

  it('an index whose entries go backwards is not trusted; a huge header list is refused', () => {
    const b = ours(5);
    const rows = b.length - 8 - 16 * 5 - 8 * 5; // ix00 entries, just before idx1
    const [first, second] = [readU32(b, rows + 8), readU32(b, rows + 16)];
    writeU32(b, rows + 8, second);
    writeU32(b, rows + 16, first);
    const avi = readMjpegAvi(new MemoryStore(b));
    expect(avi).toMatchObject({ frameCount: 5, index: 'idx1' });
    expect(avi.damage).toMatch(/entry 2: frame at byte \d+ overlaps or precedes the one before/);

    const big = new Uint8Array(2 << 20);
    big.set(ours(1));
    writeU32(big, 4, big.length - 8);
    writeU32(big, 16, (1 << 20) + 4);
    expect(() => readMjpegAvi(new MemoryStore(big))).toThrow(/LIST hdrl at byte 12: size \d+ is too large/);
  });
});
