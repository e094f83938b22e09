import { ceil32 } from '../format/bytes';
import { SLOT_HEADER, slotSize, type FrameShape } from '../format/memory-stream';
import { PIXFORMAT, imageSize, isCompressed, isValidPixformat, pixformatName } from '../format/pixformat';
import { ringLayout } from './layout';

/** How many slots of how many bytes a ring has. */
export interface RingPlan {
  slots: number;
  slotSize: number;
}

/** Fewest slots a ring may have: one slot is always kept free, so 3 slots hold 2 frames. */
export const MIN_SLOTS = 3;

/**
 * Slot size for the frames of `shape`: 32 + ceil32(payload room), the memory-stream slot of
 * formats.md B §3.1. Raw formats get exactly `slotSize(shape)` of memory-stream.ts.
 *
 * Deviation for JPEG and PNG: the firmware sizes them as a BINARY image of w x 2h (about 2 bits per
 * pixel), which real camera JPEGs at high quality overflow, and a ring that refuses a frame loses
 * it for good. The ring leaves room for the frame as RGB565 (2 bytes per pixel) instead: no JPEG
 * the camera sends for that resolution is larger than the raw frame it compressed.
 */
export function ringSlotSize(shape: FrameShape): number {
  const { width: w, height: h, pixformat: f } = shape;
  if (!isCompressed(f)) return slotSize(shape);
  return SLOT_HEADER + ceil32(imageSize(w, h, PIXFORMAT.RGB565));
}

/**
 * Plans a ring for `seconds` of `fps` frames of `shape`: slots = ceil(seconds * fps) + 2 (one slot
 * always free, one so the span covers `seconds` of intervals), capped so slots * slotSize <=
 * maxBytes, at least 3. RangeError (naming the numbers) if the shape is invalid or even 3 slots
 * exceed maxBytes.
 */
export function planRing(
  shape: FrameShape,
  opts: { seconds: number; fps: number; maxBytes: number },
): RingPlan {
  const { width, height, pixformat } = shape;
  if (!isValidPixformat(pixformat))
    throw new RangeError(`Invalid ring pixformat ${pixformatName(pixformat)}`);
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`Invalid ring frame shape ${width}x${height}`);
  }
  const { seconds, fps, maxBytes } = opts;
  if (!(seconds >= 0 && fps >= 0 && Number.isFinite(seconds * fps))) {
    throw new RangeError(`Invalid ring duration: ${seconds} s at ${fps} fps`);
  }
  const size = ringSlotSize(shape);
  const wanted = Math.max(MIN_SLOTS, Math.ceil(seconds * fps) + 2);
  const fit = Math.floor(maxBytes / size);
  if (!(fit >= MIN_SLOTS)) {
    throw new RangeError(
      `A ring of ${MIN_SLOTS} slots of ${size} bytes (${width}x${height} ${pixformatName(pixformat)}) needs ${MIN_SLOTS * size} bytes; maxBytes is ${maxBytes}`,
    );
  }
  return { slots: Math.min(wanted, fit), slotSize: size };
}

/** Total bytes of the buffer a ring with this plan needs (header, metadata table and slots). */
export const ringByteLength = (plan: RingPlan): number => ringLayout(plan.slots, plan.slotSize).byteLength;
