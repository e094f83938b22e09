/** One camera frame on its way to the live-view worker (its bytes travel as a transferred buffer). */
export interface LiveFrame {
  seq: number;
  width: number;
  height: number;
  pixformat: number;
  /** Byte count for JPEG/PNG; whatever the header said for raw formats. */
  size: number;
  data: ArrayBuffer;
}

/** Page → live-view worker. */
export type LiveViewCommand =
  | { type: 'init'; canvas: OffscreenCanvas }
  | { type: 'frame'; frame: LiveFrame }
  /**
   * Draw from the frame ring instead of `frame` messages: the worker reads the newest frame itself
   * (reader `readerId`, 'latest' mode), so frames never travel through the page. null: back to messages.
   */
  | { type: 'ring'; buffer: SharedArrayBuffer | null; readerId: number }
  | { type: 'clear' }
  | { type: 'snapshot'; id: number };

/** Live-view worker → page. */
export type LiveViewEvent =
  /** A frame is on the canvas (or failed to decode); the page may send the next one. */
  | {
      type: 'drawn';
      seq: number;
      width: number;
      height: number;
      pixformat: number;
      /** Frames drawn since init. */
      drawn: number;
      /** Frames the worker skipped because a newer one was already waiting. */
      skipped: number;
      /** Why this frame could not be drawn, or null. */
      error: string | null;
    }
  | { type: 'snapshot'; id: number; width: number; height: number; rgba: ArrayBuffer }
  | { type: 'error'; name: string; message: string };
