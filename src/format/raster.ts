import { ValueError } from './errors';
import type { Image } from './image';

/** An RGBA raster: 4 bytes a pixel, rows top to bottom, no padding. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Turns any frame into RGBA. Uncompressed formats use the engine's conversion; JPEG and PNG need a
 * decoder the caller supplies (the platform decoder in a browser, a library in Node: architecture.md §1).
 */
export type FrameDecoder = (image: Image) => Promise<RgbaImage>;

/** Resizes with nearest-neighbour sampling (pixel centres), the firmware's draw_image hint 0. */
export function resizeNearest(src: RgbaImage, width: number, height: number): RgbaImage {
  checkSize(width, height);
  const out = new Uint8ClampedArray(width * height * 4);
  const s32 = new Uint32Array(src.data.buffer, src.data.byteOffset, src.width * src.height);
  const d32 = new Uint32Array(out.buffer);
  const xs = new Uint32Array(width);
  for (let x = 0; x < width; x++)
    xs[x] = Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / width));
  for (let y = 0; y < height; y++) {
    const row = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / height)) * src.width;
    const o = y * width;
    for (let x = 0; x < width; x++) d32[o + x] = s32[row + (xs[x] as number)] as number;
  }
  return { width, height, data: out };
}

/** Resizes with bilinear filtering (for scaled clips, where nearest-neighbour would shimmer). */
export function resizeBilinear(src: RgbaImage, width: number, height: number): RgbaImage {
  checkSize(width, height);
  if (width === src.width && height === src.height) return { width, height, data: src.data.slice() };
  const out = new Uint8ClampedArray(width * height * 4);
  const sx = src.width / width;
  const sy = src.height / height;
  const s = src.data;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(src.height - 1, Math.floor(fy));
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(src.width - 1, Math.floor(fx));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * src.width + x0) * 4;
      const b = (y0 * src.width + x1) * 4;
      const c = (y1 * src.width + x0) * 4;
      const d = (y1 * src.width + x1) * 4;
      const o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = (s[a + k] as number) * (1 - wx) + (s[b + k] as number) * wx;
        const bottom = (s[c + k] as number) * (1 - wx) + (s[d + k] as number) * wx;
        out[o + k] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return { width, height, data: out };
}

/**
 * Draws `src` into a black `width` x `height` canvas, scaled by min(W/w, H/h) with nearest-neighbour
 * and placed at (floor((W - w*scale)/2), floor((H - h*scale)/2)): the mjpeg module's letterbox
 * (formats.md B §8.2). A source of exactly that size is returned as is.
 */
export function letterbox(src: RgbaImage, width: number, height: number): RgbaImage {
  checkSize(width, height);
  if (src.width === width && src.height === height) return src;
  const scale = Math.min(width / src.width, height / src.height);
  const w = Math.max(1, Math.round(src.width * scale));
  const h = Math.max(1, Math.round(src.height * scale));
  const scaled = resizeNearest(src, w, h);
  const out = new Uint8ClampedArray(width * height * 4);
  const d32 = new Uint32Array(out.buffer);
  d32.fill(0xff000000); // opaque black (little-endian RGBA)
  const x0 = Math.floor((width - src.width * scale) / 2);
  const y0 = Math.floor((height - src.height * scale) / 2);
  const s32 = new Uint32Array(scaled.data.buffer);
  for (let y = 0; y < h && y0 + y < height; y++) {
    d32.set(s32.subarray(y * w, y * w + Math.min(w, width - x0)), (y0 + y) * width + x0);
  }
  return { width, height, data: out };
}

function checkSize(width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ValueError(`Invalid size ${width}x${height}`);
  }
}
