import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../byte-store';
import { ValueError } from '../errors';
import { resizeBilinear, type RgbaImage } from '../raster';
import { rng, TEST_IMAGES } from '../test/helpers';
import { centisecondDelays } from './delays';
import {
  concatChunks,
  encodeFrame,
  encodeGif,
  GifWriter,
  scaledSize,
  type EncodeGifOptions,
  type GifInputFrame,
} from './encoder';
import { readGif } from './reader';

const DATA = TEST_IMAGES;

/** A binary PPM/PGM (with `#` comments) as RGBA. */
function readPnm(name: string): RgbaImage {
  const b = new Uint8Array(readFileSync(DATA + name));
  const text = new TextDecoder('latin1').decode(b.subarray(0, 200));
  const m = /^(P[56])\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*255\s/.exec(text);
  if (!m) throw new Error(`cannot parse ${name}`);
  const [head, magic, w, h] = m as unknown as [string, string, string, string];
  const width = Number(w);
  const height = Number(h);
  const data = new Uint8ClampedArray(width * height * 4);
  const ch = magic === 'P6' ? 3 : 1;
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) data[i * 4 + k] = b[head.length + i * ch + (ch === 3 ? k : 0)] as number;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** `count` crops of `src` (w × h), panning right by `step` pixels a frame. */
function pan(src: RgbaImage, count: number, w: number, h: number, step = 1): RgbaImage[] {
  return Array.from({ length: count }, (_, f) => {
    const data = new Uint8ClampedArray(w * h * 4);
    const x0 = (f * step) % (src.width - w + 1);
    for (let y = 0; y < h; y++) {
      data.set(src.data.subarray((y * src.width + x0) * 4, (y * src.width + x0 + w) * 4), y * w * 4);
    }
    return { width: w, height: h, data };
  });
}

/** The first index where two pixel arrays differ, or -1 (a fast stand-in for toEqual on big arrays). */
function firstDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function psnr(a: readonly RgbaImage[], b: readonly RgbaImage[]): number {
  let se = 0;
  let n = 0;
  for (let f = 0; f < a.length; f++) {
    const x = (a[f] as RgbaImage).data;
    const y = (b[f] as RgbaImage).data;
    for (let i = 0; i < x.length; i++) {
      if ((i & 3) === 3) continue;
      se += ((x[i] as number) - (y[i] as number)) ** 2;
      n++;
    }
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se);
}

async function encode(frames: GifInputFrame[] | AsyncIterable<GifInputFrame>, opts: EncodeGifOptions = {}) {
  const chunks: Uint8Array[] = [];
  const summary = await encodeGif(frames, opts, chunks);
  const bytes = concatChunks(chunks);
  expect(summary.bytes).toBe(bytes.length);
  return { summary, bytes, gif: readGif(bytes) };
}

const at30 = (imgs: RgbaImage[]): GifInputFrame[] => imgs.map((rgba) => ({ rgba, durationMs: 1000 / 30 }));

/** Frames with few colours each: a moving pattern from a 200-colour set, a different subset per frame. */
function fewColours(count: number, w: number, h: number): RgbaImage[] {
  return Array.from({ length: count }, (_, f) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c = (x * 3 + y * 7 + f * 11) % 200;
        const o = (y * w + x) * 4;
        data.set([(c * 37) & 255, (c * 91) & 255, (c * 53 + f * 40) & 255, 255], o);
      }
    }
    return { width: w, height: h, data };
  });
}

