import { MESSAGES } from '../format/errors';
import {
  InspectError,
  inspectRecording,
  type InspectOptions,
  type InspectSummary,
  type InspectTarget,
} from '../app/inspect-client';
import { openDatabase, type OmvDatabase, type RecordingRecord } from './db';
import { InvalidNameError, RecordingNotFoundError, abortError, isQuotaError, notEnoughSpace } from './errors';
import { recordingFileName, recordingsDirectory } from './opfs-dir';
import { formatBytes } from './units';

export type { RecordingRecord } from './db';

/** Longest name a recording may have, after trimming. */
export const MAX_NAME_LENGTH = 200;

export interface ImportOptions {
  /** Cancels the import; it then rejects with an AbortError and leaves nothing behind. */
  signal?: AbortSignal;
  /** Bytes copied so far, of `total` (the file's size); called once per chunk. */
  onProgress?: (done: number, total: number) => void;
}

export interface StorageEstimateInfo {
  /** Bytes this origin uses. */
  usage: number;
  /** Bytes the browser lets it use. */
  quota: number;
  /** True once the browser promised not to evict the origin's storage under pressure. */
  persisted: boolean;
}

/** How the repository inspects a stream before accepting it (the inspect worker's client by default). */
export type Inspect = (target: InspectTarget, opts?: InspectOptions) => Promise<InspectSummary>;

export interface RepositoryOptions {
  inspect?: Inspect;
  /** Database name, for tests that want a clean one. */
  dbName?: string;
}

/**
 * The library: stream bytes in OPFS (one file per recording), metadata in IndexedDB. Every mutation
 * dispatches a `change` event so lists refresh. An import is all or nothing: until its record is
 * written, a failure or a cancel removes the partial OPFS file, and no record points at a missing file.
 */
export class RecordingsRepository extends EventTarget {
  private db: Promise<OmvDatabase> | null = null;

  private constructor(
    private readonly inspect: Inspect,
    private readonly dbName: string | undefined,
  ) {
    super();
  }

  /** Opens the database (creating or upgrading it) and returns the repository. */
  static async open(opts: RepositoryOptions = {}): Promise<RecordingsRepository> {
    const repo = new RecordingsRepository(opts.inspect ?? inspectRecording, opts.dbName);
    await repo.database();
    return repo;
  }

  /** Every recording, newest first. */
  async list(): Promise<RecordingRecord[]> {
    const all = await (await this.database()).getAllFromIndex('recordings', 'by-date');
    return all.reverse();
  }

  /** One recording's metadata, or undefined. */
  async get(id: string): Promise<RecordingRecord | undefined> {
    return (await this.database()).get('recordings', id);
  }

