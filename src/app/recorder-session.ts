import { RingReader, type FrameRing } from '../ring';
import type { RecordingRecord, RecordingsRepository } from '../storage/recordings';
import { recordingFileName } from '../storage/opfs-dir';
import type {
  RecorderCommand,
  RecorderEvent,
  RingStart,
  WorkerRingStart,
} from '../workers/recorder.protocol';
import { fileLock, tryLock } from './recorder-lock';

/** What a session reports to the recorder service. */
export interface SessionListener {
  /** Durable totals over every file of the session so far. */
  progress(totals: { frames: number; bytes: number; durationMs: number }): void;
  /** A file was closed and cataloged (null when it held no complete frame and was removed). */
  saved(record: RecordingRecord | null, reason: string, message: string | undefined): void;
  /** Something went wrong that the user must hear about (the session goes on or ends by itself). */
  problem(message: string): void;
}

export interface SessionOptions {
  ring: FrameRing;
  /** The page reads the ring itself and posts frames (no SharedArrayBuffer in this page). */
  viaMessages: RingReader | null;
  readerId: number;
  from: RingStart;
  stopAfterUs: number | null;
  split?: { maxBytes?: number; maxMs?: number };
  /** The first file's catalog name; split parts add " (part N)". */
  name: string;
  repo: RecordingsRepository;
  listener: SessionListener;
}

let nextSession = 1;

/**
 * One recording session: a recorder worker writing the frames of one ring reader into one or more OPFS
 * files (more when split), each cataloged as it starts, updated as it grows and finished when it closes.
 * Each file is Web-Locked by name while open, so a later start can tell a live file from an orphan.
 */
