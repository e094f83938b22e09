import type { RingFrameIn } from '../ring';
import type { ByteStore } from '../format/byte-store';
import { ceil16 } from '../format/bytes';
import { FileImageIO } from '../format/file-stream';
import { Image } from '../format/image';
import { imageSize } from '../format/pixformat';
import { BatchedStore } from '../storage/batched-store';
import { isQuotaError } from '../storage/errors';
import {
  FILE_DONE_REASON,
  type FileDoneInfo,
  type FileProgressInfo,
  type FileStartedInfo,
  type RecordingFileRef,
  type SplitLimits,
} from './recorder.protocol';

/** One camera frame as the ring holds it: `image_t` fields, payload, capture time (µs, monotonic). */
export type WriterFrame = RingFrameIn;

export interface RecordingWriterOptions {
  split?: SplitLimits;
  /** BatchedStore batch size (default 1 MiB). */
  batchBytes?: number;
  /** Written frames are made durable at least this often, in ms of `nowMs()` (default 1000). */
  flushEveryMs?: number;
}

export interface RecordingWriterDeps {
  /** Opens (creating) a file for writing; synchronous, like the stores under ImageIO. */
  openFile(fileName: string): ByteStore;
  /** Milliseconds on a monotonic clock: only the flush cadence reads it. */
  nowMs(): number;
  /** Names the next file: the first call names part 0. */
  nextFile(): RecordingFileRef;
  fileStarted?(e: FileStartedInfo): void;
  progress?(e: FileProgressInfo): void;
  fileDone?(e: FileDoneInfo): void;
}

/** A frame count and the stored time they add up to. */
interface Tally {
  frames: number;
  storedMs: number;
}

interface Part {
  file: RecordingFileRef;
  index: number;
  store: BatchedStore;
  io: FileImageIO;
  firstUs: number;
  frames: number;
  /** Sum of the elapsed values written: the file's duration as readers see it. */
  storedMs: number;
  /** What the inner store holds for sure (frames whose chunk ends at or before its length). */
  safe: Tally;
  /** Frames still in the pending batch: where each one's chunk ends. */
  unsettled: (Tally & { end: number })[];
  lastFlushMs: number;
  dirty: boolean;
}

/**
 * Writes camera frames as V2.0 chunks into one or more files (formats.md B §2.3), through a BatchedStore
 * so OPFS sees few large writes. Pure: the files, the names and the clock are injected, so it runs in
 * Node over MemoryStores as it runs in the recorder worker over sync access handles.
 *
 * Timing: a file starts at its first frame (elapsed 0); each later frame stores the time since the one
 * before from the camera's capture times. The ms values are rounded on the running total, not per frame,
 * so a file's duration is its true span rounded once (33.33 ms frames store 33, 33, 34, ...), not a drift
 * of a third of a millisecond a frame.
 *
 * Failures: a write or flush error closes the current file at its last complete durable frame (the
 * BatchedStore cuts the failed batch off) and stops the writer with reason 'quota' or 'error'.
 */
export class RecordingWriter {
  private readonly deps: RecordingWriterDeps;
  private readonly split: SplitLimits;
  private readonly batchBytes: number | undefined;
  private readonly flushEveryMs: number;
  private part: Part | null = null;
  private parts = 0;
  private frames = 0;
  private stopped = false;

  constructor(deps: RecordingWriterDeps, opts: RecordingWriterOptions = {}) {
    const { maxBytes, maxMs } = opts.split ?? {};
    if (maxBytes !== undefined && !(maxBytes > 0))
      throw new RangeError(`split.maxBytes must be > 0, not ${maxBytes}`);
    if (maxMs !== undefined && !(maxMs > 0)) throw new RangeError(`split.maxMs must be > 0, not ${maxMs}`);
    this.deps = deps;
    this.split = { maxBytes, maxMs };
    this.batchBytes = opts.batchBytes;
    this.flushEveryMs = opts.flushEveryMs ?? 1000;
  }

  /** True once finished or failed: `add()` then writes nothing. */
  isStopped(): boolean {
    return this.stopped;
  }

  /** Frames written so far, every part together (a failed batch's frames taken back). */
  framesWritten(): number {
    return this.frames;
  }

