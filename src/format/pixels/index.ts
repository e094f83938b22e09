/**
 * Uncompressed OpenMV frames → RGBA for display, pixel-exact with what the camera shows (formats.md
 * Part A "Pixels shown for BAYER and YUV frames", B §1.4-§1.8). Pure code: no DOM, no Node.
 * JPEG and PNG are left to the platform's image decoder.
 */
import { ValueError } from '../errors';
import { type Image } from '../image';
import { imageSize, PIXFORMAT, pixformatName } from '../pixformat';
import { bayerPatternOf, bayerToRgba } from './bayer';
import { binaryToRgba } from './binary';
import { checkOut, checkPayload } from './common';
import { grayscaleToRgba } from './grayscale';
import { rgb565ToRgba } from './rgb565';
import { yuvToRgba } from './yuv';

export { rgb565ToRgba, type Rgb565Options } from './rgb565';
export { grayscaleToRgba } from './grayscale';
export { binaryToRgba } from './binary';
export { bayerToRgba, bayerPatternOf, type BayerPattern } from './bayer';
export { yuvToRgba, type YuvOrder, type YuvOptions } from './yuv';

/** Options of {@link toRgba}. */
export interface ToRgbaOptions {
  /**
   * Read RGB565 pixels with their two bytes swapped: the Part A "swap RGB565 bytes" toggle, for V1.0
   * files written by firmware 3.7.0-3.9.1 (little-endian despite the label). Not for other V1.0 files:
   * ImageIO already swaps V1.0 payloads when it reads them (B §2.5). Ignored for other formats.
   */
  swapRgb565?: boolean;
  /** Where to write: exactly `width*height*4` bytes. A new array when omitted. */
  out?: Uint8ClampedArray;
}

/**
 * Converts an uncompressed frame to RGBA (alpha 255), dispatching on `image.pixformat`:
 * RGB565 (bit replication), GRAYSCALE (Y, Y, Y), BINARY (0 / 255), the four Bayer patterns (firmware
 * demosaic → RGB565 → RGBA), YUV422 / YVU422 (firmware conversion → RGB565 → RGBA; a 1-pixel-wide
 * frame shows its luma, as Part A allows).
 *
 * @returns `options.out` if given, otherwise a new `Uint8ClampedArray` of `width*height*4` bytes.
 * @throws ValueError for JPEG and PNG (compressed: the platform decoder handles them), for ARGB8 (the
 *   firmware defines no payload for it: `image_size` is 0, B §1.3) and invalid codes, when `out` is not
 *   exactly `width*height*4` bytes, or when the payload is shorter than the format needs.
 */
export function toRgba(image: Image, options: ToRgbaOptions = {}): Uint8ClampedArray {
  const { width, height, pixformat, data } = image;
  const what = 'toRgba';
  switch (pixformat) {
    case PIXFORMAT.JPEG:
    case PIXFORMAT.PNG:
      throw new ValueError(
        `${what}: ${pixformatName(pixformat)} frames are compressed; decode them with the platform image decoder`,
      );
    case PIXFORMAT.RGB565:
    case PIXFORMAT.GRAYSCALE:
    case PIXFORMAT.BINARY:
    case PIXFORMAT.BAYER_BGGR:
    case PIXFORMAT.BAYER_GBRG:
    case PIXFORMAT.BAYER_GRBG:
    case PIXFORMAT.BAYER_RGGB:
    case PIXFORMAT.YUV422:
    case PIXFORMAT.YVU422:
      break;
    case PIXFORMAT.ARGB8:
      throw new ValueError(
        `${what}: ARGB8 frames have no payload layout to convert (the firmware's image_size() is 0 for them, formats.md B §1.3)`,
      );
    default:
      throw new ValueError(`${what}: cannot convert pixel format ${pixformatName(pixformat)} to RGBA`);
  }
  // Checked here too (the family functions repeat it) so the message names the frame, not a family.
  if (options.out) checkOut(what, options.out, width, height);
  checkPayload(
    `${what} (${pixformatName(pixformat)})`,
    data,
    imageSize(width, height, pixformat),
    width,
    height,
  );
  const out = options.out ?? new Uint8ClampedArray(width * height * 4);
  switch (pixformat) {
    case PIXFORMAT.RGB565:
      return rgb565ToRgba(data, width, height, out, { swapBytes: options.swapRgb565 === true });
    case PIXFORMAT.GRAYSCALE:
      return grayscaleToRgba(data, width, height, out);
    case PIXFORMAT.BINARY:
      return binaryToRgba(data, width, height, out);
    case PIXFORMAT.YUV422:
      return yuvToRgba(data, width, height, 'YUV422', out);
    case PIXFORMAT.YVU422:
      return yuvToRgba(data, width, height, 'YVU422', out);
    default:
      // Only the four Bayer codes remain after the first switch.
      return bayerToRgba(data, width, height, bayerPatternOf(pixformat)!, out);
  }
}
