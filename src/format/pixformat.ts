/**
 * OpenMV pixel formats: the full 32-bit codes of formats.md B §1.1-§1.2, including the variants the
 * camera driver produces for odd crop windows (the three extra Bayer tiles and YVU422), which Python
 * does not expose but V2.0 files can hold.
 */
export const PIXFORMAT = {
  BINARY: 0x08010000,
  GRAYSCALE: 0x08020001,
  RGB565: 0x0c030002,
  ARGB8: 0x0c080004,
  BAYER_BGGR: 0x05040001,
  BAYER_GBRG: 0x05040101,
  BAYER_GRBG: 0x05040201,
  BAYER_RGGB: 0x05040301,
  YUV422: 0x14050002,
  YVU422: 0x14050102,
  JPEG: 0x06060000,
  PNG: 0x06070000,
} as const;

export type PixformatName = keyof typeof PIXFORMAT;
export type Pixformat = (typeof PIXFORMAT)[PixformatName];

/** The aliases Python uses (`image.BAYER` is BGGR, `image.YUV422` is YUV422). */
export const PIXFORMAT_ALIASES: Readonly<Record<string, Pixformat>> = {
  BAYER: PIXFORMAT.BAYER_BGGR,
  YUV: PIXFORMAT.YUV422,
  GRAY: PIXFORMAT.GRAYSCALE,
};

const NAME_BY_CODE = new Map<number, PixformatName>(
  (Object.entries(PIXFORMAT) as [PixformatName, Pixformat][]).map(([name, code]) => [code, name]),
);

/** `IMLIB_PIXFORMAT_IS_VALID`: true for exactly the 12 codes above. */
export function isValidPixformat(code: number): code is Pixformat {
  return NAME_BY_CODE.has(code);
}

/** The name of a valid code, or `INVALID(0x...)` for anything else (for messages, never throws). */
export function pixformatName(code: number): string {
  return NAME_BY_CODE.get(code) ?? `INVALID(0x${(code >>> 0).toString(16).padStart(8, '0')})`;
}

/** Parses a name such as `RGB565`, `bayer_rggb` or `YUV` (case-insensitive); undefined if unknown. */
export function parsePixformat(name: string): Pixformat | undefined {
  const key = name.trim().toUpperCase();
  return (PIXFORMAT as Record<string, Pixformat>)[key] ?? PIXFORMAT_ALIASES[key];
}

/** Bits of the code (B §1.1). */
export const pixformatId = (code: number): number => (code >>> 16) & 0xff;
export const subformatId = (code: number): number => (code >>> 8) & 0xff;
export const bytesPerPixel = (code: number): number => code & 0xff;
export const isCompressed = (code: number): boolean => ((code >>> 25) & 1) === 1;
export const isBayer = (code: number): boolean => ((code >>> 24) & 1) === 1;
export const isYuv = (code: number): boolean => ((code >>> 28) & 1) === 1;
export const isColor = (code: number): boolean => ((code >>> 26) & 1) === 1;
export const isMutable = (code: number): boolean => ((code >>> 27) & 1) === 1;

/** Bytes in one BINARY row: whole 32-bit words (B §1.4). */
export const binaryRowBytes = (width: number): number => 4 * Math.ceil(width / 32);

/**
 * `image_size()` (B §1.3): payload bytes of a frame. JPEG and PNG take their compressed `size`; ARGB8
 * and invalid codes are 0, as in the firmware. Computed in doubles, so a hostile header can never wrap
 * it into a small number: callers compare it against the bytes actually there before allocating.
 */
export function imageSize(width: number, height: number, pixformat: number, size = 0): number {
  switch (pixformat) {
    case PIXFORMAT.BINARY:
      return binaryRowBytes(width) * height;
    case PIXFORMAT.GRAYSCALE:
    case PIXFORMAT.BAYER_BGGR:
    case PIXFORMAT.BAYER_GBRG:
    case PIXFORMAT.BAYER_GRBG:
    case PIXFORMAT.BAYER_RGGB:
      return width * height;
    case PIXFORMAT.RGB565:
    case PIXFORMAT.YUV422:
    case PIXFORMAT.YVU422:
      return 2 * width * height;
    case PIXFORMAT.JPEG:
    case PIXFORMAT.PNG:
      return size;
    default:
      return 0;
  }
}
