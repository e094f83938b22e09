/**
 * BMP writer and strict reader (formats.md B §6.2; firmware `lib/imlib/bmp.c`). Pure code.
 *
 * Writer: top-down (negative height), rows zero-padded to 4 bytes. GRAYSCALE → 8-bit BI_RGB with the
 * 256-entry grey palette; every other accepted format → 16-bit BI_BITFIELDS RGB565 (masks F800, 07E0,
 * 001F), native little-endian pixels.
 *
 * Reader: exactly the variants the firmware loads: 8-bit BI_RGB with the grey palette → GRAYSCALE,
 * 16-bit BI_BITFIELDS 565 → RGB565, 24-bit (BI_RGB, or BI_BITFIELDS with the 888 masks) → RGB565 by
 * truncation. Bottom-up files are flipped, a negative width mirrors. Every violation is an `OSError`
 * starting with the firmware's message and naming the value and its byte offset.
 */
import { OSError } from '../errors';
import { Image } from '../image';
import { binaryRowBytes, PIXFORMAT } from '../pixformat';
import { toRgba } from '../pixels/index';
import { clipRoi, hex32, needBytes, readError, STILL_MESSAGES, type Roi } from './shared';

/** Options of {@link encodeBmp}. */
export interface BmpOptions {
  /** `(x, y, w, h)`: clipped to the image; `OSError("No intersection!")` when nothing is left. */
  roi?: Roi;
}

const FILE_HEADER = 14;
const INFO_HEADER = 40;
const GREY_PIXELS = FILE_HEADER + INFO_HEADER + 1024; // 1078
const RGB565_PIXELS = FILE_HEADER + INFO_HEADER + 12; // 66

/**
 * The image's pixels as RGB565 values for the 16-bit writer: RGB565 as is; BINARY as 0x0000/0xFFFF
 * (B §1.6); YUV422/YVU422 through the firmware's conversion (B §1.8) via `toRgba`, whose bit-replicated
 * output truncates back to exactly the firmware's RGB565 (a 1-pixel-wide YUV frame, shown as its luma
 * per Part A, becomes the truncating RGB565 pack of that grey).
 */
function rgb565Pixels(image: Image): Uint16Array {
  const { width, height, data } = image;
  const out = new Uint16Array(width * height);
  switch (image.pixformat) {
    case PIXFORMAT.RGB565:
      for (let i = 0, j = 0; i < out.length; i++, j += 2) {
        out[i] = (data[j] as number) | ((data[j + 1] as number) << 8);
      }
      return out;
    case PIXFORMAT.BINARY: {
      const stride = binaryRowBytes(width);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const bit = ((data[y * stride + (x >> 3)] as number) >> (x & 7)) & 1;
          out[y * width + x] = bit ? 0xffff : 0;
        }
      }
      return out;
    }
    default: {
      const rgba = toRgba(image);
      for (let i = 0, j = 0; i < out.length; i++, j += 4) {
        out[i] =
          (((rgba[j] as number) & 0xf8) << 8) |
          (((rgba[j + 1] as number) & 0xfc) << 3) |
          ((rgba[j + 2] as number) >> 3);
      }
      return out;
    }
  }
}

function writeHeader(
  out: Uint8Array,
  pixelOffset: number,
  dataSize: number,
  w: number,
  h: number,
  bpp: number,
  compression: number,
): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = 0x42; // B
  out[1] = 0x4d; // M
  v.setUint32(2, pixelOffset + dataSize, true);
  v.setUint32(6, 0, true);
  v.setUint32(10, pixelOffset, true);
  v.setUint32(14, INFO_HEADER, true);
  v.setInt32(18, w, true);
  v.setInt32(22, -h, true); // top-down
  v.setUint16(26, 1, true);
  v.setUint16(28, bpp, true);
  v.setUint32(30, compression, true);
  v.setUint32(34, dataSize, true);
  // 38..53: pixels per metre, ClrUsed, ClrImportant: zeros.
}

