import { SLOT_HEADER } from '../format/memory-stream';
import { imageSize } from '../format/pixformat';
import {
  HEADER_BYTES,
  I32,
  I64,
  LAYOUT_VERSION,
  MAGIC,
  META_BYTES,
  READER_MODE,
  checkReaderId,
  modeWord,
  ringLayout,
} from './layout';
import type { RingPlan } from './plan';

export { MAX_READERS } from './layout';
export { planRing, ringByteLength, ringSlotSize, MIN_SLOTS, type RingPlan } from './plan';
export { RingWriter } from './writer';
export { RingReader } from './reader';

/** A frame going into the ring. */
export interface RingFrameIn {
  width: number;
  height: number;
  pixformat: number;
  /** image_t size field: byte length for JPEG/PNG; for raw formats whatever the camera said (payload = imageSize(w,h,fmt,size)). */
  size: number;
  /** At least the payload's bytes. */
  data: Uint8Array;
  /** When the frame arrived, µs on one monotonic clock (the app uses performance.timeOrigin + performance.now()). */
  timeUs: number;
}

/** A frame read from the ring (its payload copied out). */
export interface RingFrame extends RingFrameIn {
  seq: number;
  /** ms since the previous frame written to the ring (rounded; slot offset 0, as the memory stream stores it); 0 for the ring's first frame. */
  elapsedMs: number;
}

/** Like {@link RingFrame}, but `data` is a view INTO the ring (no copy), valid until the reader's advance(). */
export interface RingFrameView extends Omit<RingFrame, 'data'> {
  /** The payload inside the ring's buffer: read it (or copy it) before advance(). */
  data: Uint8Array;
}

const isShared = (b: ArrayBufferLike): b is SharedArrayBuffer =>
  typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer;

/**
 * A frame ring in one buffer (layout.ts): one writer, up to {@link MAX_READERS} readers, each on any
 * thread the buffer is posted to. This object only views the buffer; RingWriter and RingReader act on it.
 */
export class FrameRing {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly slots: number;
  readonly slotSize: number;
  /** slotSize - 32 */
  readonly payloadCapacity: number;
  /** True when the buffer is a SharedArrayBuffer (other threads can attach, wait() can sleep). */
  readonly shared: boolean;

  /** @internal Control header and stamps as Int32 words. */
  readonly i32: Int32Array;
  /** @internal Control header as BigInt64 words (sequence counters). */
  readonly i64: BigInt64Array;
  /** @internal timeUs of slot k at index 2k+1 of this view of the metadata table. */
  readonly times: Float64Array;
  /** @internal i32 index of slot 0's begin stamp (slot k: +4k; end stamp +4k+1). */
  readonly stampBase: number;
  /** @internal Byte offset of slot 0. */
  readonly slotArea: number;
  /** @internal The whole buffer as bytes, and as a little-endian DataView for the slot headers. */
  readonly bytes: Uint8Array;
  readonly view: DataView;

