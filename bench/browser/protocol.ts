import type { Timing } from '../harness';

/** Page → bench worker. */
export type BenchRequest = { type: 'opfs-index'; kind: 'qvga' | 'jpeg' };

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
  | { type: 'error'; name: string; message: string };
