import jpeg from 'jpeg-js';
import { PIXFORMAT, ValueError, type Image } from '../format/index';
import { toRgba } from '../format/pixels/index';
import type { FrameDecoder, RgbaImage } from '../format/raster';
import { decodePng } from '../format/stills/png';

/** Largest JPEG the command line decodes (jpeg-js refuses bigger ones before allocating). */
const MAX_DECODE_MB = 1024;

/**
 * The command line's FrameDecoder: JPEG frames through jpeg-js (Node has no platform decoder), PNG
 * frames through the engine's PNG reader, everything else through the firmware-exact conversion.
 */
export const nodeFrameDecoder: FrameDecoder = async (image: Image): Promise<RgbaImage> => {
  if (image.pixformat === PIXFORMAT.JPEG) {
    try {
      const d = jpeg.decode(image.data, {
        useTArray: true,
        formatAsRGBA: true,
        maxMemoryUsageInMB: MAX_DECODE_MB,
      });
      return {
        width: d.width,
        height: d.height,
        data: new Uint8ClampedArray(d.data.buffer, d.data.byteOffset, d.data.length),
      };
    } catch (e) {
      throw new ValueError(
        `A JPEG frame could not be decoded: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  if (image.pixformat === PIXFORMAT.PNG) {
    return decodePng(image.data);
  }
  return { width: image.width, height: image.height, data: toRgba(image) };
};
