/**
 * Plumbing shared by the single-image writers and readers (formats.md B §6): the firmware's messages,
 * errors that name the offending value and its byte offset, and the `roi` rule of `Image.save`.
 * Pure code: no DOM, no Node.
 */
import { OSError, ValueError } from '../errors';

/**
 * The firmware's messages for `Image.save` / `Image(path)` (lib/imlib `file_utils.c`, `bmp.c`, `ppm.c`,
 * `imlib.c: imblib_parse_extension`, `py_helper.c`). Save-side rejections throw exactly these; reader
 * errors start with one of them and add what was wrong and where.
 */
export const STILL_MESSAGES = {
  /** `file_read_check` mismatch: a field that must hold one exact value holds another. */
  unexpectedValue: 'Unexpected value read!',
  /** `file_raise_format`: a valid file of a variant the reader does not handle. */
  unsupportedFormat: 'Unsupported format!',
  /** `file_raise_corrupted`: fields that contradict each other. */
  corrupted: 'File corrupted!',
  /** `ff_read_fail`: the file ends before the bytes a field or the pixels need. */
  shortRead: 'Failed to read requested bytes!',
  noIntersection: 'No intersection!',
  invalidRoi: 'Invalid ROI dimensions!',
  notBmp: 'Image is not BMP!',
  notPgm: 'Image is not PGM!',
  notPpm: 'Image is not PPM!',
  notBayer: 'Image is not BAYER!',
  quality: 'Error: 1 <= quality <= 100!',
} as const;

/** The reader failures, keyed as in {@link STILL_MESSAGES}. */
export type ReadFailure = 'unexpectedValue' | 'unsupportedFormat' | 'corrupted' | 'shortRead';

/**
 * An `OSError` whose message starts with the firmware's text and goes on to say which format, which
 * byte offset and what was found there, e.g.
 * `Unexpected value read! BMP at offset 54: red mask is 0x00007C00, expected 0x0000F800`.
 */
export function readError(kind: ReadFailure, format: string, offset: number, detail: string): OSError {
  return new OSError(`${STILL_MESSAGES[kind]} ${format} at offset ${offset}: ${detail}`);
}

/** Throws the short-read error unless `bytes` holds `count` bytes from `offset`. */
export function needBytes(
  bytes: Uint8Array,
  offset: number,
  count: number,
  format: string,
  what: string,
): void {
  if (offset + count > bytes.length) {
    const left = Math.max(0, bytes.length - offset);
    throw readError(
      'shortRead',
      format,
      offset,
      `${what} needs ${count} byte${count === 1 ? '' : 's'}, the file has ${left} left (length ${bytes.length})`,
    );
  }
}

/** `0x0000F800`-style hex for messages. */
export const hex32 = (v: number): string => '0x' + (v >>> 0).toString(16).toUpperCase().padStart(8, '0');
export const hex8 = (v: number): string => '0x' + (v & 0xff).toString(16).toUpperCase().padStart(2, '0');

/** `Image.save(roi=(x, y, w, h))`. */
export type Roi = readonly [x: number, y: number, w: number, h: number];

/** A clipped, non-empty rectangle inside the image. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The firmware's roi rule (formats.md B §6.1; `py_helper_keyword_rectangle`, `rectangle_subimg`): no
 * roi means the whole image; w or h below 1 is `OSError("Invalid ROI dimensions!")`; the rectangle is
 * clipped to the image and an empty intersection is `OSError("No intersection!")`.
 * @throws ValueError when `roi` is not four integers.
 */
export function clipRoi(width: number, height: number, roi?: Roi): Rect {
  if (roi === undefined) return { x: 0, y: 0, w: width, h: height };
  if (!Array.isArray(roi) || roi.length !== 4 || !roi.every((v) => Number.isSafeInteger(v))) {
    throw new ValueError(`roi must be four integers [x, y, w, h], got ${JSON.stringify(roi)}`);
  }
  const [x, y, w, h] = roi;
  if (w < 1 || h < 1) throw new OSError(STILL_MESSAGES.invalidRoi);
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(width, x + w);
  const y1 = Math.min(height, y + h);
  if (x1 <= x0 || y1 <= y0) throw new OSError(STILL_MESSAGES.noIntersection);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Bytes of an ASCII string (headers only). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
