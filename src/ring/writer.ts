import { ValueError } from '../format/errors';
import { SLOT_HEADER } from '../format/memory-stream';
import { imageSize } from '../format/pixformat';
import type { FrameRing, RingFrameIn } from './frame-ring';
import { I32, I64, MAX_READERS, READER_MODE, modeWord, posWord } from './layout';

const U32_MAX = 2 ** 32 - 1;

/**
 * The ring's one producer (one RingWriter per ring at a time, on any thread). Frames go in order into
 * slot seq % slots; one slot is always kept free, so a ring of S slots holds S - 1 frames.
 */
export class RingWriter {
  private readonly ring: FrameRing;
  private droppedFrames = 0;

  constructor(ring: FrameRing) {
    this.ring = ring;
  }

  /** Frames write() refused because an 'every' reader still needed the slot. */
  get dropped(): number {
    return this.droppedFrames;
  }

  /**
   * Puts a frame in the next slot. With no 'every' reader attached the ring keeps the newest frames
   * (the oldest is overwritten: the pre-trigger buffer). If an attached 'every' reader has not yet
   * read the frame that would have to go (one slot always kept free), the frame is NOT written:
   * returns false and counts `dropped`. ValueError if the payload does not fit a slot (check fits()).
   */
  write(frame: RingFrameIn): boolean {
    const ring = this.ring;
    const { width, height, pixformat, size, data, timeUs } = frame;
    if (ring.isClosed()) throw new Error('Frame ring is closed');
    const payload = imageSize(width, height, pixformat, size);
    if (!(payload <= ring.payloadCapacity)) {
      throw new ValueError(`Invalid frame size: ${payload} bytes, a ring slot takes ${ring.payloadCapacity}`);
    }
    if (data.length < payload) {
      throw new ValueError(`Buffer is too small: ${data.length} bytes for a ${payload}-byte payload`);
    }
    const { i32, i64, slots } = ring;
    const seq = Number(Atomics.load(i64, I64.WRITE));
    const oldest = Number(Atomics.load(i64, I64.OLDEST));
    // After this write at most slots - 1 frames are held: the slot being filled is never one a
    // reader may be reading in order.
    const newOldest = Math.max(oldest, seq + 2 - slots);
    if (newOldest > oldest) {
      for (let id = 0; id < MAX_READERS; id++) {
        // SC loads before the OLDEST store below: a reader that published its POS before these loads
        // is seen here; one that publishes later re-reads OLDEST after it and moves up (reader.ts).
        if (Atomics.load(i32, modeWord(id)) !== READER_MODE.every) continue;
        if (Number(Atomics.load(i64, posWord(id))) < newOldest) {
          this.droppedFrames++;
          return false;
        }
      }
      Atomics.store(i64, I64.OLDEST, BigInt(newOldest));
    }

    const slot = seq % slots;
    const stamp = ring.stampBase + 4 * slot;
    Atomics.store(i32, stamp, seq | 0);
    // A 'latest' reader may still be copying this slot's old frame. JS has no fences: this SC load
    // after the SC store keeps the plain stores below from becoming visible before the begin stamp
    // (x86: the store is an xchg; arm64: stlr then ldar, which are ordered, and ldar orders later stores).
    Atomics.load(i32, stamp);
    const at = ring.slotOffset(slot);
    const v = ring.view;
    v.setUint32(at, this.elapsedMs(seq, timeUs), true);
    v.setUint32(at + 4, width, true);
    v.setUint32(at + 8, height, true);
    v.setUint32(at + 12, pixformat, true);
    v.setUint32(at + 16, size, true);
    // `_raw` and `data` are camera pointers (B §3.2): meaningless here, stored as 0. 28..31 untouched.
    v.setUint32(at + 20, 0, true);
    v.setUint32(at + 24, 0, true);
    ring.bytes.set(payload === data.length ? data : data.subarray(0, payload), at + SLOT_HEADER);
    ring.times[2 * slot + 1] = timeUs;
    Atomics.store(i32, stamp + 1, seq | 0);
    Atomics.store(i64, I64.WRITE, BigInt(seq + 1));
    ring.signal();
    return true;
  }

  /** Marks the ring closed and wakes waiting readers. */
  close(): void {
    Atomics.store(this.ring.i32, I32.CLOSED, 1);
    this.ring.signal();
  }

  /**
   * elapsed_ms of frame `seq` (slot offset 0): rounded ms since frame seq - 1, whose time is still in
   * its slot's metadata (only the free slot is ever rewritten); 0 for the first frame, clamped to u32.
   */
  private elapsedMs(seq: number, timeUs: number): number {
    if (seq === 0) return 0;
    const ms = Math.round((timeUs - this.ring.timeOf(seq - 1)) / 1000);
    return ms > 0 ? Math.min(ms, U32_MAX) : 0;
  }
}
