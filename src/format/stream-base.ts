import { systemClock, type Clock } from './clock';
import { MESSAGES, OSError, ValueError } from './errors';
import type { Image } from './image';

/** Options of `read()`: the firmware's keywords (`loop`, `pause`), both on by default as there. */
export interface ReadOptions {
  /** At the end of a file stream, start again from the first frame (memory streams ignore it). */
  loop?: boolean;
  /** Wait the frame's recorded interval before returning it. */
  pause?: boolean;
}

/** Options of `write()`. */
export interface WriteOptions {
  /**
   * The interval to store, in milliseconds, instead of the time since the previous write: a recorder
   * passes the camera's own timing here. Stored rounded to the stream's unit (ms, or µs in V2.1).
   */
  elapsedMs?: number;
}

/** Options shared by both stream kinds. */
export interface StreamOptions {
  clock?: Clock;
}

/**
 * What both stream kinds share: the closed flag, the frame offset and the pause clock.
 *
 * Pause (formats.md Part A): a paused read returns its frame the recorded interval after the previous
 * frame was returned. When the reader keeps up, the target times chain exactly, so nothing drifts; when
 * it falls behind, the next interval counts from now, so a slow consumer never gets a burst. A seek or
 * an unpaused read re-anchors the clock to now, so pause keeps working afterwards (it does not in the
 * firmware, whose cumulative u32 clock runs ahead of real time).
 */
export abstract class StreamBase {
  protected closed = false;
  protected position = 0;
  protected readonly clock: Clock;
  /** When the previous frame was returned (or the stream was opened / last sought). */
  protected anchor: number;
  /** When the previous frame was written (or the stream was opened). */
  protected lastWrite: number;

  protected constructor(opts: StreamOptions) {
    this.clock = opts.clock ?? systemClock;
    this.anchor = this.clock.now();
    this.lastWrite = this.anchor;
  }

  /** 1 when closed, 0 when open: an int, as the firmware returns. */
  isClosed(): number {
    return this.closed ? 1 : 0;
  }

  /** Index of the next frame to read or write. */
  offset(): number {
    return this.position;
  }

  /** Reads the next frame, waiting its recorded interval unless `pause` is false. */
  async read(opts: ReadOptions = {}): Promise<Image | null> {
    this.assertOpen();
    const pause = opts.pause ?? true;
    const next = this.nextFrame(opts.loop ?? true);
    if (next === null) return null;
    if (pause) {
      const target = this.anchor + next.intervalMs;
      const wait = target - this.clock.now();
      if (wait > 0) {
        await this.clock.sleep(wait);
        this.anchor = target;
      } else {
        this.anchor = this.clock.now();
      }
    } else {
      this.anchor = this.clock.now();
    }
    this.assertOpen();
    return this.loadFrame(next.index);
  }

  /** Reads the next frame at once (no pause): for indexing, export and conversion. */
  readSync(opts: Omit<ReadOptions, 'pause'> = {}): Image | null {
    this.assertOpen();
    const next = this.nextFrame(opts.loop ?? true);
    if (next === null) return null;
    this.anchor = this.clock.now();
    return this.loadFrame(next.index);
  }

  /** Moves to frame `n` (the next read returns it) and re-anchors the pause clock. Returns this. */
  seek(n: number): this {
    this.assertOpen();
    if (!Number.isInteger(n) || n < 0) throw new ValueError(MESSAGES.invalidOffset);
    this.seekTo(n);
    this.anchor = this.clock.now();
    return this;
  }

  /** Milliseconds since the previous write, or the override; advances the write clock. */
  protected takeElapsedMs(opts: WriteOptions): number {
    const now = this.clock.now();
    const elapsed = opts.elapsedMs ?? now - this.lastWrite;
    this.lastWrite = now;
    return Math.max(0, elapsed);
  }

  protected assertOpen(): void {
    if (this.closed) throw new OSError(MESSAGES.closed);
  }

  /** Picks the frame the next read returns and advances the offset; null at the end (file, no loop). */
  protected abstract nextFrame(loop: boolean): { index: number; intervalMs: number } | null;
  /** Reads frame `index`'s header and payload. */
  protected abstract loadFrame(index: number): Image;
  /** Validates `n` for this kind of stream and moves there. */
  protected abstract seekTo(n: number): void;
}