  /** The file being written, or null before the first frame and after the end. */
  currentFile(): RecordingFileRef | null {
    return this.part ? { ...this.part.file } : null;
  }

  /** True when `frame` would go into a new file (the worker makes sure the next file is ready first). */
  wouldSplit(frame: WriterFrame): boolean {
    const p = this.part;
    if (!p || p.frames === 0) return false;
    const { maxBytes, maxMs } = this.split;
    if (maxBytes !== undefined && p.store.size() + chunkBytes(frame) > maxBytes) return true;
    return maxMs !== undefined && frame.timeUs - p.firstUs >= maxMs * 1000;
  }

  /** Writes one frame (starting or splitting files as needed). False when the writer has stopped. */
  add(frame: WriterFrame): boolean {
    if (this.stopped) return false;
    let p = this.part;
    if (p && this.wouldSplit(frame)) {
      p = this.splitFor(p, frame.timeUs);
      if (!p) return false;
    } else if (!p) {
      p = this.startFirst(frame.timeUs);
      if (!p) return false;
    }
    const before = p.frames;
    try {
      this.write(p, frame);
      if (this.deps.nowMs() - p.lastFlushMs >= this.flushEveryMs) this.flushPart(p);
    } catch (e) {
      this.fail(p, e, { refused: p.frames === before ? 1 : 0 });
      return false;
    }
    return true;
  }

  /** Flushes when `flushEveryMs` has passed since the last flush and frames are waiting (call from a timer). */
  tick(): void {
    const p = this.part;
    if (this.stopped || !p || !p.dirty || this.deps.nowMs() - p.lastFlushMs < this.flushEveryMs) return;
    try {
      this.flushPart(p);
    } catch (e) {
      this.fail(p, e);
    }
  }

  /** Flushes now (if frames are waiting), whatever the cadence. */
  flush(): void {
    const p = this.part;
    if (this.stopped || !p || !p.dirty) return;
    try {
      this.flushPart(p);
    } catch (e) {
      this.fail(p, e);
    }
  }

  /**
   * Flushes and closes the current file (reason 'stopped'). A recording that got no frame still gets its
   * first file, as an empty stream (the magic alone), so the name handed out exists and opens.
   */
  finish(): void {
    if (this.stopped) return;
    const p = this.part ?? this.startFirst(null);
    if (!p) return;
    try {
      p.io.close();
    } catch (e) {
      this.fail(p, e);
      return;
    }
    this.settle(p);
    this.part = null;
    this.stopped = true;
    this.deps.fileDone?.({ ...this.summary(p), fileName: p.file.fileName, reason: FILE_DONE_REASON.stopped });
  }

  private startFirst(firstUs: number | null): Part | null {
    const file = this.deps.nextFile();
    try {
      const p = this.open(file, firstUs);
      this.part = p;
      this.deps.fileStarted?.({ ...file, firstFrameUs: firstUs, index: p.index });
      return p;
    } catch (e) {
      const reason = isQuotaError(e) ? FILE_DONE_REASON.quota : FILE_DONE_REASON.error;
      this.stopped = true;
      const message = `The recording could not start: ${errorMessage(e)}`;
      this.deps.fileDone?.({ ...file, frames: 0, bytes: 0, durationMs: 0, reason, message });
      return null;
    }
  }

  /** Flushes `cur`, opens the next file, then closes `cur`: a failure on either side ends at `cur`. */
  private splitFor(cur: Part, firstUs: number): Part | null {
    let next: Part;
    try {
      if (cur.dirty) this.flushPart(cur);
    } catch (e) {
      this.fail(cur, e, { refused: 1 });
      return null;
    }
    try {
      next = this.open(this.deps.nextFile(), firstUs);
    } catch (e) {
      this.fail(cur, e, { refused: 1, context: `Part ${this.parts + 1} could not start` });
      return null;
    }
    try {
      cur.io.close();
    } catch {
      // Everything was flushed just above: a failing release cannot lose frames.
      closeQuietly(cur);
    }
    this.settle(cur);
    this.deps.fileDone?.({
      ...this.summary(cur),
      fileName: cur.file.fileName,
      reason: FILE_DONE_REASON.split,
    });
    this.part = next;
    this.deps.fileStarted?.({ ...next.file, firstFrameUs: firstUs, index: next.index });
    return next;
  }

