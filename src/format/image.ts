import { MESSAGES, OSError, ValueError } from './errors';
import { imageSize, isCompressed, isValidPixformat, pixformatName } from './pixformat';

/**
 * One frame: geometry, pixel format and payload bytes, as `image_t` holds them (formats.md B §1.4-§1.5).
 * JPEG and PNG keep their compressed bytes in `data` and their length in `size`.
 */
export class Image {
  readonly width: number;
  readonly height: number;
  readonly pixformat: number;
  /** The payload: exactly `imageSize()` bytes (a view, never a copy of a larger buffer's tail). */
  readonly data: Uint8Array;
  /**
   * The `image_t.size` field. JPEG/PNG: the compressed length. Uncompressed: whatever the source had
   * (0 for a fresh image), stored verbatim by V2.0 streams and ignored by readers (B §2.3).
   */
  readonly size: number;

  /**
   * `Image(w, h, pixformat, buffer)`. Without `data`, an uncompressed image is zero-filled; JPEG/PNG
   * need their bytes. `data` longer than the payload is cut to a view of the payload.
   */
  constructor(width: number, height: number, pixformat: number, data?: Uint8Array, size?: number) {
    if (!(Number.isInteger(width) && width > 0)) throw new OSError(MESSAGES.widthPositive);
    if (!(Number.isInteger(height) && height > 0)) throw new OSError(MESSAGES.heightPositive);
    if (!isValidPixformat(pixformat)) throw new OSError(MESSAGES.pixformatUnsupported);
    this.width = width;
    this.height = height;
    this.pixformat = pixformat;
    if (isCompressed(pixformat)) {
      if (!data) throw new ValueError(MESSAGES.expectedBuffer);
      const length = size ?? data.length;
      if (data.length < length) throw new ValueError(MESSAGES.bufferTooSmall);
      this.size = length;
      this.data = data.length === length ? data : data.subarray(0, length);
      return;
    }
    const needed = imageSize(width, height, pixformat);
    this.size = size ?? 0;
    if (!data) {
      this.data = new Uint8Array(needed);
    } else if (data.length < needed) {
      throw new ValueError(MESSAGES.bufferTooSmall);
    } else {
      this.data = data.length === needed ? data : data.subarray(0, needed);
    }
  }

  /** Payload bytes: `image_size()` of this image. */
  get payloadSize(): number {
    return this.data.length;
  }

  /** e.g. `320x240 RGB565`. */
  toString(): string {
    return `${this.width}x${this.height} ${pixformatName(this.pixformat)}`;
  }
}
