/**
 * JPEG encoding: a port of the OpenMV software encoder (formats.md B §6.5). Pure code.
 */
export {
  encodeJpeg,
  resolveSubsampling,
  checkQuality,
  STILL_QUALITY,
  CLIP_QUALITY,
  JPEG_SUBSAMPLING_AUTO,
  JPEG_SUBSAMPLING_444,
  JPEG_SUBSAMPLING_422,
  JPEG_SUBSAMPLING_420,
  type JpegEncodeOptions,
  type JpegSubsampling,
  type JpegSampling,
} from './encoder';
export { qualityScale, scaledQuantTable, LUMA_QUANT, CHROMA_QUANT } from './tables';
