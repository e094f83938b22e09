/**
 * PGM / PPM writer and reader (formats.md B §6.3; firmware `lib/imlib/ppm.c`). Pure code.
 *
 * Writer: GRAYSCALE → `P5\n<w> <h>\n255\n` + w·h bytes; RGB565 → `P6\n<w> <h>\n255\n` + RGB888 triplets
 * by bit replication. Nothing writes P2/P3 or another maxval.
 *
 * Reader: P2, P3, P5, P6 with `#` comments between tokens; maxval must be 255; P2/P5 → GRAYSCALE,
 * P3/P6 → RGB565 by truncation; binary data starts after the single whitespace byte after maxval.
 */
import { OSError } from '../errors';
import { Image } from '../image';
import { PIXFORMAT } from '../pixformat';
import { asciiBytes, clipRoi, hex8, needBytes, readError, STILL_MESSAGES, type Roi } from './shared';

/** Options of {@link encodePgm} and {@link encodePpm}. */
export interface PnmOptions {
  /** `(x, y, w, h)`: clipped to the image; `OSError("No intersection!")` when nothing is left. */
  roi?: Roi;
}

/**
 * `Image.save("x.pgm", roi=...)` as bytes: a binary P5 file.
 * @throws OSError("Image is not PGM!") unless the image is GRAYSCALE.
 * @throws OSError("Invalid ROI dimensions!") / OSError("No intersection!") for a bad `roi`.
 */
export function encodePgm(image: Image, options: PnmOptions = {}): Uint8Array {
  if (image.pixformat !== PIXFORMAT.GRAYSCALE) throw new OSError(STILL_MESSAGES.notPgm);
  const r = clipRoi(image.width, image.height, options.roi);
  const header = asciiBytes(`P5\n${r.w} ${r.h}\n255\n`);
  const out = new Uint8Array(header.length + r.w * r.h);
  out.set(header);
  for (let y = 0; y < r.h; y++) {
    const from = (r.y + y) * image.width + r.x;
    out.set(image.data.subarray(from, from + r.w), header.length + y * r.w);
  }
  return out;
}

/**
 * `Image.save("x.ppm", roi=...)` as bytes: a binary P6 file, RGB565 expanded to RGB888 by bit
 * replication (B §1.6).
 * @throws OSError("Image is not PPM!") unless the image is RGB565.
 * @throws OSError("Invalid ROI dimensions!") / OSError("No intersection!") for a bad `roi`.
 */
export function encodePpm(image: Image, options: PnmOptions = {}): Uint8Array {
  if (image.pixformat !== PIXFORMAT.RGB565) throw new OSError(STILL_MESSAGES.notPpm);
  const r = clipRoi(image.width, image.height, options.roi);
  const header = asciiBytes(`P6\n${r.w} ${r.h}\n255\n`);
  const out = new Uint8Array(header.length + r.w * r.h * 3);
  out.set(header);
  const src = image.data;
  let o = header.length;
  for (let y = 0; y < r.h; y++) {
    let i = 2 * ((r.y + y) * image.width + r.x);
    for (let x = 0; x < r.w; x++, i += 2) {
      const p = (src[i] as number) | ((src[i + 1] as number) << 8);
      const r5 = p >> 11;
      const g6 = (p >> 5) & 0x3f;
      const b5 = p & 0x1f;
      out[o++] = (r5 << 3) | (r5 >> 2);
      out[o++] = (g6 << 2) | (g6 >> 4);
      out[o++] = (b5 << 3) | (b5 >> 2);
    }
  }
  return out;
}

const FMT = 'PNM';
/** The largest width, height or sample accepted: far beyond any real image, below int32 overflow. */
const MAX_NUMBER = 0x7fffffff;

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** A token reader over the bytes: decimal numbers separated by whitespace and `#` comments. */
class Tokens {
  /** Offset of the first digit of the last number read. */
  start = 0;

  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  /**
   * The next number. Whitespace and comments (`#` to the end of the line) before it are skipped; the
   * number must end at whitespace, `#` or the end of the file (the terminator is not consumed).
   */
  number(what: string): number {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) {
        throw readError('corrupted', FMT, this.pos, `the file ends before the ${what}`);
      }
      const c = b[this.pos] as number;
      if (isSpace(c)) this.pos++;
      else if (c === 0x23) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else if (isDigit(c)) break;
      else {
        throw readError('unexpectedValue', FMT, this.pos, `expected the ${what}, found byte ${describe(c)}`);
      }
    }
    const start = this.pos;
    this.start = start;
    let v = 0;
    while (this.pos < b.length && isDigit(b[this.pos] as number)) {
      v = v * 10 + ((b[this.pos] as number) - 0x30);
      if (v > MAX_NUMBER) throw readError('unsupportedFormat', FMT, start, `the ${what} is too large`);
      this.pos++;
    }
    if (this.pos < b.length) {
      const c = b[this.pos] as number;
      if (!isSpace(c) && c !== 0x23) {
        throw readError('unexpectedValue', FMT, this.pos, `the ${what} is followed by byte ${describe(c)}`);
      }
    }
    return v;
  }
}

function describe(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `${hex8(c)} '${String.fromCharCode(c)}'` : hex8(c);
}

