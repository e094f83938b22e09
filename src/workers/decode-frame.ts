import { PIXFORMAT, type Image } from '../format/index';
import { toRgba } from '../format/pixels/index';

/** A decoded frame, ready to draw: ImageData for the engine's conversions, ImageBitmap for JPEG/PNG. */
export type DecodedFrame = ImageData | ImageBitmap;

export interface DecodeOptions {
  /** Swap the bytes of RGB565 pixels (V1.0 files from firmware 3.7.0-3.9.1, formats.md Part A). */
  swapRgb565?: boolean;
}

/**
 * Decodes one frame for display. Uncompressed formats go through the engine's firmware-exact
 * conversion (formats.md B §1.6-§1.8); JPEG and PNG through the platform decoder, so the page never
 * decodes pixels and the worker stays within its thread. A compressed frame whose bytes the platform
 * cannot decode rejects with an Error naming the format.
 */
export async function decodeFrame(image: Image, opts: DecodeOptions = {}): Promise<DecodedFrame> {
  if (image.pixformat === PIXFORMAT.JPEG || image.pixformat === PIXFORMAT.PNG) {
    const type = image.pixformat === PIXFORMAT.JPEG ? 'image/jpeg' : 'image/png';
    try {
      return await createImageBitmap(new Blob([image.data as Uint8Array<ArrayBuffer>], { type }));
    } catch {
      throw new Error(
        `This ${type === 'image/jpeg' ? 'JPEG' : 'PNG'} frame cannot be decoded (${image.size} bytes)`,
      );
    }
  }
  const rgba = toRgba(image, { swapRgb565: opts.swapRgb565 ?? false });
  return new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, image.width, image.height);
}
