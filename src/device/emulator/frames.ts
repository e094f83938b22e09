/**
 * Frame sources for the emulated camera: an animated test pattern with the frame counter burned in (tiny built-in
 * bitmap font), a moving object, sensor-like noise, in JPEG / RGB565 / GRAYSCALE at any size; and a replay source
 * that plays back recorded JPEGs (e.g. the frames of a protocol transcript). The board asks for `next()` at the
 * source's frame rate, timed by its injected Clock.
 */
import { Image } from '../../format/image';
import { PIXFORMAT } from '../../format/pixformat';
import { encodeJpeg } from '../../format/jpeg/index';

export type FrameFormat = 'JPEG' | 'RGB565' | 'GRAYSCALE';

export interface FrameSource {
  /** Frames per second the script loop aims for. */
  readonly fps: number;
  /** The next frame (`nowMs` from the board's clock). */
  next(nowMs: number): Image;
  /** Scripts may change pixformat / frame size (`cam.pixformat(...)`, `cam.framesize(...)`). */
  configure?(o: { pixformat?: number; width?: number; height?: number }): void;
}

/** 3×5 digits, one row per 3 bits (MSB = left). */
const DIGITS: readonly number[][] = [
  [7, 5, 5, 5, 7],
  [2, 6, 2, 2, 7],
  [7, 1, 7, 4, 7],
  [7, 1, 7, 1, 7],
  [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7],
  [7, 4, 7, 5, 7],
  [7, 1, 2, 2, 2],
  [7, 5, 7, 5, 7],
  [7, 5, 7, 1, 7],
];

const BARS: readonly [number, number, number][] = [
  [255, 255, 255],
  [255, 255, 0],
  [0, 255, 255],
  [0, 255, 0],
  [255, 0, 255],
  [255, 0, 0],
  [0, 0, 255],
  [32, 32, 32],
];

export interface PatternOptions {
  width?: number;
  height?: number;
  format?: FrameFormat;
  fps?: number;
  /** Camera-side JPEG quality for the 'JPEG' format (a sensor in JPEG mode). */
  quality?: number;
  /** Noise amplitude 0..64 (sensor-like, per pixel). Default 6. */
  noise?: number;
  /** Seed for the noise generator (deterministic frames). */
  seed?: number;
}

/**
 * Animated colour bars scrolling one step per frame, a bouncing square, per-pixel noise, and the frame number
 * drawn in the top-left corner. Deterministic for a given seed and frame number.
 */
export class TestPatternSource implements FrameSource {
  width: number;
  height: number;
  format: FrameFormat;
  readonly fps: number;
  readonly quality: number;
  readonly noise: number;
  /** Frames produced so far; the next frame shows this number. */
  frameCount = 0;
  private rng: number;

  constructor(o: PatternOptions = {}) {
    this.width = o.width ?? 320;
    this.height = o.height ?? 240;
    this.format = o.format ?? 'JPEG';
    this.fps = o.fps ?? 30;
    this.quality = o.quality ?? 70;
    this.noise = o.noise ?? 6;
    this.rng = (o.seed ?? 1) >>> 0 || 1;
  }

  configure(o: { pixformat?: number; width?: number; height?: number }): void {
    if (o.width && o.height) {
      this.width = o.width;
      this.height = o.height;
    }
    if (o.pixformat === PIXFORMAT.RGB565) this.format = 'RGB565';
    else if (o.pixformat === PIXFORMAT.GRAYSCALE) this.format = 'GRAYSCALE';
    else if (o.pixformat === PIXFORMAT.JPEG) this.format = 'JPEG';
  }