/**
 * `Image("x.pgm" / "x.ppm")`: decodes a P2, P3, P5 or P6 file (formats.md B §6.3).
 *
 * `#` comments may appear between tokens; maxval must be 255; P2/P5 load as GRAYSCALE, P3/P6 as RGB565
 * by truncation (B §1.6). Binary rasters start after the single whitespace byte that follows maxval.
 * Trailing bytes are ignored. Sizes are checked against the bytes present before anything is allocated.
 *
 * **Deviations from the firmware**, whose tokenizer takes any non-digit byte as a separator and whose
 * ASCII reader returns 0 at the end of the file: here tokens must be separated by whitespace or
 * comments, the byte after maxval must be whitespace, an ASCII raster that ends early is an error, and
 * an ASCII sample above 255 is an error (the firmware wraps it into neighbouring bits).
 *
 * @throws OSError "Unsupported format!" (magic other than P2/P3/P5/P6, maxval ≠ 255), "File corrupted!"
 *   (zero width or height, header cut short), "Unexpected value read!" (stray bytes, samples > 255) or
 *   "Failed to read requested bytes!" (raster cut short), each with the value and byte offset.
 */
export function decodePnm(bytes: Uint8Array): Image {
  needBytes(bytes, 0, 2, FMT, 'the magic');
  if (bytes[0] !== 0x50)
    throw readError(
      'unexpectedValue',
      FMT,
      0,
      `magic starts with ${describe(bytes[0] as number)}, expected 'P'`,
    );
  const kind = bytes[1] as number;
  if (kind !== 0x32 && kind !== 0x33 && kind !== 0x35 && kind !== 0x36) {
    throw readError(
      'unsupportedFormat',
      FMT,
      1,
      `magic P${String.fromCharCode(kind)}; only P2, P3, P5 and P6 are read`,
    );
  }
  const t = new Tokens(bytes, 2);
  if (t.pos < bytes.length && !isSpace(bytes[2] as number) && bytes[2] !== 0x23) {
    throw readError(
      'unexpectedValue',
      FMT,
      2,
      `the magic is followed by byte ${describe(bytes[2] as number)}`,
    );
  }
  const width = t.number('width');
  const widthAt = t.start;
  const height = t.number('height');
  const heightAt = t.start;
  if (width === 0) throw readError('corrupted', FMT, widthAt, 'width is 0');
  if (height === 0) throw readError('corrupted', FMT, heightAt, 'height is 0');
  const maxval = t.number('maxval');
  if (maxval !== 255) {
    throw readError('unsupportedFormat', FMT, t.start, `maxval is ${maxval}; only 255 is read`);
  }
  const grey = kind === 0x32 || kind === 0x35;
  const channels = grey ? 1 : 3;
  const samples = width * height * channels;
  if (kind === 0x35 || kind === 0x36) {
    if (t.pos >= bytes.length) {
      throw readError('shortRead', FMT, t.pos, 'the file ends before the whitespace byte after maxval');
    }
    const sep = bytes[t.pos] as number;
    if (!isSpace(sep)) {
      throw readError(
        'unexpectedValue',
        FMT,
        t.pos,
        `maxval must be followed by one whitespace byte, found ${describe(sep)}`,
      );
    }
    const start = t.pos + 1;
    needBytes(bytes, start, samples, FMT, `the ${width}x${height} raster`);
    if (grey) return new Image(width, height, PIXFORMAT.GRAYSCALE, bytes.slice(start, start + samples));
    const out = new Uint8Array(width * height * 2);
    for (let i = 0, s = start; i < out.length; i += 2, s += 3) {
      const p =
        (((bytes[s] as number) & 0xf8) << 8) |
        (((bytes[s + 1] as number) & 0xfc) << 3) |
        ((bytes[s + 2] as number) >> 3);
      out[i] = p & 0xff;
      out[i + 1] = p >> 8;
    }
    return new Image(width, height, PIXFORMAT.RGB565, out);
  }
  // ASCII rasters: every sample takes at least one byte, so the file bounds the allocation.
  if (samples > bytes.length - t.pos) {
    throw readError(
      'shortRead',
      FMT,
      t.pos,
      `a ${width}x${height} ASCII raster needs at least ${samples} bytes, the file has ${bytes.length - t.pos} left`,
    );
  }
  const read = (): number => {
    const at = t.pos;
    let v: number;
    try {
      v = t.number('sample');
    } catch (e) {
      if (t.pos >= bytes.length) {
        throw readError(
          'shortRead',
          FMT,
          bytes.length,
          `the ASCII raster ends early (a sample read from offset ${at})`,
        );
      }
      throw e;
    }
    if (v > 255) throw readError('unexpectedValue', FMT, t.start, `sample ${v} is above maxval 255`);
    return v;
  };
  if (grey) {
    const out = new Uint8Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = read();
    return new Image(width, height, PIXFORMAT.GRAYSCALE, out);
  }
  const out = new Uint8Array(width * height * 2);
  for (let i = 0; i < out.length; i += 2) {
    const r = read();
    const g = read();
    const b = read();
    const p = ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | (b >> 3);
    out[i] = p & 0xff;
    out[i + 1] = p >> 8;
  }
  return new Image(width, height, PIXFORMAT.RGB565, out);
}
