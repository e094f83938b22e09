import type { ByteStore } from '../byte-store';
import { readU32 } from '../bytes';
import { AVI_INDEX, fourccText, readBytes, readU16, readU64 } from './riff';
import type { AviFrame } from './reader';

/** A reason an index cannot be used; the reader then walks the chunks instead. */
export class IndexProblem extends Error {}

/** Index rows read per slab: an index is never read whole, however large its size field. */
const ROW_SLAB = 1 << 16;

/** Calls `fn` on each of `count` rows of `rowBytes` bytes at `offset`, one slab of rows at a time. */
function forEachRow(
  store: ByteStore,
  offset: number,
  count: number,
  rowBytes: number,
  fn: (rows: Uint8Array, at: number, index: number) => void,
): void {
  for (let s = 0; s < count; s += ROW_SLAB) {
    const k = Math.min(ROW_SLAB, count - s);
    const rows = readBytes(store, offset + s * rowBytes, k * rowBytes, 'index entries');
    for (let j = 0; j < k; j++) fn(rows, j * rowBytes, s + j);
  }
}

/**
 * Appends an indexed frame after checking it lies in the file, after the previous frame's chunk: an
 * index that goes backwards or overlaps is not trusted (and so never lists more frames than fit).
 */
function pushIndexed(
  frames: AviFrame[],
  offset: number,
  size: number,
  fileSize: number,
  where: string,
): void {
  if (!(offset >= 8 && offset + size <= fileSize)) throw new IndexProblem(`${where}: frame outside the file`);
  const prev = frames[frames.length - 1];
  if (prev && offset - 8 < prev.offset + prev.size)
    throw new IndexProblem(`${where}: frame at byte ${offset} overlaps or precedes the one before`);
  frames.push({ offset, size });
}

/** Frames from an OpenDML super index: each entry points at an 'ix##' standard index chunk. */
export function fromSuperIndex(store: ByteStore, indx: Uint8Array, ids: [number, number]): AviFrame[] {
  const fileSize = store.size();
  if (readU16(indx, 0) !== 4 || indx[3] !== AVI_INDEX.OF_INDEXES) throw new IndexProblem('not a super index');
  const entries = readU32(indx, 4);
  if (24 + 16 * entries > indx.length) throw new IndexProblem(`${entries} entries do not fit in its chunk`);
  const frames: AviFrame[] = [];
  for (let k = 0; k < entries; k++) {
    const at = readU64(indx, 24 + 16 * k);
    if (!(at + 32 <= fileSize))
      throw new IndexProblem(`entry ${k} points past the end of the file (byte ${at})`);
    const h = readBytes(store, at, 32, 'a standard index');
    const size = readU32(h, 4);
    const n = readU32(h, 12);
    if (readU16(h, 8) !== 2 || h[11] !== AVI_INDEX.OF_CHUNKS)
      throw new IndexProblem(`'${fourccText(readU32(h, 0))}' at byte ${at} is not a standard index`);
    if (24 + 8 * n > size || at + 8 + size > fileSize)
      throw new IndexProblem(`standard index at byte ${at}: ${n} entries do not fit`);
    const base = readU64(h, 20);
    forEachRow(store, at + 32, n, 8, (rows, r, j) => {
      const len = readU32(rows, r + 4) & 0x7fffffff; // bit 31: not a key frame
      if (len > 0)
        pushIndexed(
          frames,
          base + readU32(rows, r),
          len,
          fileSize,
          `standard index at byte ${at}, entry ${j}`,
        );
    });
  }
  verifyEnds(store, frames, ids);
  return frames;
}

/** Frames from idx1. Offsets count from the 'movi' code (the rule) or, in some writers, from the file start. */
export function fromIdx1(
  store: ByteStore,
  idx1: { offset: number; size: number },
  movi: number,
  ids: [number, number],
): AviFrame[] {
  const fileSize = store.size();
  const frames: AviFrame[] = [];
  let base: number | undefined;
  forEachRow(store, idx1.offset, Math.floor(idx1.size / 16), 16, (rows, r, k) => {
    const id = readU32(rows, r);
    const offset = readU32(rows, r + 8);
    const size = readU32(rows, r + 12);
    if ((id !== ids[0] && id !== ids[1]) || size === 0) return;
    base ??= [movi, 0].find((b) => {
      if (b + offset + 8 > fileSize) return false;
      const h = readBytes(store, b + offset, 8, 'a chunk header');
      return readU32(h, 0) === id && readU32(h, 4) === size;
    });
    if (base === undefined) throw new IndexProblem('its offsets do not point at its chunks');
    pushIndexed(frames, base + offset + 8, size, fileSize, `idx1 entry ${k}`);
  });
  verifyEnds(store, frames, ids);
  return frames;
}

/** Checks that the first and last indexed frames sit in frame chunks of their size: a cheap guard. */
function verifyEnds(store: ByteStore, frames: AviFrame[], ids: [number, number]): void {
  for (const f of [frames[0], frames[frames.length - 1]]) {
    if (!f) continue;
    const h = readBytes(store, f.offset - 8, 8, 'a chunk header');
    const id = readU32(h, 0);
    if ((id !== ids[0] && id !== ids[1]) || readU32(h, 4) !== f.size)
      throw new IndexProblem(`the frame at byte ${f.offset} is not in a frame chunk`);
  }
}
