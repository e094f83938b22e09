import { MemoryStore } from '../../format/byte-store';

/** A QuotaExceededError as OPFS raises it (a DOMException named so). */
export const quotaError = (): DOMException =>
  new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/**
 * A MemoryStore that counts its calls and fails like a full disk: a write that would take the store past
 * `limit` bytes lands what fits (as a real file system may), then throws a QuotaExceededError. `failNext`
 * makes the next write throw `error` instead, landing nothing.
 */
export class LimitedStore extends MemoryStore {
  limit = Infinity;
  writes: { offset: number; length: number }[] = [];
  flushes = 0;
  /** Length at each flush, in order. */
  flushedAt: number[] = [];
  closed = false;
  failNext: Error | null = null;
  /** When set, flush throws this. */
  flushError: Error | null = null;

  override write(offset: number, data: Uint8Array): void {
    if (this.closed) throw new Error('store is closed');
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.writes.push({ offset, length: data.length });
    const end = offset + data.length;
    if (end > this.limit) {
      const fits = Math.max(0, this.limit - offset);
      if (fits > 0) super.write(offset, data.subarray(0, fits));
      throw quotaError();
    }
    super.write(offset, data);
  }

  override flush(): void {
    if (this.flushError) throw this.flushError;
    this.flushes++;
    this.flushedAt.push(this.size());
  }

  override close(): void {
    this.closed = true;
  }
}
