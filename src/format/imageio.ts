import type { ByteStore } from './byte-store';
import { FileImageIO, type FileStreamOptions } from './file-stream';
import { MemoryImageIO, type FrameShape, type MemoryStreamOptions } from './memory-stream';

/** Either kind of stream: the documented ImageIO API in camelCase. */
export type ImageIO = FileImageIO | MemoryImageIO;

/**
 * The ImageIO entry points. `ImageIO.open(store, 'r' | 'w')` is `image.ImageIO(path, mode)` over a byte
 * store; `ImageIO.memory([w, h, pixformat], count)` is `image.ImageIO((w, h, pixformat), count)`.
 */
export const ImageIO = {
  FILE_STREAM: 0,
  MEMORY_STREAM: 1,
  open(store: ByteStore, mode: string, opts?: FileStreamOptions): FileImageIO {
    return new FileImageIO(store, mode, opts);
  },
  memory(
    shape: FrameShape | readonly [number, number, number],
    count: number,
    opts?: MemoryStreamOptions,
  ): MemoryImageIO {
    const s = Array.isArray(shape)
      ? { width: shape[0], height: shape[1], pixformat: shape[2] }
      : (shape as FrameShape);
    return new MemoryImageIO(s, count, opts);
  },
} as const;
