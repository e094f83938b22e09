/**
 * Animated GIF export and import (formats.md Part A "GIF export"): adaptive palettes, real LZW, delays in
 * centiseconds with the rounding error carried forward, loop on by default; a reader for importing GIFs
 * (camera-written ones included, B §7). Pure code: no DOM, no Node.
 */
export { centisecondDelays, DelayClock, MIN_DELAY_CS, MAX_DELAY_CS } from './delays';
export { lzwEncode, lzwDecode, lzwBound, type LzwResult } from './lzw';
export {
  buildPalette,
  checkPalette,
  greyPalette,
  ColorMapper,
  type Palette,
  type PaletteKind,
  type BuiltPalette,
  type PaletteOptions,
} from './quantize';
export { ditherFloydSteinberg, ditherBayer, ditherMode, type DitherMode } from './dither';
export {
  encodeFrame,
  encodeFrameJob,
  encodeGif,
  indexFrame,
  inProcessEncoder,
  concatChunks,
  scaledSize,
  tableBits,
  GifWriter,
  MAX_GIF_DIMENSION,
  type AbortLike,
  type ChunkSink,
  type DisposalMethod,
  type EncodeGifOptions,
  type FrameBlockEncoder,
  type FrameBlockOptions,
  type FrameJob,
  type GifInputFrame,
  type GifSink,
  type GifSummary,
  type GifWriterOptions,
} from './encoder';
export {
  readGif,
  GifDecoder,
  MAX_CANVAS_PIXELS,
  DEFAULT_MAX_PIXELS,
  type GifFrame,
  type GifImage,
  type ReadGifOptions,
} from './reader';