  /**
   * Inspects `file` (so a non-stream is refused before anything is copied), copies it into OPFS with
   * progress, then records it. Rejects with the inspect error, an AbortError, or a QuotaExceededError
   * whose message starts "Not enough storage space".
   */
  async importFile(file: File, opts: ImportOptions = {}): Promise<RecordingRecord> {
    const { signal, onProgress } = opts;
    signal?.throwIfAborted();
    const summary = await this.inspect(file, { signal, name: file.name });
    signal?.throwIfAborted();
    await this.checkRoom(file);

    const id = crypto.randomUUID();
    const fileName = recordingFileName(id);
    let dir: FileSystemDirectoryHandle | null = null;
    try {
      // Even creating the folder can exceed the quota: every step of the copy is inside the try.
      dir = await recordingsDirectory();
      const handle = await dir.getFileHandle(fileName, { create: true });
      const writable = await handle.createWritable();
      let done = 0;
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(chunk);
          done += chunk.byteLength;
          onProgress?.(done, file.size);
        },
      });
      // pipeTo aborts the writable on error or abort, which discards what it had written (the swap file).
      await file.stream().pipeThrough(counter).pipeTo(writable, { signal });
      if (signal?.aborted) throw signal.reason ?? abortError('The import');
      const record: RecordingRecord = {
        id,
        name: defaultName(file.name),
        fileName,
        createdAt: Date.now(),
        ...summaryFields(summary),
        bytes: file.size,
        origin: 'imported',
      };
      const db = await this.database();
      const tx = db.transaction('recordings', 'readwrite');
      await Promise.all([tx.store.add(record), tx.done]);
      this.changed();
      return record;
    } catch (e) {
      if (dir) await removeQuietly(dir, fileName);
      if (isQuotaError(e))
        throw notEnoughSpace(`"${file.name}" (${formatBytes(file.size)}) did not fit; nothing was kept`);
      throw e;
    }
  }

  /**
   * Catalogs a camera recording as it starts: an entry marked in progress, with no frames yet, pointing at
   * the OPFS file the recorder worker is about to create. The counts grow through {@link updateRecording}.
   */
  async beginRecording(entry: {
    id: string;
    fileName: string;
    name: string;
    createdAt: number;
  }): Promise<void> {
    const record: RecordingRecord = {
      ...entry,
      name: defaultName(entry.name),
      bytes: 0,
      version: 'V2.0',
      frames: 0,
      durationMs: 0,
      formats: [],
      width: 0,
      height: 0,
      thumbnail: null,
      damage: null,
      origin: 'recorded',
      inProgress: true,
    };
    await this.put(record);
  }

  /** The growing counts of a recording in progress (what is durable in its file so far). */
  async updateRecording(
    id: string,
    counts: { frames: number; bytes: number; durationMs: number },
  ): Promise<void> {
    const db = await this.database();
    const tx = db.transaction('recordings', 'readwrite');
    const record = await tx.store.get(id);
    if (!record) {
      await tx.done;
      return;
    }
    await Promise.all([tx.store.put({ ...record, ...counts }), tx.done]);
    this.changed();
  }

  /**
   * Ends a recording: inspects its closed file (summary, formats, thumbnail) and clears the in-progress
   * mark. A file without a single complete frame is deleted with its entry, and null is returned.
   */
  async finishRecording(
    id: string,
    origin: 'recorded' | 'recovered' = 'recorded',
  ): Promise<RecordingRecord | null> {
    const record = await this.require(id);
    let summary: InspectSummary | null = null;
    try {
      summary = await this.inspect({ opfsName: record.fileName }, { name: record.name });
    } catch (e) {
      // The worker died before creating the file, or before its 16-byte magic reached the disk.
      if (!isMissingOrEmpty(e)) throw e;
    }
    if (!summary || summary.count === 0) {
      await this.delete(id);
      return null;
    }
    const next: RecordingRecord = {
      ...record,
      ...summaryFields(summary),
      origin,
      inProgress: false,
    };
    await this.put(next);
    return next;
  }

  /** Entries still marked in progress (being recorded by some tab, or left behind by one that closed). */
  async inProgress(): Promise<RecordingRecord[]> {
    return (await this.list()).filter((r) => r.inProgress);
  }

  /** Stream files in the recordings folder that no entry points at (a tab closed between the two). */
  async orphanFiles(): Promise<string[]> {
    const known = new Set((await this.list()).map((r) => r.fileName));
    const orphans: string[] = [];
    const dir = await recordingsDirectory();
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
      if (/^rec-.*\.bin$/.test(name) && !known.has(name)) orphans.push(name);
    }
    return orphans;
  }

  /** The recording's bytes as a File named after the recording. */
  async getFile(id: string): Promise<File> {
    const record = await this.require(id);
    const handle = await (await recordingsDirectory()).getFileHandle(record.fileName);
    const file = await handle.getFile();
    return new File([file], record.name, {
      type: 'application/octet-stream',
      lastModified: record.createdAt,
    });
  }

  /** The OPFS file name holding the recording (in the recordings directory), for workers to open. */
  async opfsName(id: string): Promise<string> {
    return (await this.require(id)).fileName;
  }

  /** Renames a recording; the name is trimmed and must have 1 to 200 characters. */
  async rename(id: string, name: string): Promise<RecordingRecord> {
    const clean = validName(name);
    const db = await this.database();
    const tx = db.transaction('recordings', 'readwrite');
    const record = await tx.store.get(id);
    if (!record) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new RecordingNotFoundError(id);
    }
    const next = { ...record, name: clean };
    await Promise.all([tx.store.put(next), tx.done]);
    this.changed();
    return next;
  }

  /** Deletes the OPFS file, then the record. A file already missing is fine; an unknown id is a no-op. */
  async delete(id: string): Promise<void> {
    const db = await this.database();
    const record = await db.get('recordings', id);
    if (!record) return;
    await removeQuietly(await recordingsDirectory(), record.fileName, true);
    const tx = db.transaction('recordings', 'readwrite');
    await Promise.all([tx.store.delete(id), tx.done]);
    this.changed();
  }

  /** Storage this origin uses and may use, and whether the browser promised to keep it. */
  async estimate(): Promise<StorageEstimateInfo> {
    const [est, persisted] = await Promise.all([
      navigator.storage.estimate(),
      navigator.storage.persisted ? navigator.storage.persisted() : Promise.resolve(false),
    ]);
    return { usage: est.usage ?? 0, quota: est.quota ?? 0, persisted };
  }

  /** Asks the browser not to evict the library under storage pressure; true when granted. */
  async requestPersistence(): Promise<boolean> {
    const granted = navigator.storage.persist ? await navigator.storage.persist() : false;
    this.changed();
    return granted;
  }

  /** Writes one record and tells the lists. */
  private async put(record: RecordingRecord): Promise<void> {
    const db = await this.database();
    const tx = db.transaction('recordings', 'readwrite');
    await Promise.all([tx.store.put(record), tx.done]);
    this.changed();
  }

  private async require(id: string): Promise<RecordingRecord> {
    const record = await this.get(id);
    if (!record) throw new RecordingNotFoundError(id);
    return record;
  }

  /** Refuses at once a file that cannot fit, instead of failing after copying most of it. */
  private async checkRoom(file: File): Promise<void> {
    const { usage, quota } = await this.estimate();
    if (quota > 0 && file.size > quota - usage) {
      throw notEnoughSpace(
        `"${file.name}" needs ${formatBytes(file.size)} and the browser allows ${formatBytes(Math.max(0, quota - usage))} more`,
      );
    }
  }

  private database(): Promise<OmvDatabase> {
    if (!this.db) {
      // Reopened lazily after we close for another tab's upgrade or the browser closed the connection.
      const forget = () => {
        const old = this.db;
        this.db = null;
        void old?.then((d) => d.close()).catch(() => {});
      };
      const opening = openDatabase({ onBlocking: forget, onTerminated: forget }, this.dbName);
      this.db = opening;
      opening.catch(() => {
        if (this.db === opening) this.db = null;
      });
    }
    return this.db;
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

/** What an inspection says about a stream, as the record stores it. */
function summaryFields(s: InspectSummary) {
  return {
    bytes: s.bytes,
    version: s.version,
    frames: s.count,
    durationMs: s.durationMs,
    formats: s.formats,
    width: s.width,
    height: s.height,
    thumbnail: s.thumbnail,
    damage: s.damage,
  } satisfies Partial<RecordingRecord>;
}

function isMissingOrEmpty(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'NotFoundError') return true;
  return e instanceof InspectError && e.detail === MESSAGES.shortRead;
}

function validName(name: string): string {
  const clean = name.trim();
  if (!clean) throw new InvalidNameError('A recording needs a name');
  if (clean.length > MAX_NAME_LENGTH)
    throw new InvalidNameError(
      `A name can have at most ${MAX_NAME_LENGTH} characters (this one has ${clean.length})`,
    );
  return clean;
}

function defaultName(fileName: string): string {
  const clean = fileName.trim();
  return (clean || 'Untitled recording').slice(0, MAX_NAME_LENGTH);
}

/** Removes an OPFS file; a missing one is fine. With `strict`, other failures (file in use) propagate. */
async function removeQuietly(dir: FileSystemDirectoryHandle, name: string, strict = false): Promise<void> {
  try {
    await dir.removeEntry(name);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'NotFoundError') return;
    if (strict) throw e;
  }
}
