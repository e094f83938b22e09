import { ceil32, readU32, writeU32 } from './bytes';
import { EOFError, MESSAGES, OSError, ValueError } from './errors';
import { Image } from './image';
import { binaryRowBytes, imageSize, isCompressed, isValidPixformat } from './pixformat';
import { StreamBase, type StreamOptions, type WriteOptions } from './stream-base';

/** `(w, h, pixformat)`: the largest frame a memory stream's slots are sized for. */
export interface FrameShape {
  width: number;
  height: number;
  pixformat: number;
}

export interface MemoryStreamOptions extends StreamOptions {
  /**
   * The bytes to use (at least `count * slot`): a SharedArrayBuffer lets another thread read the
   * frames. Default: a new ArrayBuffer.
   */
  buffer?: ArrayBuffer | SharedArrayBuffer;
}

/** Bytes before the payload in a slot: elapsed, a copy of `image_t`, padding to a cache line (B §3.1). */
export const SLOT_HEADER = 32;

/** Slot size for a shape: 32 + ceil32(estimate); JPEG/PNG estimated as BINARY w x 2h (B §3.1). */
export function slotSize(shape: FrameShape): number {
  const { width: w, height: h, pixformat: f } = shape;
  const estimate = isCompressed(f) ? binaryRowBytes(w) * 2 * h : imageSize(w, h, f);
  return SLOT_HEADER + ceil32(estimate);
}

/**
 * `ImageIO((w, h, pixformat), count)`: `count` fixed-size slots in one buffer, with the exact layout of
 * formats.md B §3.2, so a buffer written here reads like the camera's. Deviation (Part A): a frame larger
 * than `bufferSize()` is refused with ValueError instead of spilling into the next slot.
 */
export class MemoryImageIO extends StreamBase {
  private readonly slot: number;
  private readonly slots: number;
  private readonly bytes: Uint8Array;

  constructor(shape: FrameShape, count: number, opts: MemoryStreamOptions = {}) {
    super(opts);
    if (!isValidPixformat(shape.pixformat)) throw new OSError(MESSAGES.invalidPixformat);
    if (!Number.isInteger(count) || count < 0) throw new ValueError(`Invalid stream count ${count}`);
    if (!(Number.isInteger(shape.width) && shape.width > 0)) throw new OSError(MESSAGES.widthPositive);
    if (!(Number.isInteger(shape.height) && shape.height > 0)) throw new OSError(MESSAGES.heightPositive);
    this.slot = slotSize(shape);
    this.slots = count;
    const total = this.slot * count;
    if (opts.buffer) {
      if (opts.buffer.byteLength < total) {
        throw new ValueError(
          `Buffer is too small: ${opts.buffer.byteLength} bytes for ${count} slots of ${this.slot}`,
        );
      }
      this.bytes = new Uint8Array(opts.buffer, 0, total);
    } else {
      try {
        this.bytes = new Uint8Array(total);
      } catch {
        throw new OSError(`Cannot allocate ${total} bytes for ${count} slots of ${this.slot}`);
      }
    }
  }

  /** 1: `ImageIO.MEMORY_STREAM`. */
  type(): 1 {
    return 1;
  }

  /** Always null for a memory stream. */
  version(): null {
    return null;
  }

  /** Largest payload a slot takes: slot - 32. */
  bufferSize(): number {
    return this.slot - SLOT_HEADER;
  }

  /** Number of slots (fixed at construction). */
  count(): number {
    return this.slots;
  }

  /** `count * slot` bytes. */
  size(): number {
    return this.slots * this.slot;
  }

  /** The slot size in bytes. */
  slotSize(): number {
    return this.slot;
  }

  /** Stores a frame in the next slot; EOFError when every slot is used. Returns this. */
  write(img: Image, opts: WriteOptions = {}): this {
    this.assertOpen();
    if (this.position >= this.slots) throw new EOFError(MESSAGES.endOfStream);
    const payload = imageSize(img.width, img.height, img.pixformat, img.size);
    if (payload > this.bufferSize()) throw new ValueError(MESSAGES.invalidFrameSize);
    if (img.data.length < payload) throw new ValueError(MESSAGES.bufferTooSmall);
    const at = this.position * this.slot;
    const b = this.bytes;
    writeU32(b, at, Math.round(this.takeElapsedMs(opts)) % 2 ** 32);
    writeU32(b, at + 4, img.width);
    writeU32(b, at + 8, img.height);
    writeU32(b, at + 12, img.pixformat);
    writeU32(b, at + 16, img.size);
    // _raw and data are camera pointers (B §3.2): meaningless here, stored as 0.
    writeU32(b, at + 20, 0);
    writeU32(b, at + 24, 0);
    b.set(img.data.subarray(0, payload), at + SLOT_HEADER);
    this.position += 1;
    return this;
  }

  /** Does nothing (a memory stream has nothing to flush). Returns this. */
  sync(): this {
    this.assertOpen();
    return this;
  }

  /** Marks the stream closed. The buffer stays with whoever passed it in. */
  close(): void {
    this.closed = true;
  }

  protected nextFrame(): { index: number; intervalMs: number } | null {
    if (this.position >= this.slots) throw new EOFError(MESSAGES.endOfStream);
    const i = this.position++;
    return { index: i, intervalMs: readU32(this.bytes, i * this.slot) };
  }

  protected loadFrame(i: number): Image {
    const at = i * this.slot;
    const b = this.bytes;
    const width = readU32(b, at + 4);
    const height = readU32(b, at + 8);
    const pixformat = readU32(b, at + 12);
    const size = readU32(b, at + 16);
    // A slot never written holds garbage (B §3.3): check it before trusting any length in it.
    if (!isValidPixformat(pixformat)) throw new OSError(MESSAGES.invalidPixformat);
    const payload = imageSize(width, height, pixformat, size);
    if (payload > this.bufferSize()) throw new ValueError(MESSAGES.invalidFrameSize);
    const data = b.slice(at + SLOT_HEADER, at + SLOT_HEADER + payload);
    return new Image(width, height, pixformat, data, size);
  }

  protected seekTo(n: number): void {
    if (n >= this.slots) throw new ValueError(MESSAGES.invalidOffset);
    this.position = n;
  }
}
