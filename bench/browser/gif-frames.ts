/**
 * Camera-like test clips for the GIF bench, shared by its Node half (bench/gif.bench.ts) and its browser
 * half (bench/browser/gif-bench.ts). Pure code: the caller supplies the image file's bytes.
 *
 * A clip is a slow pan and zoom over a real photograph (bilinear resampling, so every frame differs at
 * the sub-pixel level as a hand-held camera's do), plus seeded Gaussian sensor noise, then truncated to
 * RGB565 and expanded by bit replication: what an OpenMV camera's RGB565 frames look like on screen.
 */
import { rng } from '../../src/format/test/helpers';

export interface BenchFrame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** An RGB raster (3 bytes a pixel). */
export interface RgbSource {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const ascii = (b: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...b.subarray(from, to));

/** Parses a binary PPM (P6) or PGM (P5), 8-bit, with `#` comments. */
export function parsePnm(bytes: Uint8Array): RgbSource {
  const magic = ascii(bytes, 0, 2);
  if (magic !== 'P5' && magic !== 'P6') throw new Error(`not a binary PNM: ${magic}`);
  const fields: number[] = [];
  let i = 2;
  while (fields.length < 3) {
    const c = bytes[i] as number;
    if (c === 0x23) {
      while (i < bytes.length && bytes[i] !== 0x0a) i++;
    } else if (c >= 0x30 && c <= 0x39) {
      let v = 0;
      while ((bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39)
        v = v * 10 + (bytes[i++] as number) - 0x30;
      fields.push(v);
      continue;
    }
    i++;
  }
  i++; // the single whitespace after maxval
  const [width, height, max] = fields as [number, number, number];
  if (max !== 255) throw new Error(`PNM maxval ${max} is not supported`);
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  if (magic === 'P6') rgb.set(bytes.subarray(i, i + n * 3));
  else for (let k = 0; k < n; k++) rgb[k * 3] = rgb[k * 3 + 1] = rgb[k * 3 + 2] = bytes[i + k] as number;
  return { width, height, rgb };
}

/** Parses a 16-bit BI_BITFIELDS (RGB565) BMP, bottom-up or top-down, as OpenMV and image editors write it. */
export function parseBmp565(bytes: Uint8Array): RgbSource {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ascii(bytes, 0, 2) !== 'BM') throw new Error('not a BMP');
  const offset = v.getUint32(10, true);
  const width = v.getInt32(18, true);
  const rawHeight = v.getInt32(22, true);
  const bpp = v.getUint16(28, true);
  if (bpp !== 16) throw new Error(`BMP with ${bpp} bits per pixel is not supported here`);
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * 2) / 4) * 4;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const p = v.getUint16(row + x * 2, true);
      const o = (y * width + x) * 3;
      rgb[o] = ((p >> 11) << 3) | (p >> 13);
      rgb[o + 1] = (((p >> 5) & 63) << 2) | ((p >> 9) & 3);
      rgb[o + 2] = ((p & 31) << 3) | ((p & 31) >> 2);
    }
  }
  return { width, height, rgb };
}

export interface ClipOptions {
  frames?: number;
  width?: number;
  height?: number;
  /** Sensor noise, standard deviation in 8-bit levels. Default 3. */
  noise?: number;
  /** Truncate to RGB565 (then bit replication). Default true. */
  rgb565?: boolean;
  seed?: number;
}

/** A pan-and-zoom clip over `src` (see the module note). */
export function cameraClip(src: RgbSource, options: ClipOptions = {}): BenchFrame[] {
  const count = options.frames ?? 100;
  const W = options.width ?? 320;
  const H = options.height ?? 240;
  const sigma = options.noise ?? 3;
  const pack = options.rgb565 ?? true;
  const next = rng(options.seed ?? 7);
  // Gaussian table (Box-Muller) so noise is cheap per pixel.
  const gauss = new Int16Array(65536);
  for (let i = 0; i < gauss.length; i += 2) {
    const u = Math.max(1e-12, next());
    const r = Math.sqrt(-2 * Math.log(u)) * sigma;
    const t = 2 * Math.PI * next();
    gauss[i] = Math.round(r * Math.cos(t));
    gauss[i + 1] = Math.round(r * Math.sin(t));
  }
  // The largest view that keeps the aspect ratio inside the source.
  const fit = Math.min(src.width / W, src.height / H);
  const frames: BenchFrame[] = [];
  let g = 0;
  for (let f = 0; f < count; f++) {
    const t = count > 1 ? f / (count - 1) : 0;
    const zoom = 1 + 0.25 * Math.sin(Math.PI * t); // 1 → 1.25 → 1
    const vw = (W * fit) / zoom;
    const vh = (H * fit) / zoom;
    const cx = vw / 2 + (src.width - vw) * (0.5 + 0.5 * Math.sin(2 * Math.PI * t));
    const cy = vh / 2 + (src.height - vh) * (0.5 - 0.5 * Math.cos(2 * Math.PI * t)) * 0.5;
    const sx = vw / W;
    const sy = vh / H;
    const data = new Uint8ClampedArray(W * H * 4);
    const off = (next() * 65536) | 0;
    for (let y = 0; y < H; y++) {
      const fy = Math.min(src.height - 1.001, Math.max(0, cy - vh / 2 + (y + 0.5) * sy - 0.5));
      const y0 = Math.floor(fy);
      const wy = fy - y0;
      for (let x = 0; x < W; x++) {
        const fx = Math.min(src.width - 1.001, Math.max(0, cx - vw / 2 + (x + 0.5) * sx - 0.5));
        const x0 = Math.floor(fx);
        const wx = fx - x0;
        const a = (y0 * src.width + x0) * 3;
        const b = a + 3;
        const c = a + src.width * 3;
        const d = c + 3;
        const o = (y * W + x) * 4;
        for (let k = 0; k < 3; k++) {
          const top = (src.rgb[a + k] as number) * (1 - wx) + (src.rgb[b + k] as number) * wx;
          const bottom = (src.rgb[c + k] as number) * (1 - wx) + (src.rgb[d + k] as number) * wx;
          let v = Math.round(top * (1 - wy) + bottom * wy + (gauss[(off + g++) & 65535] as number));
          v = v < 0 ? 0 : v > 255 ? 255 : v;
          data[o + k] = v;
        }
        if (pack) {
          const r5 = (data[o] as number) >> 3;
          const g6 = (data[o + 1] as number) >> 2;
          const b5 = (data[o + 2] as number) >> 3;
          data[o] = (r5 << 3) | (r5 >> 2);
          data[o + 1] = (g6 << 2) | (g6 >> 4);
          data[o + 2] = (b5 << 3) | (b5 >> 2);
        }
        data[o + 3] = 255;
      }
    }
    frames.push({ width: W, height: H, data });
  }
  return frames;
}

/** PSNR (dB) over the RGB channels of two equally sized clips. */
export function psnr(
  a: readonly BenchFrame[],
  b: readonly { data: Uint8ClampedArray | Uint8Array }[],
): number {
  let se = 0;
  let n = 0;
  for (let f = 0; f < a.length; f++) {
    const x = (a[f] as BenchFrame).data;
    const y = (b[f] as { data: Uint8ClampedArray }).data;
    for (let i = 0; i < x.length; i += 4) {
      const dr = (x[i] as number) - (y[i] as number);
      const dg = (x[i + 1] as number) - (y[i + 1] as number);
      const db = (x[i + 2] as number) - (y[i + 2] as number);
      se += dr * dr + dg * dg + db * db;
    }
    n += (x.length / 4) * 3;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se);
}
