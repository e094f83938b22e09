/**
 * Single images: `Image.save(path)` and `Image(path)` of the firmware (formats.md B §6), as bytes in and
 * bytes out. BMP, PGM/PPM and PNG are written here; JPEG stills come from the JPEG encoder
 * (`src/format/jpeg/`). Pure code: no DOM, no Node.
 */
import { OSError, ValueError } from '../errors';
import { Image } from '../image';
import { isBayer, PIXFORMAT } from '../pixformat';
import { decodeBmp, encodeBmp } from './bmp';
import { jpegInfo } from './jpeg-info';
import { pngInfo, encodePng } from './png';
import { decodePnm, encodePgm, encodePpm } from './pnm';
import { clipRoi, STILL_MESSAGES, type Roi } from './shared';

export { encodeBmp, decodeBmp, readBmpHeader, type BmpOptions, type BmpHeader } from './bmp';
export { encodePgm, encodePpm, decodePnm, type PnmOptions } from './pnm';
export {
  encodePng,
  encodePngRgba,
  decodePng,
  pngInfo,
  PNG_COLOR,
  type PngInfo,
  type PngDecodeOptions,
  type PngRgbaOptions,
} from './png';
export { jpegInfo, type JpegInfo } from './jpeg-info';
export { deflateRaw, zlibDeflate, type DeflateOptions } from './deflate';
export { inflateRaw, zlibInflate, type InflateOptions, type InflateResult } from './inflate';
export { crc32, adler32 } from './checksum';
export { STILL_MESSAGES, clipRoi, type Roi, type Rect } from './shared';

/** A file kind recognised by its first bytes. */
export type StillKind = 'bmp' | 'pnm' | 'jpeg' | 'png';

/**
 * The firmware's detection (formats.md B §6.7, `imlib_load_image`) on the first 4 bytes: `P2`/`P3`/
 * `P5`/`P6` → PNM, `BM` → BMP, `FF D8` → JPEG, `89 'P' 'N' 'G'` → PNG. Anything else, including ImageIO
 * streams ("OMV ") and files shorter than 4 bytes, is null.
 */
export function detectStill(bytes: Uint8Array): StillKind | null {
  if (bytes.length < 4) return null;
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (a === 0x50 && (b === 0x32 || b === 0x33 || b === 0x35 || b === 0x36)) return 'pnm';
  if (a === 0x42 && b === 0x4d) return 'bmp';
  if (a === 0xff && b === 0xd8) return 'jpeg';
  if (a === 0x89 && b === 0x50 && c === 0x4e && d === 0x47) return 'png';
  return null;
}

/** Options of {@link loadStill}. */
export interface LoadStillOptions {
  /**
   * The file's name. When given, the firmware's extension rule is enforced after loading (B §6.1,
   * §6.7): `.bmp` refuses JPEG images, `.pgm` anything but GRAYSCALE, `.ppm` anything but RGB565,
   * `.raw` anything but Bayer; other or no extensions accept everything.
   */
  name?: string;
}

/**
 * `Image(path)` on the file's bytes (formats.md B §6.7, §9): BMP and PNM are decoded (to GRAYSCALE or
 * RGB565); JPEG and PNG stay compressed, as JPEG / PNG images whose `data` is a copy of the whole file,
 * `size` its length, and width and height read from SOFn / IHDR.
 * @throws OSError("Unsupported format!") for an unrecognised file, the readers' OSErrors for malformed
 *   ones, and the extension errors when `options.name` is given.
 */
export function loadStill(bytes: Uint8Array, options: LoadStillOptions = {}): Image {
  let image: Image;
  switch (detectStill(bytes)) {
    case 'bmp':
      image = decodeBmp(bytes);
      break;
    case 'pnm':
      image = decodePnm(bytes);
      break;
    case 'jpeg': {
      const { width, height } = jpegInfo(bytes);
      image = new Image(width, height, PIXFORMAT.JPEG, bytes.slice());
      break;
    }
    case 'png': {
      const { width, height } = pngInfo(bytes);
      image = new Image(width, height, PIXFORMAT.PNG, bytes.slice());
      break;
    }
    default:
      throw new OSError(
        bytes.length < 4
          ? `${STILL_MESSAGES.shortRead} the file is ${bytes.length} bytes, detection needs 4`
          : STILL_MESSAGES.unsupportedFormat,
      );
  }
  if (options.name !== undefined) enforceExtension(image, options.name);
  return image;
}

/**
 * The firmware's extension check (`imblib_parse_extension`, B §6.1), case-insensitive: throws the
 * matching OSError when `image` may not be stored under `name`; other extensions accept any image.
 */
export function enforceExtension(image: Image, name: string): void {
  const lower = name.toLowerCase();
  const fmt = image.pixformat;
  if (lower.endsWith('.bmp') && (fmt === PIXFORMAT.JPEG || isBayer(fmt)))
    throw new OSError(STILL_MESSAGES.notBmp);
  if (lower.endsWith('.ppm') && fmt !== PIXFORMAT.RGB565) throw new OSError(STILL_MESSAGES.notPpm);
  if (lower.endsWith('.pgm') && fmt !== PIXFORMAT.GRAYSCALE) throw new OSError(STILL_MESSAGES.notPgm);
  if (lower.endsWith('.raw') && !isBayer(fmt)) throw new OSError(STILL_MESSAGES.notBayer);
}

/** What {@link saveStill} writes. */
export type StillFormat = 'bmp' | 'pgm' | 'ppm' | 'png';

/** Options of {@link saveStill}. */
export interface SaveStillOptions {
  /** `(x, y, w, h)`: honoured by BMP, PGM and PPM; validated but ignored by PNG, as the firmware. */
  roi?: Roi;
  /** Validated (1..100) as `Image.save` does; only JPEG uses it, which this function does not write. */
  quality?: number;
}

/**
 * `Image.save(path, roi=..., quality=...)` as bytes, for the formats written here (JPEG stills come from
 * the JPEG encoder). The roi and quality are validated first for every format, as the firmware does.
 * @throws OSError("Error: 1 <= quality <= 100!"), the roi errors, and the format's own errors (see
 *   {@link encodeBmp}, {@link encodePgm}, {@link encodePpm}, {@link encodePng}).
 */
export function saveStill(image: Image, format: StillFormat, options: SaveStillOptions = {}): Uint8Array {
  const quality = options.quality ?? 50;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100))
    throw new OSError(STILL_MESSAGES.quality);
  clipRoi(image.width, image.height, options.roi);
  switch (format) {
    case 'bmp':
      return encodeBmp(image, { roi: options.roi });
    case 'pgm':
      return encodePgm(image, { roi: options.roi });
    case 'ppm':
      return encodePpm(image, { roi: options.roi });
    case 'png':
      return encodePng(image);
    default:
      throw new ValueError(`Unknown still format ${JSON.stringify(format)}: expected bmp, pgm, ppm or png`);
  }
}
