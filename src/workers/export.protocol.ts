import type { PlayerSource } from './player.protocol';

/** What to export. Frame indices are of the recording; `to` is inclusive. */
export type ExportSpec =
  | {
      kind: 'gif';
      from: number;
      to: number;
      /** Output width; the height keeps the first frame's aspect. Omitted: the first frame's width. */
      width?: number;
      /** Playback speed multiplier applied to the delays (2 plays twice as fast). */
      speed: number;
      palette: 'global' | 'per-frame';
      dither: 'none' | 'floyd-steinberg' | 'bayer';
      loop: boolean;
    }
  | { kind: 'avi'; from: number; to: number; quality: number }
  | { kind: 'bin'; from: number; to: number }
  | {
      kind: 'still';
      frame: number;
      format: StillExportFormat;
      /** `[x, y, w, h]` in frame pixels. */
      roi?: [number, number, number, number];
      quality?: number;
      subsampling?: 'auto' | '444' | '422' | '420';
    };

export type StillExportFormat = 'bmp' | 'pgm' | 'ppm' | 'jpeg' | 'png';

/** Page → export worker. */
export type ExportCommand =
  /** `scratchName`: the file in {@link EXPORT_SCRATCH} to write (chosen by the page, which removes it on cancel). */
  | { type: 'run'; source: PlayerSource; spec: ExportSpec; name: string; scratchName: string }
  | { type: 'estimate'; source: PlayerSource; spec: ExportSpec & { kind: 'gif' } }
  | { type: 'cancel' };

/** Export worker → page. */
export type ExportEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; file: File; summary: string }
  | { type: 'estimate'; bytes: number; frames: number; width: number; height: number }
  | { type: 'cancelled' }
  | { type: 'error'; name: string; message: string };

/** OPFS folder the export worker writes into; emptied at the start of every job. */
export const EXPORT_SCRATCH = 'export-scratch';
