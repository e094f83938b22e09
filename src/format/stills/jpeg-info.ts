/**
 * JPEG geometry without decoding (formats.md B §6.7: `Image("x.jpg")` keeps the file compressed and
 * takes w and h from the SOFn segment). Pure code.
 */
import { needBytes, readError } from './shared';

/** What {@link jpegInfo} reads from the frame header. */
export interface JpegInfo {
  width: number;
  height: number;
  /** Components in the frame: 1 (grey), 3 (YCbCr) or 4 (CMYK/YCCK). */
  components: number;
  /** SOF2, SOF6, SOF10 or SOF14. */
  progressive: boolean;
  /** The SOF marker's second byte: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, others rare. */
  marker: number;
}

const FMT = 'JPEG';

const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const hex = (m: number): string => 'FF' + m.toString(16).toUpperCase().padStart(2, '0');

/**
 * Walks the marker segments from SOI to the first SOFn (any of SOF0-3, 5-7, 9-11, 13-15, as the
 * firmware's `jpeg_read_geometry`) and returns its geometry. Fill bytes (FF FF ...) and standalone
 * markers (TEM, RSTn) are skipped.
 * @throws OSError for a missing SOI, a byte where a marker should be, a segment running past the end,
 *   SOS or EOI before any SOF, or an SOF with zero width, height or components.
 */
export function jpegInfo(bytes: Uint8Array): JpegInfo {
  needBytes(bytes, 0, 2, FMT, 'the SOI marker');
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw readError(
      'unsupportedFormat',
      FMT,
      0,
      `no SOI marker (FF D8): the file starts ${hexBytes(bytes, 0, 2)}`,
    );
  }
  let at = 2;
  for (;;) {
    needBytes(bytes, at, 2, FMT, 'a marker');
    if (bytes[at] !== 0xff) {
      throw readError('corrupted', FMT, at, `expected a marker (FF xx), found 0x${hexBytes(bytes, at, 1)}`);
    }
    let m = bytes[at + 1] as number;
    while (m === 0xff) {
      at++; // fill byte
      needBytes(bytes, at, 2, FMT, 'a marker');
      m = bytes[at + 1] as number;
    }
    const markerAt = at;
    at += 2;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // TEM, RSTn: no length
    if (m === 0xd8) throw readError('corrupted', FMT, markerAt, 'a second SOI before any SOF');
    if (m === 0xd9) throw readError('corrupted', FMT, markerAt, 'EOI before any SOF: no frame header');
    if (m === 0x00) throw readError('corrupted', FMT, markerAt, 'FF 00 where a marker should be');
    needBytes(bytes, at, 2, FMT, `the length of segment ${hex(m)}`);
    const length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (length < 2)
      throw readError('corrupted', FMT, at, `segment ${hex(m)} has length ${length} (at least 2)`);
    needBytes(bytes, at, length, FMT, `segment ${hex(m)}`);
    if (m === 0xda) throw readError('corrupted', FMT, markerAt, 'SOS before any SOF: no frame header');
    if (isSof(m)) {
      if (length < 8)
        throw readError('corrupted', FMT, at, `SOF segment ${hex(m)} has length ${length} (at least 8)`);
      const height = ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number);
      const width = ((bytes[at + 5] as number) << 8) | (bytes[at + 6] as number);
      const components = bytes[at + 7] as number;
      if (width === 0) throw readError('corrupted', FMT, at + 5, 'frame width is 0');
      if (height === 0) {
        throw readError(
          'unsupportedFormat',
          FMT,
          at + 3,
          'frame height is 0 (defined later by DNL): not supported',
        );
      }
      if (components === 0) throw readError('corrupted', FMT, at + 7, 'the frame has 0 components');
      if (length < 8 + 3 * components) {
        throw readError(
          'corrupted',
          FMT,
          at,
          `SOF length ${length} is too short for ${components} components`,
        );
      }
      return { width, height, components, progressive: (m & 3) === 2, marker: m };
    }
    at += length;
  }
}

function hexBytes(bytes: Uint8Array, at: number, n: number): string {
  return Array.from(bytes.subarray(at, at + n), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(
    ' ',
  );
}