  private rand(): number {
    // xorshift32
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  /** RGB888 of the frame `n` (before format conversion). */
  renderRgb(n: number): Uint8Array {
    const { width: w, height: h } = this;
    const rgb = new Uint8Array(w * h * 3);
    const barW = Math.max(1, Math.ceil(w / BARS.length));
    const shift = n * 2;
    // moving object: a square bouncing across the frame
    const size = Math.max(4, Math.floor(Math.min(w, h) / 6));
    const px = bounce(n * 3, w - size);
    const py = bounce(n * 2, h - size);
    const amp = this.noise;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const bar = BARS[Math.floor((x + shift) / barW) % BARS.length]!;
        let r = bar[0];
        let g = bar[1];
        let b = bar[2];
        if (y > (h * 3) / 4) r = g = b = Math.floor(((x + shift) * 255) / w) & 0xff; // grey ramp
        if (x >= px && x < px + size && y >= py && y < py + size) {
          r = 255;
          g = 96;
          b = 0;
        }
        if (amp) {
          const d = (this.rand() % (2 * amp + 1)) - amp;
          r = clamp(r + d);
          g = clamp(g + d);
          b = clamp(b + d);
        }
        const i = (y * w + x) * 3;
        rgb[i] = r;
        rgb[i + 1] = g;
        rgb[i + 2] = b;
      }
    }
    drawNumber(rgb, w, h, n, Math.max(1, Math.floor(Math.min(w, h) / 60)));
    return rgb;
  }

  next(): Image {
    const n = this.frameCount++;
    const rgb = this.renderRgb(n);
    const { width: w, height: h } = this;
    if (this.format === 'GRAYSCALE') {
      const g = new Uint8Array(w * h);
      for (let i = 0; i < w * h; i++)
        g[i] = (rgb[i * 3]! * 77 + rgb[i * 3 + 1]! * 150 + rgb[i * 3 + 2]! * 29) >> 8;
      return new Image(w, h, PIXFORMAT.GRAYSCALE, g);
    }
    const px = new Uint8Array(w * h * 2);
    for (let i = 0; i < w * h; i++) {
      const v = ((rgb[i * 3]! >> 3) << 11) | ((rgb[i * 3 + 1]! >> 2) << 5) | (rgb[i * 3 + 2]! >> 3);
      px[i * 2] = v & 0xff; // little-endian u16 (protocol.md §2.12)
      px[i * 2 + 1] = v >> 8;
    }
    const img = new Image(w, h, PIXFORMAT.RGB565, px);
    if (this.format === 'RGB565') return img;
    const jpeg = encodeJpeg(img, { quality: this.quality });
    return new Image(w, h, PIXFORMAT.JPEG, jpeg);
  }
}

/** Plays recorded JPEGs in a loop (e.g. a transcript's frames, so the board's READ payloads match byte for byte). */
export class ReplaySource implements FrameSource {
  readonly fps: number;
  frameCount = 0;
  constructor(
    private readonly frames: readonly { width: number; height: number; jpeg: Uint8Array }[],
    fps = 30,
  ) {
    if (!frames.length) throw new RangeError('ReplaySource needs at least one frame');
    this.fps = fps;
  }
  next(): Image {
    const f = this.frames[this.frameCount++ % this.frames.length]!;
    return new Image(f.width, f.height, PIXFORMAT.JPEG, f.jpeg);
  }
}

function bounce(t: number, span: number): number {
  if (span <= 0) return 0;
  const p = t % (2 * span);
  return p < span ? p : 2 * span - p;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Burns `n` in white on a black box at the top-left corner, digits 3×5 cells of `scale` pixels. */
function drawNumber(rgb: Uint8Array, w: number, h: number, n: number, scale: number): void {
  const text = String(n);
  const cell = scale;
  const boxW = (text.length * 4 + 1) * cell;
  const boxH = 7 * cell;
  for (let y = 0; y < Math.min(h, boxH); y++)
    for (let x = 0; x < Math.min(w, boxW); x++) rgb.fill(0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  for (let d = 0; d < text.length; d++) {
    const glyph = DIGITS[text.charCodeAt(d) - 48]!;
    for (let gy = 0; gy < 5; gy++)
      for (let gx = 0; gx < 3; gx++) {
        if (!((glyph[gy]! >> (2 - gx)) & 1)) continue;
        for (let sy = 0; sy < cell; sy++)
          for (let sx = 0; sx < cell; sx++) {
            const x = (1 + d * 4 + gx) * cell + sx;
            const y = (1 + gy) * cell + sy;
            if (x < w && y < h) rgb.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
          }
      }
  }
}

/** Reads the frame number back from a rendered RGB888 buffer (tests: the counter is really burned in). */
export function readBurnedNumber(rgb: Uint8Array, w: number, scale: number, digits: number): number {
  let out = 0;
  for (let d = 0; d < digits; d++) {
    const rows: number[] = [];
    for (let gy = 0; gy < 5; gy++) {
      let bits = 0;
      for (let gx = 0; gx < 3; gx++) {
        const x = (1 + d * 4 + gx) * scale;
        const y = (1 + gy) * scale;
        bits = (bits << 1) | (rgb[(y * w + x) * 3]! > 128 ? 1 : 0);
      }
      rows.push(bits);
    }
    const k = DIGITS.findIndex((g) => g.every((v, i) => v === rows[i]));
    if (k < 0) return -1;
    out = out * 10 + k;
  }
  return out;
}