describe('encodeGif: pixels', () => {
  it('round-trips content of <= 256 colours exactly (per-frame palettes)', async () => {
    const frames = fewColours(6, 40, 30);
    const { gif } = await encode(at30(frames), { palette: 'per-frame' });
    expect(gif.frames).toHaveLength(6);
    gif.frames.forEach((f, i) => expect(firstDiff(f.rgba.data, (frames[i] as RgbaImage).data)).toBe(-1));
  });

  it('round-trips content of <= 256 colours in total exactly with one global palette', async () => {
    const base = fewColours(1, 40, 30)[0] as RgbaImage;
    // The same 200 colours moving around.
    const moved = Array.from({ length: 5 }, (_, f) => {
      const data = new Uint8ClampedArray(base.data.length);
      for (let i = 0; i < 40 * 30; i++)
        data.set(base.data.subarray(((i + f * 13) % 1200) * 4, ((i + f * 13) % 1200) * 4 + 4), i * 4);
      return { width: 40, height: 30, data };
    });
    const { gif, bytes } = await encode(at30(moved));
    expect(bytes[10]! & 0x80).toBe(0x80); // a global colour table
    gif.frames.forEach((f, i) => expect(firstDiff(f.rgba.data, (moved[i] as RgbaImage).data)).toBe(-1));
  });

  it('round-trips greyscale exactly (global 256-grey palette)', async () => {
    const frames = pan(readPnm('cat.pgm'), 8, 200, 150, 9);
    const { gif } = await encode(at30(frames), { sampleFrames: 2 });
    gif.frames.forEach((f, i) => expect(firstDiff(f.rgba.data, (frames[i] as RgbaImage).data)).toBe(-1));
  });

  it('keeps photos at a good PSNR, global and per-frame, with and without dithering', async () => {
    const photo = readPnm('csi.ppm');
    const frames = pan(photo, 6, 120, 90, 7);
    const results: Record<string, number> = {};
    for (const [name, opts] of [
      ['global', {}],
      ['per-frame', { palette: 'per-frame' }],
      ['global+fs', { dither: true }],
      ['per-frame+bayer', { palette: 'per-frame', dither: 'bayer' }],
    ] as [string, EncodeGifOptions][]) {
      const { gif } = await encode(at30(frames), opts);
      results[name] = psnr(
        frames,
        gif.frames.map((f) => f.rgba),
      );
    }
    expect(results.global).toBeGreaterThan(32);
    expect(results['per-frame']).toBeGreaterThan(33);
    // Dithering trades PSNR for smoother gradients; still sane.
    expect(results['global+fs']).toBeGreaterThan(28);
    expect(results['per-frame+bayer']).toBeGreaterThan(26);
  });

  it('encodes async iterables like arrays (per-frame mode is byte-identical)', async () => {
    const frames = at30(fewColours(4, 20, 10));
    async function* gen() {
      for (const f of frames) yield f;
    }
    const a = await encode(frames, { palette: 'per-frame' });
    const b = await encode(gen(), { palette: 'per-frame' });
    expect(b.bytes).toEqual(a.bytes);
    // Global mode: both sample all 4 frames (fewer than sampleFrames), so the palette and bytes agree.
    expect((await encode(gen())).bytes).toEqual((await encode(frames)).bytes);
  });
});

