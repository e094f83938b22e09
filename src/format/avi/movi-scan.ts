import type { ByteStore } from '../byte-store';
import { hex, readU32 } from '../bytes';
import { FCC, fourccText, isPrintableFourcc } from './riff';
import type { AviFrame } from './reader';

/** A movi list: `movi` is the offset of its 'movi' code (idx1's base), chunks run from `start` to `end`. */
export interface MoviRange {
  movi: number;
  start: number;
  end: number;
  /** False when `end` is the end of the file because the list's size field was 0 or too large. */
  declared: boolean;
}

/**
 * Walks a movi list chunk by chunk, appending every complete frame. Bytes that are not a chunk (or a
 * chunk whose size runs past the list) are skipped to the next frame chunk found by `resync`, and the
 * damage is noted. Returns true when the list ended in damage (a cut last chunk, for one).
 * `last`: a movi list whose stated end is followed by more frame chunks keeps going (the camera's
 * sizes were last patched by sync() before more frames were written).
 */
export function scanMovi(
  store: ByteStore,
  range: MoviRange,
  ids: [number, number],
  frames: AviFrame[],
  problems: string[],
  last: boolean,
): boolean {
  const fileSize = store.size();
  const h = new Uint8Array(12);
  let { end, declared } = range;
  let at = range.start;
  for (;;) {
    if (at + 8 > end) {
      if (declared && last && at === end && at + 8 <= fileSize) {
        store.readInto(at, h.subarray(0, 8));
        const id = readU32(h, 0);
        if (id === ids[0] || id === ids[1]) {
          problems.push(`frames continue past the movi list's stated end at byte ${at} (stale sizes)`);
          end = fileSize;
          declared = false;
          continue;
        }
      }
      if (at < end) {
        problems.push(`the file ends inside a chunk header at byte ${at}`);
        return true;
      }
      return false;
    }
    const got = store.readInto(at, h.subarray(0, Math.min(12, end - at)));
    const id = readU32(h, 0);
    const size = readU32(h, 4);
    const room = end - at - 8;
    let bad: string | null = null;
    if (id === ids[0] || id === ids[1]) {
      if (size > room)
        bad = `frame ${frames.length}: its chunk at byte ${at} declares ${size} bytes but ${room} ${declared ? 'fit in its movi list' : 'remain in the file'}`;
      else if (size > 0) frames.push({ offset: at + 8, size });
    } else if (id === FCC.LIST && got === 12 && size >= 4 && readU32(h, 8) === FCC.rec) {
      at += 12; // 'rec ' groups chunks; its contents are walked like the rest
      continue;
    } else if (!isPrintableFourcc(id)) {
      bad = `bytes ${hex(h.subarray(0, 8))} at byte ${at} are not a chunk header`;
    } else if (size > room) {
      bad = `'${fourccText(id)}' chunk at byte ${at} declares ${size} bytes but ${room} remain`;
    }
    if (bad === null) {
      at += 8 + size + (size & 1);
      continue;
    }
    const found = resync(store, at + 1, end, ids);
    if (found < 0) {
      problems.push(bad);
      return true;
    }
    problems.push(`${bad}; skipped to the next frame chunk at byte ${found}`);
    at = found;
  }
}

const RESYNC_BLOCK = 1 << 16;

/**
 * The offset of the next chunk at or after `from` that looks like a whole frame: the stream's 'NNdc' or
 * 'NNdb', a size that fits before `end`, data starting with a JPEG SOI. -1 if there is none. Reads the
 * rest of the list once, in blocks.
 */
function resync(store: ByteStore, from: number, end: number, ids: [number, number]): number {
  const [c0, c1, c2] = [ids[0] & 0xff, (ids[0] >>> 8) & 0xff, (ids[0] >>> 16) & 0xff];
  const [dc, db] = [ids[0] >>> 24, ids[1] >>> 24];
  const buf = new Uint8Array(RESYNC_BLOCK + 10);
  for (let start = from; start + 10 <= end; start += RESYNC_BLOCK) {
    const n = store.readInto(start, buf.subarray(0, Math.min(buf.length, end - start)));
    for (let j = 0; j + 10 <= n; j++) {
      if (buf[j] !== c0 || buf[j + 1] !== c1 || buf[j + 2] !== c2) continue;
      if (buf[j + 3] !== dc && buf[j + 3] !== db) continue;
      if (buf[j + 8] !== 0xff || buf[j + 9] !== 0xd8) continue;
      if (readU32(buf, j + 4) <= end - (start + j) - 8) return start + j;
    }
  }
  return -1;
}