  /** Opens `file` and makes its magic durable, so the file is a valid (empty) stream from now on. */
  private open(file: RecordingFileRef, firstUs: number | null): Part {
    const inner = this.deps.openFile(file.fileName);
    const store = new BatchedStore(inner, { batchBytes: this.batchBytes });
    let io: FileImageIO;
    try {
      io = new FileImageIO(store, 'w');
      io.sync();
    } catch (e) {
      try {
        store.close();
      } catch {
        // Already failing: the first error is the one worth reporting.
      }
      throw e;
    }
    return {
      file,
      index: this.parts++,
      store,
      io,
      firstUs: firstUs ?? 0,
      frames: 0,
      storedMs: 0,
      safe: { frames: 0, storedMs: 0 },
      unsettled: [],
      lastFlushMs: this.deps.nowMs(),
      dirty: false,
    };
  }

  private write(p: Part, frame: WriterFrame): void {
    const img = new Image(frame.width, frame.height, frame.pixformat, frame.data, frame.size);
    // Rounded on the running total (see the class comment); never negative if a clock steps back.
    const total = Math.max(p.storedMs, Math.round((frame.timeUs - p.firstUs) / 1000));
    p.io.write(img, { elapsedMs: total - p.storedMs });
    p.storedMs = total;
    p.frames++;
    this.frames++;
    p.dirty = true;
    p.unsettled.push({ end: p.store.size(), frames: p.frames, storedMs: total });
    this.settle(p);
  }

  private flushPart(p: Part): void {
    p.io.sync();
    this.settle(p);
    p.lastFlushMs = this.deps.nowMs();
    p.dirty = false;
    this.deps.progress?.(this.summary(p));
  }

  /** Moves frames whose chunks the inner store now holds to `safe`; after a failure, drops the rest. */
  private settle(p: Part): void {
    const held = p.store.writtenSize();
    let n = 0;
    while (n < p.unsettled.length && (p.unsettled[n] as { end: number }).end <= held) n++;
    if (n > 0) p.safe = p.unsettled[n - 1] as Tally;
    p.unsettled.splice(0, n);
  }

  private summary(p: Part): FileProgressInfo {
    return { id: p.file.id, frames: p.frames, bytes: p.store.committedSize(), durationMs: p.storedMs };
  }

  /**
   * Closes `p` at its last durable frame and stops the writer with reason 'quota' or 'error'. `refused`:
   * frames handed to `add()` that never reached the file (the one being written when it failed).
   */
  private fail(p: Part, e: unknown, how: { refused?: number; context?: string } = {}): void {
    const reason = isQuotaError(e) ? FILE_DONE_REASON.quota : FILE_DONE_REASON.error;
    // A non-storage error (a malformed frame) leaves the pending batch intact: closing writes it.
    try {
      p.io.close();
    } catch {
      closeQuietly(p);
    }
    this.settle(p);
    const lost = p.unsettled.length + (how.refused ?? 0);
    this.frames -= p.frames - p.safe.frames;
    p.frames = p.safe.frames;
    p.storedMs = p.safe.storedMs;
    p.unsettled = [];
    this.part = null;
    this.stopped = true;
    const kept = `${plural(p.frames, 'frame')} (${(p.storedMs / 1000).toFixed(1)} s) kept in ${p.file.fileName}`;
    const cause =
      reason === FILE_DONE_REASON.quota
        ? 'Not enough storage space: the recording stopped'
        : `Writing the recording failed: ${errorMessage(e)}`;
    const dropped = lost > 0 ? `; the last ${plural(lost, 'frame')} could not be saved` : '';
    const message = `${how.context ? `${how.context}. ` : ''}${cause}; ${kept}${dropped}.`;
    this.deps.fileDone?.({ ...this.summary(p), fileName: p.file.fileName, reason, message });
  }
}

/** Bytes one frame's V2.0 chunk takes (B §2.3). */
export const chunkBytes = (f: Pick<WriterFrame, 'width' | 'height' | 'pixformat' | 'size'>): number =>
  32 + ceil16(imageSize(f.width, f.height, f.pixformat, f.size));

function closeQuietly(p: Part): void {
  try {
    p.store.close();
  } catch {
    // The store is gone already: nothing more to release.
  }
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
