import type { ByteStore } from '../format/byte-store';
import { FrameRing, RingReader } from '../ring';
import {
  RECORDER_TICK_MS,
  RECORDER_WAIT_MS,
  type FrameMessage,
  type RecorderCommand,
  type RecorderEvent,
  type RecordingFileRef,
} from './recorder.protocol';
import { RecordingWriter, type RecordingWriterOptions, type WriterFrame } from './recording-writer';

export type StartCommand = RecorderCommand & { type: 'start' };

/** What a session needs from its worker: files, time and the way back to the page (injected for tests). */
export interface SessionDeps {
  /** Opens `fileName` in the recordings directory, creating it, for synchronous writing. */
  openFile(fileName: string): Promise<ByteStore>;
  /** Removes a file the session created but never announced (an unused split part). */
  removeFile(fileName: string): Promise<void>;
  /** A fresh name for a split part. */
  newFile(): RecordingFileRef;
  nowMs(): number;
  post(e: RecorderEvent): void;
  /** Calls `fn` every `ms`; returns the cancel. */
  every(ms: number, fn: () => void): () => void;
  /** Resolves after pending messages and timers had their turn (the loop would starve them otherwise). */
  yieldTask(): Promise<void>;
  /** Writer tuning (tests use small batches). */
  writer?: Pick<RecordingWriterOptions, 'batchBytes' | 'flushEveryMs'>;
}

/** A frame with its ring seq. */
type SourceFrame = WriterFrame & { seq: number };

/** The part of a ring reader the loop uses; `messages` sources queue posted frames behind the same face. */
interface FrameSource {
  peek(): SourceFrame | null;
  advance(): void;
  wait(timeoutMs: number): Promise<void>;
  position(): number;
  isClosed(): boolean;
  detach(): void;
}

/**
 * While frames keep coming (a pre-trigger backlog, say) the loop yields to the worker's other tasks
 * (`stop`, the flush timer) once this many milliseconds have passed, or after this many frames. A yield
 * costs tens of microseconds: every 16 frames it took a sixth of the time of recording QVGA JPEG.
 */
const YIELD_MS = 8;
const YIELD_FRAMES = 256;

/**
 * One recording session in the recorder worker: takes frames from a ring reader (or from `frame`
 * messages) in order, hands them to a RecordingWriter, and ends on `stop`, at the end of a pre-trigger
 * window, when the ring closes, or when storage fails. Split parts are opened ahead of need (opening an
 * OPFS sync handle is asynchronous; the writer's open is not), and a part opened but never used is
 * removed at the end. The ring reader is always detached at the end.
 */
export class RecorderWorkerSession {
  readonly id: number;
  private readonly cmd: StartCommand;
  private readonly deps: SessionDeps;
  private readonly messages: MessageSource | null;
  private stopAfterUs: number | null;
  private stopRequest: { untilSeq?: number } | null = null;
  private wakeLoop: (() => void) | null = null;
  private over = false;
  /** Opened files waiting for the writer's (synchronous) open. */
  private readonly opened = new Map<string, ByteStore>();
  /** Split parts this session created, and those the page heard of (fileStarted). */
  private readonly created = new Set<string>();
  private readonly announced = new Set<string>();
  private firstNamed = false;
  private spare: { file: RecordingFileRef; store: ByteStore } | null = null;
  private spareFailure: unknown = null;
  private spareJob: Promise<void> | null = null;

  constructor(cmd: StartCommand, deps: SessionDeps) {
    this.id = cmd.session;
    this.cmd = cmd;
    this.deps = deps;
    this.stopAfterUs = cmd.stopAfterUs ?? null;
    // Created at once: frames posted while the first file opens wait here.
    this.messages = cmd.source.kind === 'messages' ? new MessageSource() : null;
  }

  /** True once the session has ended (`stopped` was posted). */
  isOver(): boolean {
    return this.over;
  }

  frame(f: FrameMessage): void {
    this.messages?.push({ ...f, data: new Uint8Array(f.data) });
  }

  stopAfter(timeUs: number): void {
    this.stopAfterUs = timeUs;
    this.wake();
  }

  stop(untilSeq?: number): void {
    this.stopRequest = { untilSeq };
    this.messages?.close();
    this.wake();
  }

  /** Opens the first file, attaches, writes until the end, closes everything, then posts `stopped`. */
  async run(): Promise<void> {
    const { cmd, deps } = this;
    const session = this.id;
    try {
      this.opened.set(cmd.file.fileName, await deps.openFile(cmd.file.fileName));
    } catch (e) {
      this.postError(e);
      this.over = true;
      deps.post({ type: 'stopped', session });
      return;
    }
    const writer = new RecordingWriter(
      {
        openFile: (name) => this.takeOpened(name),
        nowMs: () => deps.nowMs(),
        nextFile: () => this.nextFile(),
        fileStarted: (e) => {
          this.announced.add(e.fileName);
          deps.post({ type: 'fileStarted', session, ...e });
        },
        progress: (e) => deps.post({ type: 'progress', session, ...e }),
        fileDone: (e) => deps.post({ type: 'fileDone', session, ...e }),
      },
      { ...deps.writer, split: cmd.split },
    );
    let source: FrameSource | null = null;
    let failure: unknown = null;
    let stopTick = (): void => {};
    try {
      source = this.attach();
      deps.post({
        type: 'started',
        session,
        startSeq: cmd.source.kind === 'ring' ? source.position() : null,
      });
      this.prepareSpare();
      stopTick = deps.every(RECORDER_TICK_MS, () => writer.tick());
      await this.loop(source, writer);
    } catch (e) {
      failure = e;
    } finally {
      stopTick();
      source?.detach();
      this.over = true;
      // Closes the current file; part 0 of a recording without frames becomes an empty stream.
      writer.finish();
    }
    if (failure !== null) this.postError(failure);
    await this.discardUnused();
    deps.post({ type: 'stopped', session });
  }

