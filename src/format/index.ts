/**
 * The ImageIO engine: OpenMV's stream format, pixel formats and conversions. Pure code: it runs
 * unchanged in Node, a page and a worker (no DOM, no Node built-ins).
 */
export { ImageIO } from './imageio';
export { FileImageIO, type FileStreamOptions, type FrameInfo } from './file-stream';
export {
  MemoryImageIO,
  slotSize,
  SLOT_HEADER,
  type FrameShape,
  type MemoryStreamOptions,
} from './memory-stream';
export type { ReadOptions, WriteOptions, StreamOptions } from './stream-base';
export { Image } from './image';
export { OSError, EOFError, ValueError, MESSAGES } from './errors';
export { MemoryStore, type ByteStore } from './byte-store';
export { systemClock, ManualClock, type Clock } from './clock';
export type { Damage, FrameEntry } from './frame-index';
export { repair, type RepairResult } from './repair';
export { magicBytes, parseMagic, MAX_DIMENSION, VERSIONS, type Version } from './chunk';
export {
  PIXFORMAT,
  PIXFORMAT_ALIASES,
  imageSize,
  isValidPixformat,
  pixformatName,
  parsePixformat,
  isCompressed,
  isBayer,
  isYuv,
  isColor,
  isMutable,
  bytesPerPixel,
  binaryRowBytes,
  type Pixformat,
  type PixformatName,
} from './pixformat';
export { toRgba, type ToRgbaOptions } from './pixels/index';
export * from './raster';
export * from './jpeg/index';
export * from './stills/index';
export * from './avi/index';
export * from './gif/index';
