import { SLOT_HEADER } from '../format/memory-stream';
import { imageSize } from '../format/pixformat';
import type { FrameRing, RingFrame, RingFrameView } from './frame-ring';
import { I32, I64, READER_MODE, checkReaderId, modeWord, posWord } from './layout';

/** Poll period of wait() where it cannot sleep on the buffer (ArrayBuffer rings, no waitAsync). */
const POLL_MS = 4;
/** A 'latest' read gives up (returns null) after this many torn copies in a row; the caller waits and reads again. */
const MAX_TRIES = 64;
/** Longest delay setTimeout takes as given (larger ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One of the ring's readers. 'every' follows every frame in order and holds the writer back so none is
 * lost; 'latest' takes the newest frame each time and never holds the writer back (the live view).
 */
export class RingReader {
  private readonly ring: FrameRing;
  private readonly id: number;
  private readonly mode: 'every' | 'latest';
  private readonly modeIdx: number;
  private readonly posIdx: number;
  private attached = false;
  private pos = 0;
  private current: RingFrameView | null = null;
  private skippedFrames = 0;
  private tornCopies = 0;

  /** id in 0..MAX_READERS-1; each id used by one thread at a time. */
  constructor(ring: FrameRing, id: number, mode: 'every' | 'latest') {
    if (mode !== 'every' && mode !== 'latest')
      throw new RangeError(`Reader mode ${String(mode)} is not 'every' or 'latest'`);
    this.ring = ring;
    this.id = checkReaderId(id);
    this.mode = mode;
    this.modeIdx = modeWord(id);
    this.posIdx = posWord(id);
  }

  /** 'latest': frames skipped (written after the last one returned, never returned). */
  get skipped(): number {
    return this.skippedFrames;
  }

  /** 'latest': copies thrown away because the writer overwrote the slot meanwhile (an addition, for tests and diagnostics). */
  get retries(): number {
    return this.tornCopies;
  }

  /** Next seq this reader returns. */
  position(): number {
    return this.pos;
  }

  /**
   * 'every': starts following at 'next' (frames written from now), 'oldest' (every frame still held)
   * or {sinceUs} (the first held frame with timeUs >= sinceUs, else 'next'); from then on the writer
   * never overwrites a frame this reader has not consumed. 'latest': registers; 'next' returns only
   * frames written from now, the others may also return the newest frame held now. Returns the
   * starting seq. Error if another reader holds this id.
   */
  attach(from: 'next' | 'oldest' | { sinceUs: number }): number {
    const { i32, i64 } = this.ring;
    if (this.attached) this.detach();
    const was = Atomics.compareExchange(i32, this.modeIdx, READER_MODE.detached, READER_MODE.claimed);
    if (was !== READER_MODE.detached) {
      throw new Error(
        `Frame ring reader id ${this.id} is already attached (${this.ring.readerMode(this.id)}); one thread per id, or releaseReader(${this.id})`,
      );
    }
    const write = Number(Atomics.load(i64, I64.WRITE));
    const oldest = Number(Atomics.load(i64, I64.OLDEST));
    let pos: number;
    if (this.mode === 'latest') {
      pos = from === 'next' || write === oldest ? write : write - 1;
      this.publish(pos);
      Atomics.store(i32, this.modeIdx, READER_MODE.latest);
    } else {
      pos = from === 'next' ? write : oldest;
      this.publish(pos);
      Atomics.store(i32, this.modeIdx, READER_MODE.every);
      // The writer may have moved OLDEST past `pos` before it saw MODE. Any store of OLDEST that this
      // load misses comes after it in the SC order, so that writer's next check sees our POS: the frame
      // at `pos` is safe once this loop ends (it is at most one below OLDEST, and the slot below
      // OLDEST is only rewritten a write later, after a check that sees POS).
      for (
        let o = Number(Atomics.load(i64, I64.OLDEST));
        o > pos;
        o = Number(Atomics.load(i64, I64.OLDEST))
      ) {
        pos = o;
        this.publish(pos);
      }
      if (typeof from === 'object') {
        // Frames from `pos` on are ours now: their times cannot change under the scan.
        const end = Number(Atomics.load(i64, I64.WRITE));
        while (pos < end && !(this.ring.timeOf(pos) >= from.sinceUs)) pos++;
        this.publish(pos);
      }
    }
    this.pos = pos;
    this.attached = true;
    this.current = null;
    return pos;
  }

  /**
   * 'every': lets another thread take this attached reader over (with {@link resume} on the same id)
   * without a moment in which nobody holds the writer back. This object forgets the reader; the ring
   * keeps it attached at the returned position.
   */
  handOver(): number {
    this.check('handOver');
    this.attached = false;
    this.current = null;
    return this.pos;
  }

  /**
   * 'every': takes over the reader another thread attached and handed over on this id; returns the
   * position it continues from. Error if that id holds no 'every' reader.
   */
  resume(): number {
    if (this.mode !== 'every') throw new Error('Only an every-frame reader can be resumed');
    const mode = Atomics.load(this.ring.i32, this.modeIdx);
    if (mode !== READER_MODE.every)
      throw new Error(
        `Frame ring reader id ${this.id} has no every-frame reader to resume (${this.ring.readerMode(this.id)})`,
      );
    this.pos = Number(Atomics.load(this.ring.i64, this.posIdx));
    this.attached = true;
    this.current = null;
    return this.pos;
  }

  /** Stops holding the writer back (and frees the id). */
  detach(): void {
    if (!this.attached) return;
    Atomics.store(this.ring.i32, this.modeIdx, READER_MODE.detached);
    this.attached = false;
    this.current = null;
  }

