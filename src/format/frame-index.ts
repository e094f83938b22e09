import type { ByteStore } from './byte-store';
import { ceil16 } from './bytes';
import { MAGIC_LENGTH, headerLength, parseChunkHeader, type ChunkHeader, type Version } from './chunk';

/** Where a stream stops being readable, and why. Every frame before `frameIndex` is complete. */
export interface Damage {
  /** Index the first unreadable frame would have had (= the number of complete frames). */
  frameIndex: number;
  /** Byte offset in the file where the unreadable part starts. */
  offset: number;
  /** One line: what is wrong there. */
  reason: string;
}

/** One frame as the index knows it: where its chunk is and what its header says. */
export interface FrameEntry extends ChunkHeader {
  index: number;
  /** Byte offset of the chunk header in the file. */
  offset: number;
}

/**
 * The frame index: one row per complete frame, in columns of typed arrays (about 40 bytes a frame, so
 * 100,000 frames cost 4 MB). Built by reading chunk headers only, never payloads (architecture.md §1).
 */
export class FrameIndex {
  private n = 0;
  private offsets = new Float64Array(64);
  private payloads = new Float64Array(64);
  private elapsed = new Uint32Array(64);
  private widths = new Uint32Array(64);
  private heights = new Uint32Array(64);
  private formats = new Uint32Array(64);
  private sizes = new Uint32Array(64);

  get count(): number {
    return this.n;
  }

  push(offset: number, h: ChunkHeader): void {
    if (this.n === this.offsets.length) this.grow();
    const i = this.n++;
    this.offsets[i] = offset;
    this.payloads[i] = h.payload;
    this.elapsed[i] = h.elapsed;
    this.widths[i] = h.width;
    this.heights[i] = h.height;
    this.formats[i] = h.pixformat;
    this.sizes[i] = h.sizeField;
  }

  /** Forgets every frame from `count` on (a write in the middle truncates, B §2.9). */
  truncate(count: number): void {
    this.n = Math.min(this.n, Math.max(0, count));
  }

  offset(i: number): number {
    return this.offsets[i] ?? 0;
  }

  elapsedAt(i: number): number {
    return this.elapsed[i] ?? 0;
  }

  entry(i: number): FrameEntry {
    return {
      index: i,
      offset: this.offsets[i] ?? 0,
      elapsed: this.elapsed[i] ?? 0,
      width: this.widths[i] ?? 0,
      height: this.heights[i] ?? 0,
      pixformat: this.formats[i] ?? 0,
      sizeField: this.sizes[i] ?? 0,
      payload: this.payloads[i] ?? 0,
    };
  }

  private grow(): void {
    const cap = this.offsets.length * 2;
    const widen = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.offsets = widen(this.offsets, (c) => new Float64Array(c));
    this.payloads = widen(this.payloads, (c) => new Float64Array(c));
    this.elapsed = widen(this.elapsed, (c) => new Uint32Array(c));
    this.widths = widen(this.widths, (c) => new Uint32Array(c));
    this.heights = widen(this.heights, (c) => new Uint32Array(c));
    this.formats = widen(this.formats, (c) => new Uint32Array(c));
    this.sizes = widen(this.sizes, (c) => new Uint32Array(c));
  }
}

/** What scanning a file found: the index, where the frames end, and the damage after them, if any. */
export interface ScanResult {
  index: FrameIndex;
  /** Byte offset just past the last complete chunk (its padding included when present). */
  end: number;
  damage: Damage | null;
}

/** Bytes read at once while headers sit close together (small frames): one read covers many headers. */
const WINDOW = 64 * 1024;
/**
 * A window pays only when it holds many headers: each read costs a fixed call overhead plus a copy, and
 * on OPFS the copy of 64 KiB costs far more than a few header-sized calls. So frames longer than
 * WINDOW / 16 are indexed with one header-sized read each.
 */
const WINDOW_MAX_STRIDE = WINDOW / 16;

/**
 * Indexes a file stream by walking its chunk headers from byte 16. Reads each header alone when frames
 * are large, and a 64 KiB window holding many headers when they are tiny, so opening costs at most one
 * small read per frame. Stops at the first chunk that is cut short or cannot be a frame and reports it;
 * a chunk whose payload is complete but whose zero padding is missing still counts (nothing is lost).
 */
export function scanFrames(store: ByteStore, version: Version): ScanResult {
  const index = new FrameIndex();
  const fileSize = store.size();
  const hdr = headerLength(version);
  const window = new Uint8Array(WINDOW);
  const single = window.subarray(0, hdr);
  let winStart = 0;
  let winLen = 0;
  let pos = MAGIC_LENGTH;
  let lastStride = 0;
  while (pos < fileSize) {
    const frameIndex = index.count;
    if (fileSize - pos < hdr) {
      return {
        index,
        end: pos,
        damage: {
          frameIndex,
          offset: pos,
          reason: `truncated chunk header: ${fileSize - pos} of ${hdr} bytes`,
        },
      };
    }
    if (pos < winStart || pos + hdr > winStart + winLen) {
      const whole = lastStride <= WINDOW_MAX_STRIDE && fileSize - pos >= WINDOW;
      winStart = pos;
      winLen = store.readInto(
        pos,
        whole ? window : lastStride <= WINDOW_MAX_STRIDE ? window.subarray(0, fileSize - pos) : single,
      );
      if (winLen < hdr) {
        return {
          index,
          end: pos,
          damage: { frameIndex, offset: pos, reason: 'chunk header could not be read' },
        };
      }
    }
    const header = parseChunkHeader(window, pos - winStart, version);
    if (typeof header === 'string') {
      return { index, end: pos, damage: { frameIndex, offset: pos, reason: header } };
    }
    const payloadEnd = pos + hdr + header.payload;
    if (payloadEnd > fileSize) {
      const left = fileSize - pos - hdr;
      return {
        index,
        end: pos,
        damage: {
          frameIndex,
          offset: pos,
          reason: `truncated frame: payload of ${header.payload} bytes, ${left} present`,
        },
      };
    }
    index.push(pos, header);
    lastStride = hdr + ceil16(header.payload);
    pos = Math.min(pos + lastStride, fileSize);
  }
  return { index, end: pos, damage: null };
}
