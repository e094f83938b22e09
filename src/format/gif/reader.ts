/**
 * GIF87a/GIF89a reader, for importing a GIF into a stream: every frame composited onto the full logical
 * screen, with its delay. Pure code.
 *
 * * Global and local colour tables, transparency, interlaced images, disposal methods 0-3 (0 and 1
 *   leave the frame, 2 clears its rectangle to transparent as browsers do, 3 restores what was under it),
 *   NETSCAPE2.0 / ANIMEXTS1.0 loop counts.
 * * The canvas starts transparent (alpha 0), like a browser's. Pixels whose index is outside the colour
 *   table are drawn opaque black. Frames are clipped to the logical screen.
 * * Delays are reported as written (centiseconds × 10). Players show delays under 2 cs as 10 cs; the
 *   caller decides whether to do the same.
 * * Lenient where real files need it (missing trailer, missing end code, extra data after it, short
 *   image data: the missing pixels are left undrawn), strict elsewhere: anything else malformed throws
 *   `ValueError` naming the byte offset.
 * * Bounded work on hostile input: the logical screen and each frame are capped by what the data could
 *   possibly encode (GIF's LZW cannot expand one byte into more than about 1,500 pixels) and by
 *   {@link MAX_CANVAS_PIXELS}; `readGif` also caps the total pixels it returns (`maxPixels`).
 */
import { ValueError } from '../errors';
import type { RgbaImage } from '../raster';
import { lzwDecode } from './lzw';

/** Largest logical screen accepted: 8192 × 8192 pixels (256 MiB of RGBA). */
export const MAX_CANVAS_PIXELS = 1 << 26;
/** An upper bound on the pixels one byte of GIF LZW data can decode to (~1,470 for 2-bit codes). */
const LZW_MAX_EXPANSION = 1500;
/** Default cap on frames × canvas pixels returned by {@link readGif} (512 MiB of RGBA). */
export const DEFAULT_MAX_PIXELS = 1 << 27;

export interface GifFrame {
  /** The whole logical screen after drawing this frame (disposal of earlier frames applied). */
  rgba: RgbaImage;
  /** The frame's delay as written: centiseconds × 10 (0 when there is no Graphic Control Extension). */
  delayMs: number;
}

export interface GifImage {
  width: number;
  height: number;
  /** false: no loop extension (play once); true: loop forever (count 0); n: the extension's count. */
  loop: boolean | number;
  frames: GifFrame[];
}

export interface ReadGifOptions {
  /** Cap on frames × width × height (default {@link DEFAULT_MAX_PIXELS}); beyond it, ValueError. */
  maxPixels?: number;
}

const u16 = (b: Uint8Array, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8);

/** A colour table as little-endian RGBA words (256 entries; missing entries opaque black). */
function readTable(bytes: Uint8Array, at: number, entries: number): Uint32Array {
  const t = new Uint32Array(256).fill(0xff000000);
  for (let i = 0; i < entries; i++) {
    const p = at + i * 3;
    t[i] =
      (0xff000000 |
        ((bytes[p + 2] as number) << 16) |
        ((bytes[p + 1] as number) << 8) |
        (bytes[p] as number)) >>>
      0;
  }
  return t;
}

/**
 * Decodes a GIF frame by frame. `loop` is updated as extensions are parsed (the loop extension normally
 * comes before the first frame).
 */
export class GifDecoder {
  readonly width: number;
  readonly height: number;
  loop: boolean | number = false;
  private readonly bytes: Uint8Array;
  private at: number;
  private readonly globalTable: Uint32Array | null;
  private readonly canvas: Uint32Array;
  /** Disposal of the previous frame, to apply before the next one is drawn. */
  private dispose: {
    method: number;
    x: number;
    y: number;
    w: number;
    h: number;
    saved: Uint32Array | null;
  } | null = null;
  private done = false;

