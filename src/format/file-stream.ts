import { writeParts, type ByteStore } from './byte-store';
import { ceil16 } from './bytes';
import {
  MAGIC_LENGTH,
  elapsedToMs,
  msToElapsed,
  headerLength,
  magicBytes,
  parseMagic,
  writeChunkHeaderV2,
  type Version,
} from './chunk';
import { EOFError, MESSAGES, OSError, ValueError } from './errors';
import { scanFrames, type Damage, type FrameEntry, FrameIndex } from './frame-index';
import { Image } from './image';
import { PIXFORMAT, imageSize, isCompressed } from './pixformat';
import { StreamBase, type StreamOptions, type WriteOptions } from './stream-base';

export interface FileStreamOptions extends StreamOptions {
  /** Version written by mode 'w': 20 (default, ms timing) or 21 (µs timing, formats.md Part A). */
  version?: 20 | 21;
}

/** A frame's index row plus what a person reads: its time in ms. */
export interface FrameInfo extends FrameEntry {
  /** The elapsed field in milliseconds (µs / 1000 for V2.1). */
  elapsedMs: number;
}

/** Padding after a payload (at most 15 bytes; never written to). */
const ZERO_PAD = new Uint8Array(16);

/**
 * `ImageIO(path, mode)` over a byte store (formats.md B §2, with the Part A decisions): frames are
 * indexed at open, so `count()` is the true frame count and `seek()` is O(1); a damaged tail leaves
 * every complete frame readable and is reported by `damage()`.
 */
export class FileImageIO extends StreamBase {
  private readonly store: ByteStore;
  private readonly mode: 'r' | 'w';
  private readonly ver: Version;
  private readonly index: FrameIndex;
  private readonly hurt: Damage | null;
  /** Byte offset just past the last frame. */
  private end: number;
  private lastSize = 0;
  /** The chunk header of the frame being written (stores copy what they are given). */
  private head: Uint8Array | null = null;

  constructor(store: ByteStore, mode: string, opts: FileStreamOptions = {}) {
    super(opts);
    const m = mode[0];
    if (m !== 'r' && m !== 'w') throw new ValueError(MESSAGES.badMode);
    this.store = store;
    this.mode = m;
    if (m === 'w') {
      const version = opts.version ?? 20;
      if (version !== 20 && version !== 21) throw new ValueError(MESSAGES.badVersion);
      this.ver = version;
      store.truncate(0);
      store.write(0, magicBytes(version));
      this.index = new FrameIndex();
      this.hurt = null;
      this.end = MAGIC_LENGTH;
    } else {
      const head = new Uint8Array(MAGIC_LENGTH);
      this.ver = parseMagic(head.subarray(0, store.readInto(0, head)));
      const scan = scanFrames(store, this.ver);
      this.index = scan.index;
      this.hurt = scan.damage;
      this.end = scan.end;
    }
    this.lastSize = store.size();
  }

  /** 0: `ImageIO.FILE_STREAM`. */
  type(): 0 {
    return 0;
  }

  /** 10, 11, 20 or 21. */
  version(): Version {
    return this.ver;
  }

  /** Always null for a file stream. */
  bufferSize(): null {
    return null;
  }

  /** Complete frames in the stream. */
  count(): number {
    return this.index.count;
  }

  /** File length in bytes, magic included (the last known length once closed). */
  size(): number {
    if (!this.closed) this.lastSize = this.store.size();
    return this.lastSize;
  }

  /** Where the file stops being readable, or null for a clean file (and for every stream opened 'w'). */
  damage(): Damage | null {
    return this.hurt;
  }

  /** Byte offset just past the last complete frame: what a repair keeps. */
  dataEnd(): number {
    return this.end;
  }

  /** Frame `i`'s index row, without reading its payload. */
  frameInfo(i: number): FrameInfo {
    this.assertIndex(i);
    const e = this.index.entry(i);
    return { ...e, elapsedMs: elapsedToMs(e.elapsed, this.ver) };
  }