  /**
   * 'every': the next frame in order (payload copied), or null when none is ready (or the ring is
   * closed and drained). 'latest': the newest frame not yet returned, older ones skipped and counted;
   * never a torn frame, though the writer may overwrite its slot meanwhile (per-slot stamps, retried).
   */
  read(): RingFrame | null {
    if (this.mode === 'latest') return this.readLatest();
    const view = this.peek();
    if (!view) return null;
    const frame: RingFrame = { ...view, data: view.data.slice() };
    this.advance();
    return frame;
  }

  /** 'every' only: zero-copy view of the next frame, or null; the slot stays valid until advance(). */
  peek(): RingFrameView | null {
    this.check('peek');
    if (this.current) return this.current;
    const ring = this.ring;
    const seq = this.pos;
    if (Number(Atomics.load(ring.i64, I64.WRITE)) <= seq) return null;
    const slot = seq % ring.slots;
    if (Atomics.load(ring.i32, ring.stampBase + 4 * slot + 1) !== (seq | 0)) {
      throw new Error(`Frame ring reader ${this.id} lost frame ${seq}: its slot was rewritten`);
    }
    const view = this.frameAt(seq);
    if (!view) throw new Error(`Frame ring slot ${slot} holds a frame larger than a slot (frame ${seq})`);
    this.current = view;
    return view;
  }

  /** 'every' only: consume the frame peek() returned (frees its slot for the writer). */
  advance(): void {
    this.check('advance');
    if (!this.current) throw new Error('advance() without a frame from peek()');
    this.current = null;
    this.pos += 1;
    this.publish(this.pos);
  }

  /**
   * Resolves when the write counter moves past what this reader has consumed, when the ring closes, or
   * after timeoutMs. Atomics.waitAsync on a SharedArrayBuffer where it exists; a setTimeout poll otherwise.
   */
  async wait(timeoutMs: number): Promise<void> {
    const ring = this.ring;
    const ready = (): boolean => Number(Atomics.load(ring.i64, I64.WRITE)) > this.pos || ring.isClosed();
    if (ready() || !(timeoutMs > 0)) return;
    if (ring.shared && typeof Atomics.waitAsync === 'function') {
      // Counted in WAITERS before SIGNAL is read (see FrameRing.signal), and SIGNAL read before
      // ready(): a frame published since then makes waitAsync return at once.
      Atomics.add(ring.i32, I32.WAITERS, 1);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const signal = Atomics.load(ring.i32, I32.SIGNAL);
        if (ready()) return;
        const waiting = Atomics.waitAsync(ring.i32, I32.SIGNAL, signal, timeoutMs);
        if (!waiting.async) return;
        // Node does not count a pending waitAsync as work: with nothing else pending the thread would
        // exit mid-wait. The timer keeps it alive (and bounds the wait) until the waiter settles.
        const timeout = new Promise<void>(
          (resolve) => (timer = setTimeout(resolve, Math.min(timeoutMs, MAX_TIMER_MS))),
        );
        await Promise.race([waiting.value, timeout]);
      } finally {
        clearTimeout(timer);
        Atomics.sub(ring.i32, I32.WAITERS, 1);
      }
      return;
    }
    const deadline = performance.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, POLL_MS)));
    }
  }

  private readLatest(): RingFrame | null {
    if (!this.attached) throw new Error(`Frame ring reader ${this.id} is not attached`);
    const { i32, i64, slots } = this.ring;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const seq = Number(Atomics.load(i64, I64.WRITE)) - 1;
      if (seq < this.pos) return null;
      const stamp = this.ring.stampBase + 4 * (seq % slots);
      // Seqlock: the end stamp says the frame is complete; the begin stamp, read after the copy, says
      // no overwrite of the slot started meanwhile.
      if (Atomics.load(i32, stamp + 1) === (seq | 0)) {
        const view = this.frameAt(seq);
        const frame = view && { ...view, data: view.data.slice() };
        // Fence (see writer.ts): an SC store between the plain loads of the copy and the stamp load.
        Atomics.store(i32, this.modeIdx + 1, tries);
        if (frame && Atomics.load(i32, stamp) === (seq | 0)) {
          this.skippedFrames += seq - this.pos;
          this.pos = seq + 1;
          return frame;
        }
      }
      this.tornCopies++;
    }
    return null;
  }

  /** The frame in seq's slot as a view, or null if its header is impossible (a torn copy). */
  private frameAt(seq: number): RingFrameView | null {
    const ring = this.ring;
    const at = ring.slotOffset(seq % ring.slots);
    const v = ring.view;
    const width = v.getUint32(at + 4, true);
    const height = v.getUint32(at + 8, true);
    const pixformat = v.getUint32(at + 12, true);
    const size = v.getUint32(at + 16, true);
    const payload = imageSize(width, height, pixformat, size);
    if (!(payload <= ring.payloadCapacity)) return null;
    return {
      seq,
      elapsedMs: v.getUint32(at, true),
      timeUs: ring.timeOf(seq),
      width,
      height,
      pixformat,
      size,
      data: ring.bytes.subarray(at + SLOT_HEADER, at + SLOT_HEADER + payload),
    };
  }

  private publish(pos: number): void {
    Atomics.store(this.ring.i64, this.posIdx, BigInt(pos));
  }

  private check(what: string): void {
    if (this.mode !== 'every')
      throw new Error(`${what}() is for 'every' readers; reader ${this.id} is 'latest'`);
    if (!this.attached) throw new Error(`Frame ring reader ${this.id} is not attached`);
    if (Atomics.load(this.ring.i32, this.modeIdx) !== READER_MODE.every) {
      this.attached = false;
      throw new Error(`Frame ring reader ${this.id} was released (releaseReader) and lost its place`);
    }
  }
}