export class RecorderSession {
  readonly id = nextSession++;
  private readonly worker: Worker;
  private readonly releases = new Map<string, () => void>();
  /** Ids of the files cataloged so far (part 0 before the start, split parts as the worker names them). */
  private readonly cataloged = new Set<string>();
  /** Durable totals of closed files plus the current file's latest progress. */
  private closed = { frames: 0, bytes: 0, durationMs: 0 };
  private current = { frames: 0, bytes: 0, durationMs: 0 };
  private finishing: Promise<unknown>[] = [];
  private resolveDone!: () => void;
  /** Settles once the worker has closed every file and each is cataloged. */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));
  private ended = false;
  /** The ring reader of this session is attached (by this page, then by the worker). */
  private holding = false;
  stopAfterUs: number | null;

  constructor(private readonly opts: SessionOptions) {
    this.stopAfterUs = opts.stopAfterUs;
    this.worker = new Worker(new URL('../workers/recorder.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<RecorderEvent>) => void this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.opts.listener.problem(`The recorder stopped: ${e.message || 'its worker failed'}`);
      void this.end();
    };
  }

  /** Catalogs and locks the first file, then starts the worker on it. */
  async start(): Promise<void> {
    const { ring, viaMessages, readerId, from, split } = this.opts;
    // Hold the ring from `from` on right now, on this thread: the worker takes the reader over when it
    // is up ('resume'), so no frame is overwritten while it loads and opens its file.
    let start: WorkerRingStart = from;
    if (!viaMessages) {
      const hold = new RingReader(ring, readerId, 'every');
      hold.attach(from);
      hold.handOver();
      this.holding = true;
      start = 'resume';
    }
    const id = crypto.randomUUID();
    const fileName = recordingFileName(id);
    await this.catalog(id, fileName, this.opts.name);
    const source: RecorderCommand & { type: 'start' } = {
      type: 'start',
      session: this.id,
      file: { id, fileName },
      source: viaMessages
        ? { kind: 'messages' }
        : { kind: 'ring', buffer: ring.buffer as SharedArrayBuffer, readerId, from: start },
      split,
      stopAfterUs: this.stopAfterUs,
    };
    this.send(source);
    if (viaMessages) this.pump();
  }

  /** Fallback path: posts every frame the page-side reader has not yet sent (copies, transferred). */
  pump(): void {
    const reader = this.opts.viaMessages;
    if (!reader || this.ended) return;
    for (let f = reader.read(); f; f = reader.read()) {
      const data = f.data.slice().buffer as ArrayBuffer;
      this.send(
        {
          type: 'frame',
          session: this.id,
          frame: {
            width: f.width,
            height: f.height,
            pixformat: f.pixformat,
            size: f.size,
            timeUs: f.timeUs,
            seq: f.seq,
            data,
          },
        },
        [data],
      );
    }
  }

  /** Pre-trigger: save every frame up to `timeUs`, then end (a later call extends the window). */
  extend(timeUs: number): void {
    this.stopAfterUs = timeUs;
    this.send({ type: 'stop-after', session: this.id, timeUs });
  }

  /** Ends the session after the frames before ring seq `untilSeq` (every frame received before the click). */
  stop(untilSeq: number): void {
    this.pump();
    this.send({ type: 'stop', session: this.id, untilSeq });
  }

  totals(): { frames: number; bytes: number; durationMs: number } {
    return {
      frames: this.closed.frames + this.current.frames,
      bytes: this.closed.bytes + this.current.bytes,
      durationMs: this.closed.durationMs + this.current.durationMs,
    };
  }

  private async receive(e: RecorderEvent): Promise<void> {
    const { listener, repo } = this.opts;
    switch (e.type) {
      case 'started':
        return;
      case 'fileStarted':
        // Split parts: the worker named the file; the first one was cataloged before the start.
        if (!this.cataloged.has(e.id)) {
          const part = `${this.opts.name} (part ${e.index + 1})`;
          await this.catalog(e.id, e.fileName, part).catch((err: unknown) => listener.problem(message(err)));
        }
        return;
      case 'progress':
        this.current = { frames: e.frames, bytes: e.bytes, durationMs: e.durationMs };
        listener.progress(this.totals());
        void repo
          .updateRecording(e.id, { frames: e.frames, bytes: e.bytes, durationMs: e.durationMs })
          .catch(() => undefined);
        return;
      case 'fileDone': {
        this.closed = {
          frames: this.closed.frames + e.frames,
          bytes: this.closed.bytes + e.bytes,
          durationMs: this.closed.durationMs + e.durationMs,
        };
        this.current = { frames: 0, bytes: 0, durationMs: 0 };
        listener.progress(this.totals());
        const finishing = repo
          .finishRecording(e.id)
          .then((record) => listener.saved(record, e.reason, e.message))
          .catch((err: unknown) => listener.problem(`The recording could not be cataloged: ${message(err)}`))
          .finally(() => this.release(e.id));
        this.finishing.push(finishing);
        return;
      }
      case 'stopped':
        await this.end();
        return;
      case 'error':
        listener.problem(e.message);
        if (e.fatal) await this.end();
        return;
      case 'recovered':
        return;
    }
  }

  private async catalog(id: string, fileName: string, name: string): Promise<void> {
    const lock = await tryLock(fileLock(fileName));
    if (typeof lock === 'function') this.releases.set(id, lock);
    this.cataloged.add(id);
    await this.opts.repo.beginRecording({ id, fileName, name, createdAt: Date.now() });
  }

  private release(id: string): void {
    this.releases.get(id)?.();
    this.releases.delete(id);
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await Promise.allSettled(this.finishing);
    this.worker.terminate();
    this.opts.viaMessages?.detach();
    // A worker that failed or never started leaves the reader attached: it would hold the writer back.
    if (this.holding) this.opts.ring.releaseReader(this.opts.readerId);
    // A file the worker never reported closed (it failed) keeps its lock until here; recovery takes it.
    for (const release of this.releases.values()) release();
    this.releases.clear();
    this.resolveDone();
  }

  private send(cmd: RecorderCommand, transfer: Transferable[] = []): void {
    if (!this.ended) this.worker.postMessage(cmd, transfer);
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
