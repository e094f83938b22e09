import { ValueError } from '../errors';

/** Width and height a JPEG's frame header declares. */
export interface JpegSize {
  width: number;
  height: number;
}

/** SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not. */
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * The size in a JPEG's SOF segment, found by hopping from marker to marker by segment length: a few
 * steps over APPn/DQT/DHT headers, never a pass over the entropy-coded data. Throws ValueError (with the
 * byte offset) for bytes that are not a JPEG or lose their way before an SOF.
 */
export function jpegSize(jpeg: Uint8Array): JpegSize {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8)
    throw new ValueError('Not a JPEG: no SOI marker (FF D8) at byte 0');
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) throw new ValueError(`Not a JPEG: expected a marker at byte ${at}`);
    const marker = jpeg[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // TEM and RSTn stand alone
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or SOS before any SOF
    const length = ((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number);
    if (length < 2) throw new ValueError(`Not a JPEG: segment length ${length} at byte ${at + 2}`);
    if (isSof(marker)) {
      if (at + 9 > jpeg.length || length < 7)
        throw new ValueError(`Not a JPEG: SOF segment at byte ${at} is cut short`);
      const height = ((jpeg[at + 5] as number) << 8) | (jpeg[at + 6] as number);
      const width = ((jpeg[at + 7] as number) << 8) | (jpeg[at + 8] as number);
      return { width, height };
    }
    at += 2 + length;
  }
  throw new ValueError(`Not a JPEG: no SOF marker before byte ${Math.min(at, jpeg.length)}`);
}