  /** @throws ValueError if the header or logical screen descriptor is invalid. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    if (bytes.length < 13)
      throw new ValueError(`Not a GIF: ${bytes.length} bytes is shorter than its header`);
    const sig = String.fromCharCode(...bytes.subarray(0, 6));
    if (sig !== 'GIF89a' && sig !== 'GIF87a') throw new ValueError('Not a GIF: bad signature at offset 0');
    this.width = u16(bytes, 6);
    this.height = u16(bytes, 8);
    const area = this.width * this.height;
    if (area === 0) throw new ValueError(`Invalid GIF size ${this.width}x${this.height} at offset 6`);
    if (area > MAX_CANVAS_PIXELS || area > LZW_MAX_EXPANSION * bytes.length + 65536) {
      throw new ValueError(
        `GIF size ${this.width}x${this.height} at offset 6 is too large for its ${bytes.length} bytes`,
      );
    }
    const packed = bytes[10] as number;
    this.at = 13;
    if (packed & 0x80) {
      const entries = 2 << (packed & 7);
      this.need(this.at, entries * 3, 'global colour table');
      this.globalTable = readTable(bytes, this.at, entries);
      this.at += entries * 3;
    } else {
      this.globalTable = null;
    }
    this.canvas = new Uint32Array(area);
  }

  private need(at: number, n: number, what: string): void {
    if (at + n > this.bytes.length) throw new ValueError(`GIF truncated in the ${what} at offset ${at}`);
  }

  /** Skips data sub-blocks from `at`; returns the offset after the terminator. */
  private skipBlocks(at: number): number {
    const b = this.bytes;
    for (;;) {
      if (at >= b.length) throw new ValueError(`GIF truncated in data sub-blocks at offset ${at}`);
      const n = b[at] as number;
      at += 1 + n;
      if (n === 0) return at;
    }
  }

  /** The next frame, or null after the last one (trailer or end of data). */
  next(): GifFrame | null {
    if (this.done) return null;
    const b = this.bytes;
    let delayCs = 0;
    let disposal = 0;
    let transparent = -1;
    for (;;) {
      const at = this.at;
      if (at >= b.length) {
        // A missing trailer: many writers forget it; the frames before are complete.
        this.done = true;
        return null;
      }
      const kind = b[at] as number;
      if (kind === 0x3b) {
        this.done = true;
        return null;
      }
      if (kind === 0x21) {
        this.need(at, 2, 'extension');
        const label = b[at + 1] as number;
        if (label === 0xf9 && b[at + 2] === 4 && at + 7 < b.length) {
          const packed = b[at + 3] as number;
          disposal = (packed >> 2) & 7;
          delayCs = u16(b, at + 4);
          transparent = packed & 1 ? (b[at + 6] as number) : -1;
        } else if (label === 0xff && b[at + 2] === 11 && at + 14 <= b.length) {
          const id = String.fromCharCode(...b.subarray(at + 3, at + 14));
          const sub = at + 14;
          if (
            (id === 'NETSCAPE2.0' || id === 'ANIMEXTS1.0') &&
            sub + 3 < b.length &&
            (b[sub] as number) >= 3 &&
            b[sub + 1] === 1
          ) {
            const count = u16(b, sub + 2);
            this.loop = count === 0 ? true : count;
          }
        }
        this.at = this.skipBlocks(at + 2);
        continue;
      }
      if (kind === 0x2c) return this.image(at, delayCs, disposal, transparent);
      throw new ValueError(`Unexpected GIF block 0x${kind.toString(16).padStart(2, '0')} at offset ${at}`);
    }
  }

