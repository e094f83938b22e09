/**
 * Optional dithering for GIF export (off by default). Pure code.
 *
 * * `floyd-steinberg`: error diffusion (7/16, 3/16, 5/16, 1/16), serpentine rows. The best stills, but
 *   in an animation static areas shimmer a little because the error pattern moves with the noise.
 * * `bayer`: 8×8 ordered dither. Position-fixed, so it is stable from frame to frame, and faster.
 */
import type { ColorMapper } from './quantize';

export type DitherMode = 'none' | 'floyd-steinberg' | 'bayer';

/** Accepts the user-facing forms: `true` means Floyd–Steinberg, `false`/undefined none. */
export function ditherMode(value: boolean | DitherMode | undefined): DitherMode {
  if (value === true) return 'floyd-steinberg';
  if (value === false || value === undefined) return 'none';
  return value;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * Floyd–Steinberg error diffusion of RGBA `data` (alpha ignored) onto `mapper`'s palette.
 * @returns `out` (width × height indices).
 */
export function ditherFloydSteinberg(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  mapper: ColorMapper,
  out: Uint8Array = new Uint8Array(width * height),
): Uint8Array {
  const pal = mapper.palette;
  // Errors ×16, for this row and the next, with one cell of padding at each end.
  let cur = new Int32Array((width + 2) * 3);
  let nxt = new Int32Array((width + 2) * 3);
  for (let y = 0; y < height; y++) {
    const ltr = (y & 1) === 0;
    const dir = ltr ? 1 : -1;
    let x = ltr ? 0 : width - 1;
    for (let k = 0; k < width; k++, x += dir) {
      const p = (y * width + x) * 4;
      const e = (x + 1) * 3;
      const r = clamp((data[p] as number) + (((cur[e] as number) + 8) >> 4));
      const g = clamp((data[p + 1] as number) + (((cur[e + 1] as number) + 8) >> 4));
      const b = clamp((data[p + 2] as number) + (((cur[e + 2] as number) + 8) >> 4));
      const idx = mapper.lookup(r, g, b);
      out[y * width + x] = idx;
      const er = r - (pal[idx * 3] as number);
      const eg = g - (pal[idx * 3 + 1] as number);
      const eb = b - (pal[idx * 3 + 2] as number);
      const ahead = e + dir * 3;
      const behind = e - dir * 3;
      cur[ahead] = (cur[ahead] as number) + er * 7;
      cur[ahead + 1] = (cur[ahead + 1] as number) + eg * 7;
      cur[ahead + 2] = (cur[ahead + 2] as number) + eb * 7;
      nxt[behind] = (nxt[behind] as number) + er * 3;
      nxt[behind + 1] = (nxt[behind + 1] as number) + eg * 3;
      nxt[behind + 2] = (nxt[behind + 2] as number) + eb * 3;
      nxt[e] = (nxt[e] as number) + er * 5;
      nxt[e + 1] = (nxt[e + 1] as number) + eg * 5;
      nxt[e + 2] = (nxt[e + 2] as number) + eb * 5;
      nxt[ahead] = (nxt[ahead] as number) + er;
      nxt[ahead + 1] = (nxt[ahead + 1] as number) + eg;
      nxt[ahead + 2] = (nxt[ahead + 2] as number) + eb;
    }
    const t = cur;
    cur = nxt;
    nxt = t;
    nxt.fill(0);
  }
  return out;
}

/** The 8×8 Bayer matrix, thresholds 0..63. */
const BAYER8 = (() => {
  const m = new Int32Array(64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let v = 0;
      for (let bit = 0, xx = x, yy = y ^ x; bit < 3; bit++, xx >>= 1, yy >>= 1) {
        v = (v << 2) | ((yy & 1) << 1) | (xx & 1);
      }
      m[y * 8 + x] = v;
    }
  }
  return m;
})();

/**
 * Ordered (8×8 Bayer) dither of RGBA `data` onto `mapper`'s palette. The offset's amplitude is the
 * typical spacing of the palette's colours (255 / cube root of the palette size), so a 256-colour
 * palette gets about ±20 levels, a 16-colour one ±50.
 * @returns `out` (width × height indices).
 */
export function ditherBayer(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  mapper: ColorMapper,
  out: Uint8Array = new Uint8Array(width * height),
): Uint8Array {
  const spread = 255 / Math.cbrt(mapper.size);
  const offsets = new Int32Array(64);
  for (let i = 0; i < 64; i++) offsets[i] = Math.round((((BAYER8[i] as number) + 0.5) / 64 - 0.5) * spread);
  for (let y = 0; y < height; y++) {
    const row = (y & 7) * 8;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const o = offsets[row + (x & 7)] as number;
      out[y * width + x] = mapper.lookup(
        clamp((data[p] as number) + o),
        clamp((data[p + 1] as number) + o),
        clamp((data[p + 2] as number) + o),
      );
    }
  }
  return out;
}