/**
 * `Image.save("x.bmp", roi=...)` as bytes (formats.md B §6.2).
 *
 * Accepted sources: GRAYSCALE (8-bit grey palette), RGB565, and, converted to RGB565 first, BINARY
 * (0x0000 / 0xFFFF) and YUV422 / YVU422 (the firmware's YUV conversion).
 *
 * **Deviation from the firmware:** the firmware also accepts BINARY, YUV and PNG sources but writes
 * their raw bytes reinterpreted as RGB565 (garbage, B §6.1). Here BINARY and YUV are converted properly,
 * and PNG (like JPEG) is rejected; ARGB8, which has no defined payload, is rejected too.
 *
 * @throws OSError("Image is not BMP!") for JPEG, PNG, Bayer and ARGB8 sources.
 * @throws OSError("Invalid ROI dimensions!") / OSError("No intersection!") for a bad `roi`.
 */
export function encodeBmp(image: Image, options: BmpOptions = {}): Uint8Array {
  const fmt = image.pixformat;
  const accepted =
    fmt === PIXFORMAT.GRAYSCALE ||
    fmt === PIXFORMAT.RGB565 ||
    fmt === PIXFORMAT.BINARY ||
    fmt === PIXFORMAT.YUV422 ||
    fmt === PIXFORMAT.YVU422;
  if (!accepted) throw new OSError(STILL_MESSAGES.notBmp);
  const r = clipRoi(image.width, image.height, options.roi);
  if (fmt === PIXFORMAT.GRAYSCALE) {
    const rowBytes = Math.ceil(r.w / 4) * 4;
    const dataSize = rowBytes * r.h;
    const out = new Uint8Array(GREY_PIXELS + dataSize);
    writeHeader(out, GREY_PIXELS, dataSize, r.w, r.h, 8, 0);
    for (let i = 0; i < 256; i++) {
      const at = FILE_HEADER + INFO_HEADER + i * 4;
      out[at] = i;
      out[at + 1] = i;
      out[at + 2] = i;
    }
    const src = image.data;
    for (let y = 0; y < r.h; y++) {
      const from = (r.y + y) * image.width + r.x;
      out.set(src.subarray(from, from + r.w), GREY_PIXELS + y * rowBytes);
    }
    return out;
  }
  const pixels = rgb565Pixels(image);
  const rowBytes = 4 * Math.ceil((2 * r.w) / 4);
  const dataSize = rowBytes * r.h;
  const out = new Uint8Array(RGB565_PIXELS + dataSize);
  writeHeader(out, RGB565_PIXELS, dataSize, r.w, r.h, 16, 3);
  out.set([0x00, 0xf8, 0, 0, 0xe0, 0x07, 0, 0, 0x1f, 0, 0, 0], FILE_HEADER + INFO_HEADER);
  for (let y = 0; y < r.h; y++) {
    let o = RGB565_PIXELS + y * rowBytes;
    let i = (r.y + y) * image.width + r.x;
    for (let x = 0; x < r.w; x++, i++) {
      const p = pixels[i] as number;
      out[o++] = p & 0xff;
      out[o++] = p >> 8;
    }
  }
  return out;
}

const u16 = (b: Uint8Array, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8);
const u32 = (b: Uint8Array, at: number): number =>
  ((b[at] as number) |
    ((b[at + 1] as number) << 8) |
    ((b[at + 2] as number) << 16) |
    ((b[at + 3] as number) << 24)) >>>
  0;
const i32 = (b: Uint8Array, at: number): number => u32(b, at) | 0;

/** Geometry and layout of a BMP, as the strict reader accepts it. */
export interface BmpHeader {
  /** |biWidth|, |biHeight|. */
  width: number;
  height: number;
  /** 8, 16 or 24. */
  bpp: number;
  /** 0 (BI_RGB) or 3 (BI_BITFIELDS). */
  compression: number;
  /** 40, 52, 56, 108 or 124. */
  infoHeaderSize: number;
  /** Rows stored bottom-up (positive biHeight). */
  bottomUp: boolean;
  /** Rows stored right-to-left (negative biWidth). */
  mirrored: boolean;
  /** Bytes per stored row (multiple of 4). */
  rowBytes: number;
  /** Where the pixel rows start (bfOffBits). */
  pixelOffset: number;
}

