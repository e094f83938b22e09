/** Messages of the inspect worker (a discriminated union; errors cross as {name, message}). */

/** What to open: a picked/dropped file (read in place) or a library file in OPFS. */
export type InspectSource = { kind: 'blob'; blob: Blob } | { kind: 'opfs'; fileName: string };

/** Where a stream stops being readable (the engine's `damage()`). */
export interface InspectDamage {
  frameIndex: number;
  offset: number;
  reason: string;
}

/** What the library needs to know about a stream, read from its frame index and first frame. */
export interface InspectSummary {
  /** As the magic spells it: `V1.0`, `V1.1`, `V2.0` or `V2.1`. */
  version: string;
  /** Complete frames. */
  count: number;
  durationMs: number;
  /** File length in bytes. */
  bytes: number;
  damage: InspectDamage | null;
  /** Pixel format names present, in order of first appearance. */
  formats: string[];
  /** Geometry of the largest frame (by area); 0 × 0 without frames. */
  width: number;
  height: number;
  /** The first frame as a PNG fitting 160×120, or null when it cannot be decoded (or there is none). */
  thumbnail: Blob | null;
}

/** Page → worker. */
export type InspectRequest =
  | { type: 'inspect'; id: number; source: InspectSource }
  /** The page gave up on job `id`: skip what is left of it. */
  | { type: 'cancel'; id: number };

/** Worker → page. */
export type InspectReply =
  | { type: 'result'; id: number; summary: InspectSummary }
  | { type: 'error'; id: number; name: string; message: string };

/** The thumbnail's box. */
export const THUMB_WIDTH = 160;
export const THUMB_HEIGHT = 120;
