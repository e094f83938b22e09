import type { Timing } from '../harness';

export type StreamKind = 'qvga' | 'jpeg';

/** Page → bench worker. */
export type BenchRequest =
  | { type: 'opfs-index'; kind: StreamKind }
  /** Writes a stream into OPFS and leaves it there (for the player to open); replies with its name. */
  | { type: 'make-file'; kind: StreamKind }
  | { type: 'remove-file'; name: string };

/** Bench worker → page. */
export type BenchReply =
  | {
      type: 'opfs-index';
      frames: number;
      bytes: number;
      readWhole: Timing;
      index: Timing;
      floor: Timing;
      writeMs: number;
    }
  | { type: 'made'; name: string; bytes: number; frames: number; index: Timing }
  | { type: 'removed' }
  | { type: 'error'; name: string; message: string };

/** What the page-side player benches return. */
export interface FpsResult {
  frames: number;
  fps: number;
  /** Baseline: the same frames through the same decoder, with no read, scheduling or drawing. */
  decodeOnlyFps: number;
}

/** Page → recorder bench worker (recorder-bench.worker.ts), one request at a time. */
export type RecorderBenchRequest =
  /** `bytes` bytes into a new OPFS file through a sync access handle: 1 MiB writes of `fill`, flush, close. */
  | { type: 'raw-write'; name: string; bytes: number; fill: Uint8Array }
  /**
   * `frames` frames (payloads cycled) through an ArrayBuffer frame ring and a RecordingWriter over an
   * OpfsStore, all in the worker's one thread: write to the ring, peek, add, advance; then finish.
   */
  | {
      type: 'writer-loop';
      name: string;
      width: number;
      height: number;
      pixformat: number;
      payloads: Uint8Array[];
      frames: number;
    };

/**
 * Recorder bench worker → page: milliseconds from the first write to the closed file, of which
 * `flushMs` went to the last flush and close.
 */
export type RecorderBenchReply =
  | { type: 'written'; ms: number; flushMs: number; frames: number; fileBytes: number }
  | { type: 'error'; name: string; message: string };

export type ThroughputKind = 'jpeg' | 'rgb565';

/** Raw OPFS writes against recordings of the same payload bytes (medians over the rounds). */
export interface ThroughputResult {
  frames: number;
  payloadBytes: number;
  averageFrameBytes: number;
  /** Size of one recording file (chunk headers and padding included). */
  fileBytes: number;
  ringSlots: number;
  ringBytes: number;
  /** Times per run the page found the ring full and waited a task (the recorder was behind). */
  fullRingWaits: number;
  raw: Timing;
  /** Page → SharedArrayBuffer ring → the app's recorder worker → OPFS. */
  session: Timing;
  /** The writer alone in one worker thread (ring, RecordingWriter, BatchedStore, OpfsStore). */
  writerLoop: Timing;
  /** Of `raw`: the final flush and close (median). */
  rawFlush: Timing;
  /** Every counted run, in order (ms). */
  samples: { raw: number[]; session: number[]; writerLoop: number[] };
}

/** The end-to-end page's counters. */
export interface E2eCounts {
  /** Frames the page received from the camera so far. */
  delivered: number;
  /** Frames the emulated board put in its stream buffer so far. */
  boardFrames: number;
  /** Frames the live view drew / skipped so far, and why its last frame failed (or null). */
  liveDrawn: number;
  liveStale: number;
  liveError: string | null;
  /** Durable frames of the recording in progress (RecorderService status). */
  recordingFrames: number;
  mode: string;
  message: string | null;
}

/** One recording of the end-to-end bench, after Stop (its files already deleted). */
export interface E2eRecorded {
  /** Frames the page received from the click on Record to the click on Stop. */
  deliveredWhileRecording: number;
  /** Frames in the saved files (as cataloged after closing). */
  recorded: number;
  files: number;
  bytes: number;
  durationMs: number;
  message: string | null;
}

/** What bench/browser/recorder-bench.ts puts on `window.omvBench` (typed here for the Node side). */
export interface RecorderBenchApi {
  recorderThroughput(kind: ThroughputKind, totalBytes: number, rounds: number): Promise<ThroughputResult>;
  recorder: {
    isolation(): { crossOriginIsolated: boolean; sharedArrayBuffer: boolean };
    /** Builds the app's services (once) and connects the demo camera at `fps`; resolves once frames flow. */
    connect(fps: number): Promise<void>;
    counts(): Promise<E2eCounts>;
    /** "Record". */
    record(): Promise<void>;
    /** "Stop recording": resolves once the files are closed and cataloged (then deletes them). */
    stop(): Promise<E2eRecorded>;
    disconnect(): Promise<void>;
  };
}
