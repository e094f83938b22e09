/**
 * MJPEG AVI: a streaming writer (AVI 1.0 idx1 plus OpenDML indexes and segments, JPEG frames copied
 * byte for byte) and a reader for this project's files and the camera's mjpeg files, closed or not.
 * Pure code, like the rest of src/format.
 */
export { MjpegAviWriter, AVI_LAYOUT, type MjpegAviWriterOptions } from './writer';
export { readMjpegAvi, readFrame, type MjpegAvi, type AviFrame } from './reader';
export {
  imageIoToAvi,
  frameDurations,
  letterboxEncoder,
  type JpegFrameEncoder,
  type AviFrameSource,
  type ImageIoToAviOptions,
  type ImageIoToAviResult,
} from './remux';
export { jpegSize, type JpegSize } from './jpeg-size';
export { aviTiming, boundedRatio, type AviTiming } from './timing';