const FMT = 'BMP';

/**
 * Reads and checks a BMP header with the firmware's rules (`bmp_read_geometry`), in its order, so the
 * same file fails with the same leading message.
 * @throws OSError naming the offending field, value and byte offset.
 */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  needBytes(bytes, 0, 2, FMT, 'the signature');
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) {
    throw readError('unexpectedValue', FMT, 0, `signature is ${hexPair(bytes)}, expected 42 4D ("BM")`);
  }
  needBytes(bytes, 2, 12, FMT, 'the file header');
  const fileSize = u32(bytes, 2);
  const pixelOffset = u32(bytes, 10);
  if (fileSize <= pixelOffset) {
    throw readError(
      'corrupted',
      FMT,
      2,
      `file size ${fileSize} is not larger than the pixel offset ${pixelOffset} (offset 10)`,
    );
  }
  const dataSize = fileSize - pixelOffset;
  if (dataSize % 4 !== 0) {
    throw readError(
      'corrupted',
      FMT,
      2,
      `pixel data size ${dataSize} (file size ${fileSize} - pixel offset ${pixelOffset}) is not a multiple of 4`,
    );
  }
  needBytes(bytes, 14, 4, FMT, 'the info header size');
  const infoHeaderSize = u32(bytes, 14);
  if (![40, 52, 56, 108, 124].includes(infoHeaderSize)) {
    throw readError(
      'unsupportedFormat',
      FMT,
      14,
      `info header size ${infoHeaderSize}; only 40, 52, 56, 108 and 124 are read`,
    );
  }
  needBytes(bytes, 18, 36, FMT, 'the info header');
  const rawW = i32(bytes, 18);
  const rawH = i32(bytes, 22);
  if (rawW === 0) throw readError('corrupted', FMT, 18, 'width is 0');
  if (rawH === 0) throw readError('corrupted', FMT, 22, 'height is 0');
  const width = Math.abs(rawW);
  const height = Math.abs(rawH);
  const planes = u16(bytes, 26);
  if (planes !== 1) throw readError('unexpectedValue', FMT, 26, `planes is ${planes}, expected 1`);
  const bpp = u16(bytes, 28);
  if (bpp !== 8 && bpp !== 16 && bpp !== 24) {
    throw readError('unsupportedFormat', FMT, 28, `${bpp} bits per pixel; only 8, 16 and 24 are read`);
  }
  const compression = u32(bytes, 30);
  if (compression !== 0 && compression !== 3) {
    throw readError(
      'unsupportedFormat',
      FMT,
      30,
      `compression ${compression}; only 0 (BI_RGB) and 3 (BI_BITFIELDS) are read`,
    );
  }
  const imageSize = u32(bytes, 34);
  if (imageSize !== dataSize) {
    throw readError(
      'unexpectedValue',
      FMT,
      34,
      `image size is ${imageSize}, expected ${dataSize} (file size ${fileSize} - pixel offset ${pixelOffset})`,
    );
  }
  // Where the firmware's reader stands after the palette or masks (and any longer info header).
  let headerEnd = FILE_HEADER + infoHeaderSize;
  if (bpp === 8) {
    if (compression !== 0) {
      throw readError(
        'unsupportedFormat',
        FMT,
        30,
        `8-bit files must be BI_RGB (0), compression is ${compression}`,
      );
    }
    needBytes(bytes, headerEnd, 1024, FMT, 'the 256-entry palette');
    for (let i = 0; i < 256; i++) {
      const at = headerEnd + i * 4;
      const entry = u32(bytes, at);
      const grey = (i << 16) | (i << 8) | i;
      if (entry !== grey) {
        throw readError(
          'unexpectedValue',
          FMT,
          at,
          `palette entry ${i} is ${hex32(entry)}, expected ${hex32(grey)}: only the grey palette is read (8-bit files load as GRAYSCALE)`,
        );
      }
    }
    headerEnd += 1024;
  } else if (bpp === 16 || compression === 3) {
    if (compression !== 3) {
      throw readError(
        'unsupportedFormat',
        FMT,
        30,
        `16-bit files must be BI_BITFIELDS (3), compression is 0`,
      );
    }
    const masks = bpp === 16 ? [0xf800, 0x07e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
    needBytes(bytes, 54, 12, FMT, 'the colour masks');
    const names = ['red', 'green', 'blue'];
    for (let k = 0; k < 3; k++) {
      const at = 54 + k * 4;
      const mask = u32(bytes, at);
      if (mask !== masks[k]) {
        throw readError(
          'unexpectedValue',
          FMT,
          at,
          `${bpp}-bit ${names[k]} mask is ${hex32(mask)}, expected ${hex32(masks[k] as number)}`,
        );
      }
    }
    if (infoHeaderSize === 40) headerEnd += 12; // masks follow a BITMAPINFOHEADER; later headers hold them
  }
  const rowBytes = Math.floor((width * bpp + 31) / 32) * 4;
  if (dataSize !== rowBytes * height) {
    throw readError(
      'corrupted',
      FMT,
      2,
      `pixel data size ${dataSize} does not match ${height} rows of ${rowBytes} bytes (${width}x${height}, ${bpp}-bit)`,
    );
  }
  if (pixelOffset < headerEnd) {
    throw readError(
      'corrupted',
      FMT,
      10,
      `pixel offset ${pixelOffset} points inside the headers, which end at ${headerEnd}`,
    );
  }
  return {
    width,
    height,
    bpp,
    compression,
    infoHeaderSize,
    bottomUp: rawH > 0,
    mirrored: rawW < 0,
    rowBytes,
    pixelOffset,
  };
}