  private constructor(buffer: SharedArrayBuffer | ArrayBuffer) {
    this.buffer = buffer;
    this.shared = isShared(buffer);
    const head = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.slots = head[I32.SLOTS] ?? 0;
    this.slotSize = head[I32.SLOT_SIZE] ?? 0;
    this.payloadCapacity = this.slotSize - SLOT_HEADER;
    const meta = head[I32.META_OFFSET] ?? 0;
    this.slotArea = head[I32.SLOT_AREA] ?? 0;
    this.i32 = new Int32Array(buffer, 0, (meta + META_BYTES * this.slots) / 4);
    this.i64 = new BigInt64Array(buffer, 0, HEADER_BYTES / 8);
    this.times = new Float64Array(buffer, meta, 2 * this.slots);
    this.stampBase = meta / 4;
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  /**
   * A new, empty ring. `shared` defaults to `typeof SharedArrayBuffer === 'function'`; a non-shared
   * ring (ArrayBuffer) works the same in one thread (the app's fallback without cross-origin
   * isolation). `buffer` (an addition): use these bytes, at least ringByteLength(plan) long; its first
   * ringByteLength(plan) bytes are overwritten, the rest left alone.
   */
  static create(
    plan: RingPlan,
    opts: { shared?: boolean; buffer?: SharedArrayBuffer | ArrayBuffer } = {},
  ): FrameRing {
    const { slots, slotSize } = plan;
    if (!(Number.isInteger(slots) && slots >= 2 && slots < 2 ** 24)) {
      throw new RangeError(`Invalid ring plan: ${slots} slots (2 or more)`);
    }
    if (!(Number.isInteger(slotSize) && slotSize >= 32 && slotSize % 32 === 0 && slotSize < 2 ** 31)) {
      throw new RangeError(`Invalid ring plan: slot size ${slotSize} (a multiple of 32, at least 32)`);
    }
    const layout = ringLayout(slots, slotSize);
    let buffer = opts.buffer;
    if (buffer) {
      if (buffer.byteLength < layout.byteLength) {
        throw new RangeError(
          `Ring buffer is ${buffer.byteLength} bytes; ${slots} slots of ${slotSize} need ${layout.byteLength}`,
        );
      }
      new Uint8Array(buffer, 0, layout.slotArea).fill(0);
    } else {
      const shared = opts.shared ?? typeof SharedArrayBuffer === 'function';
      buffer = shared ? new SharedArrayBuffer(layout.byteLength) : new ArrayBuffer(layout.byteLength);
    }
    const head = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    head[I32.VERSION] = LAYOUT_VERSION;
    head[I32.SLOTS] = slots;
    head[I32.SLOT_SIZE] = slotSize;
    head[I32.META_OFFSET] = layout.metaOffset;
    head[I32.SLOT_AREA] = layout.slotArea;
    // The magic last: a thread that attaches sees either no ring or a complete header.
    Atomics.store(head, I32.MAGIC, MAGIC);
    return new FrameRing(buffer);
  }

  /** Wraps a ring buffer created elsewhere (another thread); checks magic, layout version and sizes. */
  static attach(buffer: SharedArrayBuffer | ArrayBuffer): FrameRing {
    const what = 'Not a frame ring buffer';
    if (buffer.byteLength < HEADER_BYTES) {
      throw new Error(`${what}: ${buffer.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`);
    }
    const head = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    const word = (i: number): number => Atomics.load(head, i);
    const magic = word(I32.MAGIC) >>> 0;
    if (magic !== MAGIC) {
      throw new Error(
        `${what}: magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${MAGIC.toString(16)} ("OMVR")`,
      );
    }
    const version = word(I32.VERSION);
    if (version !== LAYOUT_VERSION) {
      throw new Error(
        `Frame ring layout version ${version} is not supported (this code reads ${LAYOUT_VERSION})`,
      );
    }
    const slots = word(I32.SLOTS);
    const slotSize = word(I32.SLOT_SIZE);
    if (!(slots >= 2 && slotSize >= 32 && slotSize % 32 === 0)) {
      throw new Error(`Frame ring header is damaged: ${slots} slots of ${slotSize} bytes`);
    }
    const layout = ringLayout(slots, slotSize);
    const meta = word(I32.META_OFFSET);
    const area = word(I32.SLOT_AREA);
    if (meta !== layout.metaOffset || area !== layout.slotArea) {
      throw new Error(
        `Frame ring header is damaged: metadata at ${meta}, slots at ${area}; expected ${layout.metaOffset} and ${layout.slotArea}`,
      );
    }
    if (buffer.byteLength < layout.byteLength) {
      throw new Error(
        `Frame ring buffer is ${buffer.byteLength} bytes; its header says ${slots} slots of ${slotSize} bytes, which need ${layout.byteLength}`,
      );
    }
    return new FrameRing(buffer);
  }

  /** Byte offset of slot `k` in the buffer (the memory-stream slot area starts at slotOffset(0)). */
  slotOffset(k: number): number {
    return this.slotArea + k * this.slotSize;
  }

  /** True if the frame's payload (imageSize(w, h, fmt, size)) fits one slot. */
  fits(frame: Pick<RingFrameIn, 'width' | 'height' | 'pixformat' | 'size'>): boolean {
    return imageSize(frame.width, frame.height, frame.pixformat, frame.size) <= this.payloadCapacity;
  }

  /** seq of the next frame to be written (= frames written so far). */
  nextSeq(): number {
    return Number(Atomics.load(this.i64, I64.WRITE));
  }

  /** Oldest seq still held (== nextSeq() when empty). */
  oldestSeq(): number {
    return Number(Atomics.load(this.i64, I64.OLDEST));
  }

  /** Frames held now and the time they span (newest.timeUs - oldest.timeUs), for the UI's "ring holds N s". */
  held(): { frames: number; spanUs: number } {
    for (;;) {
      const oldest = this.oldestSeq();
      const next = this.nextSeq();
      if (next === oldest) return { frames: 0, spanUs: 0 };
      const spanUs = this.timeOf(next - 1) - this.timeOf(oldest);
      // The oldest slot is only rewritten two writes after OLDEST passes it: unchanged means intact.
      if (this.oldestSeq() === oldest) return { frames: next - oldest, spanUs };
    }
  }

  /** The writer closed the ring (no more frames). */
  isClosed(): boolean {
    return Atomics.load(this.i32, I32.CLOSED) === 1;
  }

  /** Mode of reader `id` as published in the header (diagnostics; 'claimed' while it attaches). */
  readerMode(id: number): 'detached' | 'every' | 'latest' | 'claimed' {
    const mode = Atomics.load(this.i32, modeWord(checkReaderId(id)));
    const names = ['detached', 'every', 'latest', 'claimed'] as const;
    return names[mode] ?? 'detached';
  }

  /**
   * Frees reader `id` from outside, e.g. after the worker that owned it died without detach(): an
   * 'every' reader left attached would hold the writer back for good.
   */
  releaseReader(id: number): void {
    Atomics.store(this.i32, modeWord(checkReaderId(id)), READER_MODE.detached);
  }

  /** @internal timeUs stored for `seq` (meaningful only while its slot holds it). */
  timeOf(seq: number): number {
    return this.times[2 * (seq % this.slots) + 1] ?? 0;
  }

  /**
   * @internal Bumps SIGNAL and wakes every reader sleeping in wait(). Atomics.notify costs more than
   * the rest of a small write, so it is skipped when WAITERS is 0: a reader counts itself in WAITERS
   * before it reads SIGNAL, so a writer that reads 0 here bumped SIGNAL before that read (SC order),
   * and the reader's wait sees the new value and does not sleep.
   */
  signal(): void {
    Atomics.add(this.i32, I32.SIGNAL, 1);
    if (this.shared && Atomics.load(this.i32, I32.WAITERS) > 0) Atomics.notify(this.i32, I32.SIGNAL);
  }
}
