/**
 * The byte link both sides of the camera connection use (architecture §1: transport below the protocol). A Web
 * Serial port, a Node serial port or an in-memory pair all look like this to the protocol layer.
 */
import type { Clock } from '../../format/clock';

export interface ByteLink {
  /** Sends bytes to the other side; resolves when handed over (rejects if the link is gone). */
  send(bytes: Uint8Array): Promise<void>;
  /** Registers the receiver: bytes as they arrive; `closed` once, with an Error when the link was lost. */
  listen(onBytes: (bytes: Uint8Array) => void, closed: (error?: Error) => void): void;
  close(): Promise<void>;
}

export interface LinkPairOptions {
  /** Delivery rate per direction; when set (with a clock) each chunk is delivered after length/rate seconds. */
  bytesPerSecond?: number;
  /** Bytes per delivered chunk (models USB packets / read() sizes); default: whole writes. */
  chunkBytes?: number;
  /** Clock for pacing (default: `setTimeout`-based). */
  clock?: Clock;
  /** Fault hook applied to every write before it is chunked; may flip, drop or add bytes. */
  faults?: (b: Uint8Array, dir: 'a->b' | 'b->a') => Uint8Array;
}

const defaultClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => void setTimeout(resolve, ms)),
};

class PairEnd implements ByteLink {
  peer!: PairEnd;
  private onBytes: ((bytes: Uint8Array) => void) | null = null;
  private onClosed: ((error?: Error) => void) | null = null;
  private early: Uint8Array[] = [];
  private tail: Promise<void> = Promise.resolve();
  isClosed = false;
  private closeNotified = false;
  private pendingClose: { error?: Error } | null = null;

  constructor(
    private readonly dir: 'a->b' | 'b->a',
    private readonly opts: LinkPairOptions,
  ) {}

  send(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('link closed'));
    const data = this.opts.faults ? this.opts.faults(bytes.slice(), this.dir) : bytes.slice();
    const size =
      this.opts.chunkBytes && this.opts.chunkBytes > 0 ? this.opts.chunkBytes : Math.max(1, data.length);
    const bps = this.opts.bytesPerSecond;
    const clock = this.opts.clock ?? defaultClock;
    const peer = this.peer;
    const run = async (): Promise<void> => {
      for (let i = 0; i < data.length; i += size) {
        const chunk = data.subarray(i, i + size);
        if (bps && bps > 0) await clock.sleep((chunk.length / bps) * 1000);
        else await Promise.resolve();
        if (this.isClosed || peer.isClosed) throw new Error('link closed');
        peer.deliver(chunk);
      }
    };
    const done = this.tail.then(run);
    this.tail = done.catch(() => undefined);
    return done;
  }

  deliver(chunk: Uint8Array): void {
    if (this.onBytes) this.onBytes(chunk);
    else this.early.push(chunk);
  }

  listen(onBytes: (bytes: Uint8Array) => void, closed: (error?: Error) => void): void {
    this.onBytes = onBytes;
    this.onClosed = closed;
    const early = this.early;
    this.early = [];
    for (const c of early) onBytes(c);
    if (this.pendingClose) this.notifyClosed(this.pendingClose.error);
  }

  notifyClosed(error?: Error): void {
    if (this.closeNotified) return;
    if (!this.onClosed) {
      this.pendingClose = { error };
      return;
    }
    this.closeNotified = true;
    this.onClosed(error);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.tail;
    this.isClosed = true;
    this.notifyClosed();
    if (!this.peer.isClosed) {
      this.peer.isClosed = true;
      this.peer.notifyClosed(new Error('link closed by the other side'));
    }
  }
}

/** Two ByteLinks wired to each other in memory (for Node tests and the in-app demo camera). Options model a real link: bytesPerSecond (delivery paced via the injected clock), chunk size, and a fault hook `corrupt?(bytes) => Uint8Array` that may flip/drop bytes. */
export function linkPair(opts: LinkPairOptions = {}): [ByteLink, ByteLink] {
  const a = new PairEnd('a->b', opts);
  const b = new PairEnd('b->a', opts);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
