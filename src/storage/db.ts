import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** The name of the app's one IndexedDB database. */
export const DB_NAME = 'omv-recorder';
/** Bump when the schema changes, and add a step to {@link upgrade}. */
export const DB_VERSION = 1;

/**
 * Where a recording came from: a file the user imported, a camera recording that was stopped normally, or
 * one whose tab closed or crashed mid-recording and was indexed and cut to its last complete frame on the
 * next start.
 */
export type RecordingOrigin = 'imported' | 'recorded' | 'recovered';

/** Where a stream stops being readable (the engine's `damage()`), as stored. */
export interface RecordingDamage {
  frameIndex: number;
  offset: number;
  reason: string;
}

/** One recording in the library: its metadata here, its bytes in OPFS under `fileName`. */
export interface RecordingRecord {
  id: string;
  /** What a person calls it (the imported file's name at first). */
  name: string;
  /** The OPFS file holding the stream, e.g. `rec-<id>.bin`, in the recordings directory. */
  fileName: string;
  /** When it entered the library, ms since the epoch. */
  createdAt: number;
  bytes: number;
  /** The stream version as its magic spells it, e.g. `V2.0`. */
  version: string;
  frames: number;
  durationMs: number;
  /** Pixel format names present, in order of first appearance. */
  formats: string[];
  /** Geometry of the largest frame. */
  width: number;
  height: number;
  /** A PNG that fits 160×120, or null when the first frame cannot be decoded. */
  thumbnail: Blob | null;
  damage: RecordingDamage | null;
  origin: RecordingOrigin;
  /**
   * True while a tab is writing the file (the counts grow about once a second). A record still marked so
   * when no tab holds its Web Lock belongs to a tab that closed or crashed: the next start recovers it.
   * Absent on records written before recording existed (same meaning as false).
   */
  inProgress?: boolean;
}

/** The typed schema: one store, `recordings`, keyed by id, indexed by date. */
export interface OmvSchema extends DBSchema {
  recordings: {
    key: string;
    value: RecordingRecord;
    indexes: { 'by-date': number };
  };
}

export type OmvDatabase = IDBPDatabase<OmvSchema>;

export interface OpenDatabaseOptions {
  /** Another tab asks for a newer version: close so its upgrade is not blocked. */
  onBlocking?: () => void;
  /** The browser closed the connection (storage cleared, disk error). */
  onTerminated?: () => void;
}

/**
 * Opens (creating or upgrading) the database. Every version's step runs in order, so a browser that
 * skipped versions arrives at the same schema as one that saw each of them.
 */
export function openDatabase(opts: OpenDatabaseOptions = {}, name = DB_NAME): Promise<OmvDatabase> {
  return openDB<OmvSchema>(name, DB_VERSION, {
    upgrade: (db, oldVersion) => upgrade(db, oldVersion),
    blocking: () => opts.onBlocking?.(),
    terminated: () => opts.onTerminated?.(),
  });
}

function upgrade(db: OmvDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    const recordings = db.createObjectStore('recordings', { keyPath: 'id' });
    recordings.createIndex('by-date', 'createdAt');
  }
  // Later versions: `if (oldVersion < 2) { ... }`, using the upgrade transaction for data moves.
}