  /** The sum of every frame's elapsed value in ms: the time from opening the stream to its last frame. */
  durationMs(): number {
    let total = 0;
    for (let i = 0; i < this.index.count; i++) total += this.index.elapsedAt(i);
    return elapsedToMs(total, this.ver);
  }

  /** Reads frame `i` without moving the offset or the pause clock (random access for players). */
  frameAt(i: number): Image {
    this.assertOpen();
    this.assertIndex(i);
    return this.loadFrame(i);
  }

  /**
   * Appends (or, after a seek, overwrites and truncates: B §2.9) one frame. Returns this.
   * Throws OSError "Write failed" on a stream opened for reading.
   */
  write(img: Image, opts: WriteOptions = {}): this {
    this.assertOpen();
    if (this.mode !== 'w') throw new OSError(MESSAGES.notWritable);
    const payload = imageSize(img.width, img.height, img.pixformat, img.size);
    if (img.data.length < payload) throw new ValueError(MESSAGES.bufferTooSmall);
    const elapsed = msToElapsed(this.takeElapsedMs(opts), this.ver);
    const header = {
      elapsed,
      width: img.width,
      height: img.height,
      pixformat: img.pixformat,
      sizeField: img.size,
      payload,
    };
    // The chunk goes to the store as header, payload (a view of the caller's bytes) and padding in one
    // write: no per-frame buffer to allocate and fill, which dominated the recorder's writing cost.
    const head = (this.head ??= new Uint8Array(32));
    writeChunkHeaderV2(head, 0, header);
    const padded = ceil16(payload);
    const at = this.position < this.index.count ? this.index.offset(this.position) : this.end;
    writeParts(this.store, at, [head, img.data.subarray(0, payload), ZERO_PAD.subarray(0, padded - payload)]);
    this.end = at + 32 + padded;
    if (this.store.size() > this.end) this.store.truncate(this.end);
    this.index.truncate(this.position);
    this.index.push(at, header);
    this.position += 1;
    return this;
  }

  /** Makes written frames durable. Returns this. */
  sync(): this {
    this.assertOpen();
    this.store.flush();
    return this;
  }

  /** Flushes and releases the store. A second call does nothing. */
  close(): void {
    if (this.closed) return;
    this.lastSize = this.store.size();
    if (this.mode === 'w') this.store.flush();
    this.store.close();
    this.closed = true;
  }

  protected nextFrame(loop: boolean): { index: number; intervalMs: number } | null {
    if (this.position >= this.index.count) {
      if (!loop || this.index.count === 0) return null;
      this.position = 0;
    }
    const i = this.position++;
    return { index: i, intervalMs: elapsedToMs(this.index.elapsedAt(i), this.ver) };
  }

  protected loadFrame(i: number): Image {
    const e = this.index.entry(i);
    const data = new Uint8Array(e.payload);
    const got = this.store.readInto(e.offset + headerLength(this.ver), data);
    if (got < e.payload) throw new OSError(MESSAGES.shortRead);
    if (this.ver === 10 && e.pixformat === PIXFORMAT.RGB565) swapBytePairs(data);
    const size = isCompressed(e.pixformat) ? e.payload : e.sizeField;
    return new Image(e.width, e.height, e.pixformat, data, size);
  }

  protected seekTo(n: number): void {
    if (n > this.index.count) throw new EOFError(MESSAGES.endOfStream);
    this.position = n;
  }

  private assertIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.index.count) {
      throw new ValueError(`${MESSAGES.invalidOffset}: frame ${i} of ${this.index.count}`);
    }
  }
}

/** V1.0 stored RGB565 big-endian: swap each pixel's two bytes (B §2.5). */
export function swapBytePairs(data: Uint8Array): void {
  for (let i = 0; i + 1 < data.length; i += 2) {
    const a = data[i] as number;
    data[i] = data[i + 1] as number;
    data[i + 1] = a;
  }
}
