/**
 * Messages of the GIF encode worker (one frame in, one image block out; errors cross as {name, message}).
 * The pool in src/export/gif-pool.ts speaks it; the worker runs `encodeFrameJob` (src/format/gif).
 */
import type { DitherMode, PaletteKind } from '../format/gif/index';

/** Page → worker: encode one frame. */
export interface GifEncodeRequest {
  type: 'encode';
  /** The job's position in the clip; echoed in the reply. */
  id: number;
  width: number;
  height: number;
  /** width × height × 4 bytes of RGBA, transferred. */
  rgba: ArrayBuffer;
  /** The global palette (RGB triplets) to map to, or null: build a local palette for this frame. */
  palette: Uint8Array | null;
  paletteKind: PaletteKind | 'auto';
  /** Same id, same palette: the worker keeps its colour cache between frames. */
  paletteId: number | null;
  dither: DitherMode;
}

/** Worker → page. */
export type GifEncodeReply =
  /** A complete image block (GCE with delay 0, image descriptor, optional local table, LZW data), transferred. */
  | { type: 'encoded'; id: number; block: Uint8Array }
  | { type: 'error'; id: number; name: string; message: string };
