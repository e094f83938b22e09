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
