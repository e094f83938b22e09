import type { ByteStore } from '../format/byte-store';

/** Default batch: 1 MiB, so a 30 fps QVGA recording costs a few OPFS writes a second, not thirty. */
export const DEFAULT_BATCH_BYTES = 1 << 20;

export interface BatchedStoreOptions {
  /** Appends are passed on in one inner write once at least this many bytes are pending. */
  batchBytes?: number;
}

/**
 * A ByteStore that collects appends at the end in memory and hands them to `inner` in batches of at
 * least `batchBytes`, in one write each. Reads and `size()` see the pending bytes, so a stream over it
 * behaves as over the inner store.
 *
 * Failure rule (why batches are whole `write()` calls): ImageIO writes each chunk in one `write()`, so
 * every batch is a run of whole chunks. When an inner write throws (a `QuotaExceededError`, say), the
 * inner store is cut back to its length before that batch, the batch is dropped, the store is flushed if
 * it can be, and the error is rethrown: the file then ends at a chunk boundary, every frame before the
 * batch readable.
 */
export class BatchedStore implements ByteStore {
  private readonly inner: ByteStore;
  private readonly batchBytes: number;
  private pending = new Uint8Array(0);
  private pendingLength = 0;
  /** Length of the inner store: where the pending bytes start. */
  private base: number;
  /** Inner length at the last successful inner flush. */
  private committed: number;

  constructor(inner: ByteStore, opts: BatchedStoreOptions = {}) {
    this.inner = inner;
    this.batchBytes = Math.max(1, opts.batchBytes ?? DEFAULT_BATCH_BYTES);
    this.base = inner.size();
    this.committed = this.base;
  }

  /** Bytes durably in the inner store (its length at the last successful flush, or at construction). */
  committedSize(): number {
    return this.committed;
  }

  /** Bytes handed to the inner store (durable or not). */
  writtenSize(): number {
    return this.base;
  }

  /** Bytes waiting in memory for the next batch. */
  pendingSize(): number {
    return this.pendingLength;
  }

  size(): number {
    return this.base + this.pendingLength;
  }

  readInto(offset: number, into: Uint8Array): number {
    let done = 0;
    if (offset < this.base) {
      const want = Math.min(into.length, this.base - offset);
      done = this.inner.readInto(offset, into.subarray(0, want));
      if (done < want) return done;
    }
    const from = offset + done - this.base;
    if (from >= this.pendingLength || done >= into.length) return done;
    const n = Math.min(into.length - done, this.pendingLength - from);
    into.set(this.pending.subarray(from, from + n), done);
    return done + n;
  }

  write(offset: number, data: Uint8Array): void {
    this.writeParts(offset, [data]);
  }

  /**
   * As one `write()` of the parts' concatenation. An append joins the pending batch (copied: the caller may
   * reuse its buffers); with nothing pending, a batch's worth or more is written straight from the
   * caller's bytes. A write anywhere else (after a seek) writes what is pending first, then goes through.
   */
  writeParts(offset: number, parts: readonly Uint8Array[]): void {
    let length = 0;
    for (const part of parts) length += part.length;
    if (offset !== this.size()) {
      // An overwrite: rare, and not a batch, so no roll-back rule applies.
      this.writePending();
      for (const part of parts) {
        this.inner.write(offset, part);
        offset += part.length;
      }
      this.base = this.inner.size();
      return;
    }
    if (this.pendingLength === 0 && length >= this.batchBytes) {
      this.commitParts(parts);
      return;
    }
    this.reserve(this.pendingLength + length);
    for (const part of parts) {
      this.pending.set(part, this.pendingLength);
      this.pendingLength += part.length;
    }
    if (this.pendingLength >= this.batchBytes) this.writePending();
  }

  truncate(size: number): void {
    this.writePending();
    this.inner.truncate(size);
    this.base = size;
    this.committed = Math.min(this.committed, size);
  }

  /** Writes the pending batch (whatever its size) and flushes the inner store. */
  flush(): void {
    this.writePending();
    this.inner.flush();
    this.committed = this.base;
  }

  /** Writes what is pending, then closes the inner store (closed even when that write fails). */
  close(): void {
    try {
      this.writePending();
    } finally {
      this.inner.close();
    }
  }

  private writePending(): void {
    if (this.pendingLength === 0) return;
    this.commitParts([this.pending.subarray(0, this.pendingLength)]);
  }

  /** One batch, written part after part; a failure cuts the inner store back to before all of it. */
  private commitParts(parts: readonly Uint8Array[]): void {
    const before = this.base;
    let at = before;
    try {
      for (const part of parts) {
        this.inner.write(at, part);
        at += part.length;
      }
    } catch (e) {
      this.pendingLength = 0;
      this.rollBack(before);
      throw e;
    }
    this.base = at;
    this.pendingLength = 0;
  }

  /** After a failed batch: the inner store ends where it ended before it, durably if possible. */
  private rollBack(before: number): void {
    this.base = before;
    try {
      // The failed write may have landed part of the batch: cut it off (a no-op length-wise if it did not).
      this.inner.truncate(before);
      this.inner.flush();
      this.committed = before;
    } catch {
      // The store refuses even that (gone, closed): the caller gets the original error, which says more.
    }
  }

  private reserve(capacity: number): void {
    if (capacity <= this.pending.length) return;
    let next = Math.max(this.pending.length, 64 * 1024);
    while (next < capacity) next *= 2;
    const grown = new Uint8Array(next);
    grown.set(this.pending.subarray(0, this.pendingLength));
    this.pending = grown;
  }
}
