import type { ByteStore } from './byte-store';
import { ceil16 } from './bytes';
import { MAGIC_LENGTH, headerLength } from './chunk';
import { MESSAGES, OSError } from './errors';
import { FileImageIO } from './file-stream';
import type { Damage } from './frame-index';

/** What `repair()` kept. */
export interface RepairResult {
  frames: number;
  bytes: number;
  /** Bytes of the source that were left out (the damaged tail). */
  droppedBytes: number;
  /** Length of the source file. */
  sourceBytes: number;
  /** Where the source stopped being readable, or null if it was clean. */
  damage: Damage | null;
}

const BLOCK = 1 << 20;

/**
 * Writes a clean copy of every complete frame of `source` to `target`: the same magic and the same
 * chunks byte for byte (so the version and the timing are kept), the damaged tail left out, and the
 * last chunk's zero padding restored if the cut fell inside it. `target` is truncated first.
 */
export function repair(
  source: ByteStore,
  target: ByteStore,
  onProgress?: (done: number, total: number) => void,
): RepairResult {
  const stream = new FileImageIO(source, 'r');
  const keep = stream.dataEnd();
  target.truncate(0);
  const block = new Uint8Array(Math.min(BLOCK, Math.max(keep, MAGIC_LENGTH)));
  for (let at = 0; at < keep; at += block.length) {
    const want = Math.min(block.length, keep - at);
    const got = source.readInto(at, block.subarray(0, want));
    // The source shrank under us: a copy that silently ends early would claim frames it lacks.
    if (got < want) throw new OSError(`${MESSAGES.shortRead} (source ended at byte ${at + got} of ${keep})`);
    target.write(at, block.subarray(0, got));
    onProgress?.(at + got, keep);
  }
  let end = keep;
  const count = stream.count();
  if (count > 0) {
    const last = stream.frameInfo(count - 1);
    const chunkEnd = last.offset + headerLength(stream.version()) + ceil16(last.payload);
    if (chunkEnd > end) {
      target.truncate(chunkEnd);
      end = chunkEnd;
    }
  }
  target.flush();
  const sourceBytes = source.size();
  return {
    frames: count,
    bytes: end,
    droppedBytes: sourceBytes - keep,
    sourceBytes,
    damage: stream.damage(),
  };
}
