import { Image, ImageIO, ManualClock, MemoryStore, PIXFORMAT } from '../../src/format/index';
import { toRgba } from '../../src/format/pixels/index';

export type FpsKind = 'vga-rgb565' | 'vga-jpeg' | 'bayer-5mp';

const SIZES: Record<FpsKind, [number, number, number]> = {
  'vga-rgb565': [640, 480, 240],
  'vga-jpeg': [640, 480, 240],
  'bayer-5mp': [2592, 1944, 40],
};

/** A seeded noisy gradient, so JPEG frames are realistic in size and decode work. */
function scene(width: number, height: number, t: number): ImageData {
  const img = new ImageData(width, height);
  let seed = 12345 + t;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = seed >>> 27;
      const o = (y * width + x) * 4;
      img.data[o] = ((x + t * 4) & 255) ^ n;
      img.data[o + 1] = (y + t) & 255;
      img.data[o + 2] = ((x + y) >> 1) & 255;
      img.data[o + 3] = 255;
    }
  }
  return img;
}

/**
 * Builds a stream for the fps bench in the page, plus its baseline: how fast the same frames decode
 * with the same decoder (the engine's conversion, or createImageBitmap for JPEG) with no read, no
 * scheduling, no drawing and no messages. Player fps over this is what the player itself costs.
 */
export async function makeFpsStream(kind: FpsKind): Promise<{ bytes: Uint8Array; decodeOnlyFps: number }> {
  const [w, h, n] = SIZES[kind];
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  const distinct = 8;
  const images: ImageData[] = [];
  for (let t = 0; t < distinct; t++) images.push(scene(w, h, t));
  const payloads: Uint8Array[] = [];
  for (let t = 0; t < distinct; t++) {
    const src = images[t]!.data;
    if (kind === 'vga-jpeg') {
      ctx.putImageData(images[t]!, 0, 0);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
      payloads.push(new Uint8Array(await blob.arrayBuffer()));
    } else if (kind === 'vga-rgb565') {
      const p = new Uint8Array(w * h * 2);
      for (let i = 0; i < w * h; i++) {
        const v = ((src[i * 4]! & 0xf8) << 8) | ((src[i * 4 + 1]! & 0xfc) << 3) | (src[i * 4 + 2]! >> 3);
        p[i * 2] = v & 0xff;
        p[i * 2 + 1] = v >> 8;
      }
      payloads.push(p);
    } else {
      const p = new Uint8Array(w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const c = (y & 1) === 0 ? ((x & 1) === 0 ? 2 : 1) : (x & 1) === 0 ? 1 : 0; // BGGR
          p[y * w + x] = src[(y * w + x) * 4 + c]!;
        }
      payloads.push(p);
    }
  }
  const format =
    kind === 'vga-jpeg' ? PIXFORMAT.JPEG : kind === 'vga-rgb565' ? PIXFORMAT.RGB565 : PIXFORMAT.BAYER_BGGR;
  for (let i = 0; i < n; i++) io.write(new Image(w, h, format, payloads[i % distinct]!), { elapsedMs: 33 });
  const rounds = Math.min(n, 120);
  const frames = payloads.map((p) => new Image(w, h, format, p));
  const t0 = performance.now();
  for (let k = 0; k < rounds; k++) {
    const frame = frames[k % distinct]!;
    if (kind === 'vga-jpeg')
      (
        await createImageBitmap(new Blob([frame.data as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }))
      ).close();
    else toRgba(frame);
  }
  const decodeOnlyFps = (rounds / (performance.now() - t0)) * 1000;
  return { bytes: store.bytes().slice(), decodeOnlyFps };
}