  private image(at: number, delayCs: number, disposal: number, transparent: number): GifFrame {
    const b = this.bytes;
    this.need(at, 10, 'image descriptor');
    const fx = u16(b, at + 1);
    const fy = u16(b, at + 3);
    const fw = u16(b, at + 5);
    const fh = u16(b, at + 7);
    const packed = b[at + 9] as number;
    let p = at + 10;
    let table = this.globalTable;
    if (packed & 0x80) {
      const entries = 2 << (packed & 7);
      this.need(p, entries * 3, 'local colour table');
      table = readTable(b, p, entries);
      p += entries * 3;
    }
    // No table at all: greys would be a guess; opaque black like an out-of-range index.
    table ??= new Uint32Array(256).fill(0xff000000);
    this.need(p, 1, 'image data');
    const minCodeSize = b[p] as number;
    const area = fw * fh;
    const remaining = b.length - p;
    if (area > MAX_CANVAS_PIXELS || area > LZW_MAX_EXPANSION * remaining + 65536) {
      throw new ValueError(`GIF frame ${fw}x${fh} at offset ${at} is too large for the data left`);
    }
    const indices = new Uint8Array(area);
    const { end, pixels } = lzwDecode(b, p + 1, minCodeSize, indices);
    this.at = end;

    // Dispose of the previous frame.
    const W = this.width;
    const H = this.height;
    const canvas = this.canvas;
    const d = this.dispose;
    if (d) {
      if (d.method === 2) {
        for (let y = d.y; y < d.y + d.h; y++) canvas.fill(0, y * W + d.x, y * W + d.x + d.w);
      } else if (d.method === 3 && d.saved) {
        for (let y = 0; y < d.h; y++)
          canvas.set(d.saved.subarray(y * d.w, (y + 1) * d.w), (d.y + y) * W + d.x);
      }
    }
    // The visible rectangle.
    const x0 = Math.min(fx, W);
    const y0 = Math.min(fy, H);
    const cw = Math.min(fw, W - x0);
    const ch = Math.min(fh, H - y0);
    let saved: Uint32Array | null = null;
    if (disposal === 3 && cw > 0 && ch > 0) {
      saved = new Uint32Array(cw * ch);
      for (let y = 0; y < ch; y++)
        saved.set(canvas.subarray((y0 + y) * W + x0, (y0 + y) * W + x0 + cw), y * cw);
    }
    this.dispose = { method: disposal, x: x0, y: y0, w: cw, h: ch, saved };

    // Draw: source row r of the data is image row rowOf(r) (interlaced: 4 passes).
    const interlaced = (packed & 0x40) !== 0;
    const rows = Math.min(fh, Math.floor(pixels / Math.max(1, fw)));
    const partial = pixels - rows * fw; // pixels of the last, incomplete data row
    let r = 0;
    const passes = interlaced
      ? [
          [0, 8],
          [4, 8],
          [2, 4],
          [1, 2],
        ]
      : [[0, 1]];
    for (const [start, step] of passes as [number, number][]) {
      for (let y = start; y < fh; y += step, r++) {
        if (r > rows) break;
        const count = r < rows ? fw : partial;
        if (count === 0) continue;
        const cy = fy + y;
        if (cy >= H) continue;
        const src = r * fw;
        const dst = cy * W;
        const n = Math.min(count, cw);
        for (let x = 0; x < n; x++) {
          const idx = indices[src + x] as number;
          if (idx !== transparent) canvas[dst + x0 + x] = table[idx] as number;
        }
      }
    }
    const data = new Uint8ClampedArray(canvas.buffer.slice(0));
    return { rgba: { width: W, height: H, data }, delayMs: delayCs * 10 };
  }
}

/**
 * Reads a whole GIF: size, loop and every frame (see {@link GifDecoder} and the module note). For long
 * GIFs, iterate with `GifDecoder` instead: `readGif` holds every frame's full canvas.
 * @throws ValueError (with the byte offset) for malformed data, or when the frames would exceed
 *   `options.maxPixels` in total.
 */
export function readGif(bytes: Uint8Array, options: ReadGifOptions = {}): GifImage {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const dec = new GifDecoder(bytes);
  const frames: GifFrame[] = [];
  const area = dec.width * dec.height;
  let total = 0;
  for (;;) {
    const f = dec.next();
    if (!f) break;
    total += area;
    if (total > maxPixels) {
      throw new ValueError(`GIF frames exceed ${maxPixels} pixels in total (at frame ${frames.length})`);
    }
    frames.push(f);
  }
  return { width: dec.width, height: dec.height, loop: dec.loop, frames };
}