describe('encodeGif: timing, trim, scale, loop, sinks', () => {
  it('writes the carried-forward delays; the total equals the recording', async () => {
    const next = rng(8);
    const imgs = fewColours(40, 8, 8);
    const ms = imgs.map(() => 20 + next() * 60);
    const { gif, summary } = await encode(imgs.map((rgba, i) => ({ rgba, durationMs: ms[i] as number })));
    const want = centisecondDelays(ms);
    expect(gif.frames.map((f) => f.delayMs / 10)).toEqual(want.filter((d) => d > 0));
    const total = ms.reduce((s, v) => s + v, 0);
    expect(summary.durationCs).toBe(Math.round(total / 10));
    expect(gif.frames.reduce((s, f) => s + f.delayMs, 0)).toBe(Math.round(total / 10) * 10);
  });

  it('drops frames under 2 cs (60 fps) and reports them', async () => {
    const imgs = fewColours(30, 8, 8);
    const { gif, summary } = await encode(imgs.map((rgba) => ({ rgba, durationMs: 1000 / 60 })));
    expect(summary.dropped).toBe(30 - gif.frames.length);
    expect(summary.dropped).toBeGreaterThan(0);
    expect(Math.min(...gif.frames.map((f) => f.delayMs))).toBeGreaterThanOrEqual(20);
    expect(gif.frames.reduce((s, f) => s + f.delayMs, 0)).toBe(500);
  });

  it('keeps one frame when the whole clip is under 2 cs', async () => {
    const imgs = fewColours(3, 4, 4);
    const { gif, summary } = await encode(imgs.map((rgba) => ({ rgba, durationMs: 3 })));
    expect(gif.frames).toHaveLength(1);
    expect(gif.frames[0]!.rgba.data).toEqual((imgs[2] as RgbaImage).data);
    expect(summary.dropped).toBe(2);
    expect(gif.frames[0]!.delayMs).toBe(10);
  });

  it('splits a delay over 65535 cs with a transparent hold block', async () => {
    const imgs = fewColours(2, 4, 4);
    const { gif } = await encode([
      { rgba: imgs[0] as RgbaImage, durationMs: 700_000 },
      { rgba: imgs[1] as RgbaImage, durationMs: 50 },
    ]);
    expect(gif.frames.map((f) => f.delayMs)).toEqual([655_350, 44_650, 50]);
    expect(gif.frames[1]!.rgba.data).toEqual((imgs[0] as RgbaImage).data); // the hold changes nothing
  });

  it('trims by frame index [from, to)', async () => {
    const imgs = fewColours(10, 8, 6);
    const { gif } = await encode(at30(imgs), { from: 3, to: 7, palette: 'per-frame' });
    expect(gif.frames).toHaveLength(4);
    gif.frames.forEach((f, i) => expect(f.rgba.data).toEqual((imgs[3 + i] as RgbaImage).data));
    await expect(encode(at30(imgs), { from: 10 })).rejects.toThrow(/No frames/);
    await expect(encode(at30(imgs), { from: 4, to: 2 })).rejects.toThrow(ValueError);
  });

  it('scales with the aspect ratio kept (bilinear)', async () => {
    expect(scaledSize(320, 240, 160)).toEqual([160, 120]);
    expect(scaledSize(320, 240, undefined, 60)).toEqual([80, 60]);
    expect(scaledSize(320, 240, 100, 100)).toEqual([100, 75]);
    const photo = readPnm('csi.ppm');
    const frames = pan(photo, 3, 160, 120);
    const { gif, summary } = await encode(at30(frames), { width: 80 });
    expect([summary.width, summary.height, gif.width, gif.height]).toEqual([80, 60, 80, 60]);
    const want = frames.map((f) => resizeBilinear(f, 80, 60));
    expect(
      psnr(
        want,
        gif.frames.map((f) => f.rgba),
      ),
    ).toBeGreaterThan(30);
  });

  it('loops forever by default; loop false omits the extension; a count is written as given', async () => {
    const frames = at30(fewColours(2, 4, 4));
    const has = (b: Uint8Array) => new TextDecoder().decode(b).includes('NETSCAPE2.0');
    const a = await encode(frames);
    expect(has(a.bytes)).toBe(true);
    expect(a.gif.loop).toBe(true);
    const b = await encode(frames, { loop: false });
    expect(has(b.bytes)).toBe(false);
    expect(b.gif.loop).toBe(false);
    expect((await encode(frames, { loop: 4 })).gif.loop).toBe(4);
  });

  it('streams to a ByteStore (truncating what was there) with the same bytes as chunks', async () => {
    const frames = at30(fewColours(3, 16, 16));
    const { bytes } = await encode(frames);
    const store = new MemoryStore(new Uint8Array(bytes.length + 1000).fill(0xee));
    const summary = await encodeGif(frames, {}, store);
    expect(summary.bytes).toBe(bytes.length);
    expect(store.bytes()).toEqual(bytes);
  });

  it('reports progress and stops on abort', async () => {
    const frames = at30(fewColours(5, 8, 8));
    const seen: number[] = [];
    await encode(frames, { onProgress: (p) => seen.push(p.frames) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const signal = { aborted: false, reason: undefined as unknown };
    const run = encode(frames, {
      signal,
      onProgress: (p) => {
        if (p.frames === 2) {
          signal.aborted = true;
          signal.reason = new Error('stop');
        }
      },
    });
    await expect(run).rejects.toThrow('stop');
    // The caller's source is closed on the way out.
    let closed = false;
    async function* source() {
      try {
        for (const f of frames) yield f;
      } finally {
        closed = true;
      }
    }
    const signal2 = { aborted: false, reason: undefined as unknown };
    const run2 = encode(source(), {
      palette: 'per-frame',
      signal: signal2,
      onProgress: () => {
        signal2.aborted = true;
      },
    });
    await expect(run2).rejects.toMatchObject({ name: 'AbortError' });
    expect(closed).toBe(true);
  });

  it('rejects bad options and frames', async () => {
    const frames = at30(fewColours(2, 4, 4));
    await expect(encode([])).rejects.toThrow(/No frames/);
    await expect(encode(frames, { palette: 'nope' as 'global' })).rejects.toThrow(ValueError);
    await expect(encode(frames, { width: 0 })).rejects.toThrow(ValueError);
    await expect(encode(frames, { sampleFrames: 0 })).rejects.toThrow(ValueError);
    await expect(
      encode([{ rgba: { width: 4, height: 4, data: new Uint8ClampedArray(3) }, durationMs: 10 }]),
    ).rejects.toThrow(ValueError);
    await expect(encode([{ rgba: frames[0]!.rgba, durationMs: -5 }])).rejects.toThrow(ValueError);
  });
});

describe('encodeFrame / GifWriter: bytes', () => {
  it('writes GCE, descriptor, padded local table and LZW data', () => {
    const block = encodeFrame(Uint8Array.of(0, 1, 2, 0), 2, 2, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), {
      delayCs: 0x1234,
      disposal: 2,
      transparentIndex: 1,
      left: 3,
      top: 0x102,
    });
    expect(Array.from(block.subarray(0, 8))).toEqual([0x21, 0xf9, 4, (2 << 2) | 1, 0x34, 0x12, 1, 0]);
    expect(Array.from(block.subarray(8, 18))).toEqual([0x2c, 3, 0, 2, 1, 2, 0, 2, 0, 0x80 | 1]);
    expect(Array.from(block.subarray(18, 30))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0]);
    expect(block[30]).toBe(2); // LZW minimum code size
    expect(block[block.length - 1]).toBe(0);
    expect(() => encodeFrame(Uint8Array.of(3), 1, 1, Uint8Array.of(0, 0, 0, 1, 1, 1, 2, 2, 2))).toThrow(
      ValueError,
    );
    expect(() => encodeFrame(new Uint8Array(3), 2, 2, null)).toThrow(ValueError);
    expect(() => encodeFrame(new Uint8Array(1), 1, 1, null, { delayCs: 70000 })).toThrow(ValueError);
  });

  it('writes the header, logical screen, global table and loop extension', () => {
    const chunks: Uint8Array[] = [];
    const w = new GifWriter(chunks, { width: 320, height: 240, globalPalette: Uint8Array.of(1, 2, 3) });
    w.finish();
    const b = concatChunks(chunks);
    expect(Array.from(b.subarray(0, 13))).toEqual([
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 64, 1, 240, 0, 0xf0, 0, 0,
    ]);
    expect(Array.from(b.subarray(13, 19))).toEqual([1, 2, 3, 0, 0, 0]);
    expect(Array.from(b.subarray(19))).toEqual([
      0x21,
      0xff,
      11,
      ...Array.from('NETSCAPE2.0', (c) => c.charCodeAt(0)),
      3,
      1,
      0,
      0,
      0,
      0x3b,
    ]);
    expect(() => new GifWriter([], { width: 70000, height: 1 })).toThrow(ValueError);
    expect(() => new GifWriter([], { width: 1, height: 1, loop: 0 })).toThrow(ValueError);
  });
});