function hexPair(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 2), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/**
 * `Image("x.bmp")`: decodes a BMP with the firmware's strict rules (formats.md B §6.2).
 *
 * 8-bit (grey palette only) → GRAYSCALE; 16-bit 565 bitfields → RGB565; 24-bit → RGB565 by truncation.
 * Positive height (bottom-up) is flipped to top-down; negative width mirrors each row. Trailing bytes
 * after the pixel data are ignored. Nothing is allocated before the header's sizes have been checked
 * against the bytes actually present.
 *
 * **Deviation from the firmware:** pixels are read from `bfOffBits`. The firmware reads them right after
 * the palette or masks and uses `bfOffBits` only in the size check; both agree for every well-formed
 * file, but where a file leaves a gap (an ICC profile, a short palette) the firmware reads shifted
 * garbage. A `bfOffBits` inside the headers is rejected.
 *
 * @throws OSError starting with "Unexpected value read!", "Unsupported format!", "File corrupted!" or
 *   "Failed to read requested bytes!", followed by the field, its value and its byte offset.
 */
export function decodeBmp(bytes: Uint8Array): Image {
  const hd = readBmpHeader(bytes);
  const { width, height, bpp, rowBytes, pixelOffset, bottomUp, mirrored } = hd;
  needBytes(
    bytes,
    pixelOffset,
    rowBytes * height,
    FMT,
    `the pixel data (${height} rows of ${rowBytes} bytes)`,
  );
  if (bpp === 8) {
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const src = pixelOffset + y * rowBytes;
      const dy = bottomUp ? height - 1 - y : y;
      const row = bytes.subarray(src, src + width);
      if (mirrored) {
        for (let x = 0; x < width; x++) out[dy * width + (width - 1 - x)] = row[x] as number;
      } else out.set(row, dy * width);
    }
    return new Image(width, height, PIXFORMAT.GRAYSCALE, out);
  }
  const out = new Uint8Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    const src = pixelOffset + y * rowBytes;
    const dy = bottomUp ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      let p: number;
      if (bpp === 16) p = u16(bytes, src + 2 * x);
      else {
        const at = src + 3 * x;
        const b = bytes[at] as number;
        const g = bytes[at + 1] as number;
        const r = bytes[at + 2] as number;
        p = ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | (b >> 3);
      }
      const o = 2 * (dy * width + (mirrored ? width - 1 - x : x));
      out[o] = p & 0xff;
      out[o + 1] = p >> 8;
    }
  }
  return new Image(width, height, PIXFORMAT.RGB565, out);
}
