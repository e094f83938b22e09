import { concatBytes } from './bytes';

/**
 * Where a file stream's bytes live. Synchronous on purpose: an OPFS sync access handle (in a worker),
 * a Node file descriptor and a memory buffer are all synchronous, and ImageIO, like the firmware, reads
 * and writes in place. Every offset is a byte offset from the start of the file.
 */
export interface ByteStore {
  /** Current length in bytes. */
  size(): number;
  /** Reads up to `into.length` bytes at `offset` into `into`; returns how many were read (short at the end). */
  readInto(offset: number, into: Uint8Array): number;
  /** Writes all of `data` at `offset`, growing the store if needed. */
  write(offset: number, data: Uint8Array): void;
  /**
   * Optional: writes `parts` one after the other from `offset`, as one `write()` of their concatenation
   * would (a batching store never splits them), without the caller building that concatenation.
   */
  writeParts?(offset: number, parts: readonly Uint8Array[]): void;
  /** Cuts or extends (with zeros) the store to `size` bytes. */
  truncate(size: number): void;
  /** Makes written bytes durable (a no-op in memory). */
  flush(): void;
  /** Releases the underlying handle. Idempotent. */
  close(): void;
}

/**
 * Writes `parts` back to back at `offset` as one write: through the store's `writeParts` when it has one,
 * else as one concatenated `write()` (a store may rely on a chunk arriving in one call).
 */
export function writeParts(store: ByteStore, offset: number, parts: readonly Uint8Array[]): void {
  if (store.writeParts) {
    store.writeParts(offset, parts);
    return;
  }
  store.write(offset, concatBytes(parts));
}

/**
 * A growable in-memory store, for tests, the sample recording and anything that arrives as bytes
 * (a dropped file, a download). Capacity grows by doubling, so appending frames is amortised O(1).
 */
export class MemoryStore implements ByteStore {
  private buffer: Uint8Array;
  private length: number;

  constructor(initial?: Uint8Array) {
    this.buffer = initial ? initial.slice() : new Uint8Array(4096);
    this.length = initial ? initial.length : 0;
  }

  size(): number {
    return this.length;
  }

  readInto(offset: number, into: Uint8Array): number {
    if (offset >= this.length) return 0;
    const n = Math.min(into.length, this.length - offset);
    into.set(this.buffer.subarray(offset, offset + n));
    return n;
  }

  write(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    this.reserve(end);
    if (offset > this.length) this.buffer.fill(0, this.length, offset);
    this.buffer.set(data, offset);
    if (end > this.length) this.length = end;
  }

  writeParts(offset: number, parts: readonly Uint8Array[]): void {
    for (const part of parts) {
      this.write(offset, part);
      offset += part.length;
    }
  }

  truncate(size: number): void {
    this.reserve(size);
    if (size > this.length) this.buffer.fill(0, this.length, size);
    this.length = size;
  }

  flush(): void {}

  close(): void {}

  /** The stored bytes (a view; copy it before writing to the store again). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(capacity: number): void {
    if (capacity <= this.buffer.length) return;
    let next = Math.max(this.buffer.length, 4096);
    while (next < capacity) next *= 2;
    const grown = new Uint8Array(next);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
