/**
 * Messages of the recorder worker (a discriminated union; errors cross as {name, message}). The worker
 * owns the OPFS sync access handles of the files it writes; one session at a time per worker.
 *
 * A session: `start` → `started` → (`fileStarted` → `progress`* → `fileDone`)+ → `stopped`. Every file
 * the worker names (split parts) is announced by `fileStarted` before anything else is said about it;
 * part 0 is the file the page named in `start` (its `fileStarted` comes with its first frame, or at the
 * end for a recording that got none).
 */

/** Where a ring reader starts: frames written from now, every frame held, or the first held at/after a time. */
export type RingStart = 'next' | 'oldest' | { sinceUs: number };

/**
 * Where the worker's ring reader starts: a {@link RingStart}, or 'resume': the page attached the reader
 * on this id already and handed it over (so no frame is overwritten while the worker starts up).
 */
export type WorkerRingStart = RingStart | 'resume';

/** A recording file: its library id and its OPFS name (`recordingFileName(id)`). */
export interface RecordingFileRef {
  id: string;
  fileName: string;
}

/** When to start a new file (picamera's `split_recording`): whichever limit comes first. */
export interface SplitLimits {
  /** A file never grows past this many bytes (magic included), except a file's single first frame. */
  maxBytes?: number;
  /** A frame this many ms or more after its file's first frame starts the next file. */
  maxMs?: number;
}

/** Where the frames come from: the ring itself (SharedArrayBuffer), or `frame` messages from the page. */
export type RecorderSource =
  { kind: 'ring'; buffer: SharedArrayBuffer; readerId: number; from: WorkerRingStart } | { kind: 'messages' };

/** One frame sent by message (no SharedArrayBuffer): `data` is the payload, transferred. */
export interface FrameMessage {
  width: number;
  height: number;
  pixformat: number;
  /** The `image_t.size` field (the JPEG/PNG length). */
  size: number;
  /** Capture time, µs on the ring's monotonic clock. */
  timeUs: number;
  /** The frame's ring seq. */
  seq: number;
  data: ArrayBuffer;
}

/** Page → recorder worker. */
export type RecorderCommand =
  | {
      type: 'start';
      session: number;
      /** Part 0: created (or truncated) by the worker; the page catalogs it before starting. */
      file: RecordingFileRef;
      source: RecorderSource;
      split?: SplitLimits;
      /** Pre-trigger window: write frames with timeUs <= this, end at the first frame past it. */
      stopAfterUs?: number | null;
    }
  | { type: 'frame'; session: number; frame: FrameMessage }
  /** Sets (or moves: extends) the end of a pre-trigger window. */
  | { type: 'stop-after'; session: number; timeUs: number }
  /**
   * Ends the session after the frames with seq < untilSeq (ring: waits for the reader to get there,
   * unless the ring closes first); without it, after the frame being written. For a `messages` source
   * no frame after `stop` is taken: the page posts its frames before it.
   */
  | { type: 'stop'; session: number; untilSeq?: number }
  /** Cuts a file's damaged tail (a crashed recording) to its last complete frame. */
  | { type: 'recover'; requestId: number; fileName: string };

/** Why a file was closed: 'quota' and 'error' end the session too. */
export const FILE_DONE_REASON = {
  stopped: 'stopped',
  split: 'split',
  quota: 'quota',
  error: 'error',
} as const;
export type FileDoneReason = (typeof FILE_DONE_REASON)[keyof typeof FILE_DONE_REASON];

/** A file was opened and its magic written (it is a valid stream from now on). */
export interface FileStartedInfo extends RecordingFileRef {
  /** The file's first frame's capture time; null for part 0 of a recording that got no frame at all. */
  firstFrameUs: number | null;
  /** 0-based part number. */
  index: number;
}

/** Durable state of the file being written (sent after each flush, about once a second). */
export interface FileProgressInfo {
  id: string;
  frames: number;
  /** Bytes durably in the file. */
  bytes: number;
  /** Sum of the stored frame intervals: what a player shows as the length. */
  durationMs: number;
}

/** A file was closed: it holds `frames` complete frames and ends after the last one. */
export interface FileDoneInfo extends FileProgressInfo {
  fileName: string;
  reason: FileDoneReason;
  /** For 'quota' and 'error': what happened and how many frames were kept, in words. */
  message?: string;
}

/** What `recover` found and kept. */
export interface RecoveredInfo {
  frames: number;
  /** File length after the repair. */
  bytes: number;
  durationMs: number;
  /** Bytes of a damaged tail cut off (0 for a clean file). */
  truncatedBytes: number;
  /** As the magic spells it, e.g. `V2.0`. */
  version: string;
}

/** Recorder worker → page. */
export type RecorderEvent =
  /** Attached and writing; `startSeq` is the ring seq of the first frame it will take (null: messages). */
  | { type: 'started'; session: number; startSeq: number | null }
  | ({ type: 'fileStarted'; session: number } & FileStartedInfo)
  | ({ type: 'progress'; session: number } & FileProgressInfo)
  | ({ type: 'fileDone'; session: number } & FileDoneInfo)
  /** Every file of the session is closed and the ring reader detached. */
  | { type: 'stopped'; session: number }
  /**
   * `fatal`: the session could not go on (a failed start, a ring failure); its files are closed and a
   * `stopped` follows. A storage failure while writing is reported by `fileDone` ('quota' / 'error').
   */
  | { type: 'error'; session?: number; requestId?: number; name: string; message: string; fatal: boolean }
  | ({ type: 'recovered'; requestId: number; fileName: string } & RecoveredInfo);

/** How long the ring loop sleeps on the ring when no frame is ready (a `stop` wakes it at once). */
export const RECORDER_WAIT_MS = 250;
/** Flush-cadence timer period: frames are durable within about a second plus this. */
export const RECORDER_TICK_MS = 250;