  private attach(): FrameSource {
    const src = this.cmd.source;
    if (src.kind === 'messages') return this.messages as MessageSource;
    const ring = FrameRing.attach(src.buffer);
    const reader = new RingReader(ring, src.readerId, 'every');
    if (src.from === 'resume') reader.resume();
    else reader.attach(src.from);
    return {
      peek: () => reader.peek(),
      advance: () => reader.advance(),
      wait: (ms) => reader.wait(ms),
      position: () => reader.position(),
      isClosed: () => ring.isClosed(),
      detach: () => reader.detach(),
    };
  }

  private async loop(source: FrameSource, writer: RecordingWriter): Promise<void> {
    let sinceYield = 0;
    let yieldedAt = this.deps.nowMs();
    for (;;) {
      if (writer.isStopped()) return;
      const stop = this.stopRequest;
      const until = stop?.untilSeq;
      if (stop && until === undefined) return;
      const f = source.peek();
      if (!f) {
        if (source.isClosed() || (until !== undefined && source.position() >= until)) return;
        sinceYield = 0;
        await Promise.race([source.wait(RECORDER_WAIT_MS), new Promise<void>((r) => (this.wakeLoop = r))]);
        this.wakeLoop = null;
        yieldedAt = this.deps.nowMs();
        continue;
      }
      if (until !== undefined && f.seq >= until) return;
      if (this.stopAfterUs !== null && f.timeUs > this.stopAfterUs) return;
      if (writer.wouldSplit(f) && !this.spare && this.spareFailure === null) {
        // The next part's handle is still opening: wait for it (the ring holds the frame meanwhile).
        this.prepareSpare();
        await this.spareJob;
        continue;
      }
      writer.add(f);
      source.advance();
      if (++sinceYield >= YIELD_FRAMES || this.deps.nowMs() - yieldedAt >= YIELD_MS) {
        sinceYield = 0;
        await this.deps.yieldTask();
        yieldedAt = this.deps.nowMs();
      }
    }
  }

  private wake(): void {
    this.wakeLoop?.();
  }

  private takeOpened(fileName: string): ByteStore {
    const store = this.opened.get(fileName);
    if (!store) throw new Error(`The recording file ${fileName} is not open`);
    this.opened.delete(fileName);
    return store;
  }

  /** Part 0 is the page's file; later parts are the spare opened ahead (another is opened at once). */
  private nextFile(): RecordingFileRef {
    if (!this.firstNamed) {
      this.firstNamed = true;
      return this.cmd.file;
    }
    const spare = this.spare;
    if (!spare) {
      if (this.spareFailure !== null) throw this.spareFailure;
      throw new Error('The next part of the recording is not open yet');
    }
    this.spare = null;
    this.opened.set(spare.file.fileName, spare.store);
    this.prepareSpare();
    return spare.file;
  }

  /** Opens the next split part in the background (only when splitting, one at a time). */
  private prepareSpare(): void {
    if (!this.cmd.split || this.spare || this.spareJob || this.spareFailure !== null || this.over) return;
    const file = this.deps.newFile();
    this.created.add(file.fileName);
    this.spareJob = this.deps
      .openFile(file.fileName)
      .then(
        (store) => {
          this.spare = { file, store };
        },
        (e: unknown) => {
          this.spareFailure = e;
        },
      )
      .finally(() => {
        this.spareJob = null;
      });
  }

  /** Closes what the writer never took and removes the split parts the page never heard of. */
  private async discardUnused(): Promise<void> {
    await this.spareJob;
    if (this.spare) this.opened.set(this.spare.file.fileName, this.spare.store);
    this.spare = null;
    for (const store of this.opened.values()) closeQuietly(store);
    this.opened.clear();
    for (const name of this.created) {
      if (this.announced.has(name)) continue;
      await this.deps.removeFile(name).catch(() => undefined);
    }
  }

  private postError(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.deps.post({ type: 'error', session: this.id, name: err.name, message: err.message, fatal: true });
  }
}

/** Frames posted by the page, in arrival order; closed by `stop` (nothing after it is taken). */
class MessageSource implements FrameSource {
  private queue: SourceFrame[] = [];
  private head = 0;
  private next = 0;
  private closed = false;
  private waiter: (() => void) | null = null;

  push(f: SourceFrame): void {
    if (this.closed) return;
    this.queue.push(f);
    this.notify();
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  peek(): SourceFrame | null {
    return this.queue[this.head] ?? null;
  }

  advance(): void {
    const f = this.queue[this.head];
    if (!f) throw new Error('advance() without a frame from peek()');
    this.next = f.seq + 1;
    this.head++;
    if (this.head >= 64 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  wait(): Promise<void> {
    if (this.peek() || this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  position(): number {
    return this.peek()?.seq ?? this.next;
  }

  isClosed(): boolean {
    return this.closed;
  }

  detach(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.notify();
  }

  private notify(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

function closeQuietly(store: ByteStore): void {
  try {
    store.close();
  } catch {
    // Already closed or gone: nothing left to release.
  }
}
