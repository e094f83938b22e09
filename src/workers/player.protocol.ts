import type { Damage } from '../format/index';
import type { ShownFrame } from '../player/scheduler';

/** Where the player reads a recording from. */
export type PlayerSource =
  | { kind: 'file'; file: File }
  /** A file in OPFS: `name` inside the folder `dir` (the root when omitted). */
  | { kind: 'opfs'; dir?: string; name: string; displayName: string }
  | { kind: 'bytes'; bytes: ArrayBuffer; name: string };

/** Page → player worker. Requests with an `id` get exactly one reply carrying that id. */
export type PlayerCommand =
  | { type: 'init'; canvas: OffscreenCanvas }
  | { type: 'open'; id: number; source: PlayerSource }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'seek'; frame: number }
  | { type: 'seekTime'; ms: number }
  | { type: 'step'; delta: number }
  | { type: 'speed'; value: number }
  | { type: 'loop'; value: boolean }
  | { type: 'pacing'; value: boolean }
  | { type: 'swapRgb565'; value: boolean }
  /** In/out points (frame indices, inclusive): playback loops within them. Null: the whole recording. */
  | { type: 'selection'; range: { from: number; to: number } | null }
  | { type: 'snapshot'; id: number }
  | { type: 'report'; id: number; clear: boolean }
  | { type: 'repair'; id: number }
  | { type: 'close' };

/** What the page learns about a recording when it opens. */
export interface StreamSummary {
  name: string;
  /** "V1.0", "V1.1", "V2.0" or "V2.1". */
  version: string;
  count: number;
  /** Time from the first to the last frame. */
  spanMs: number;
  bytes: number;
  damage: Damage | null;
  /** Pixel format names present, in order of first appearance. */
  formats: string[];
  maxWidth: number;
  maxHeight: number;
  /** Time of each frame from frame 0 (ms): the position slider's scale. */
  times: Float64Array;
}

/** The frame on screen, as a person reads it. */
export interface FrameState {
  index: number;
  timeMs: number;
  width: number;
  height: number;
  pixformat: string;
  pixformatCode: number;
  size: number;
  offset: number;
  elapsed: number;
  elapsedMs: number;
}

export interface PlayerState {
  playing: boolean;
  speed: number;
  loop: boolean;
  swapRgb565: boolean;
  /** Frames skipped to keep time since the recording was opened. */
  skipped: number;
  frame: FrameState | null;
  /** Why the current frame could not be drawn, if it could not. */
  frameError: string | null;
}

/** Player worker → page. */
export type PlayerEvent =
  | { type: 'opened'; id: number; summary: StreamSummary }
  | { type: 'state'; state: PlayerState }
  | { type: 'snapshot'; id: number; index: number; width: number; height: number; rgba: ArrayBuffer }
  | { type: 'report'; id: number; shown: ShownFrame[]; skipped: number }
  | { type: 'repaired'; id: number; file: File; frames: number; bytes: number }
  | { type: 'error'; id: number | null; name: string; message: string };

/** "V2.0" from 20. */
export const versionLabel = (v: number): string => `V${Math.floor(v / 10)}.${v % 10}`;
