import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import type { RgbaImage } from '../raster';
import { fromHex, rng } from '../test/helpers';
import { concatChunks, encodeFrame, GifWriter, type FrameBlockOptions } from './encoder';
import { GifDecoder, readGif } from './reader';

/** The camera's palette (formats.md B §7.2): 128 entries, grey or RGB 2-3-2. */
function cameraPalette(color: boolean): Uint8Array {
  const p = new Uint8Array(384);
  for (let i = 0; i < 128; i++) {
    if (color) {
      p[i * 3] = Math.floor((((i >> 5) & 3) * 255 + 1.5) / 3);
      p[i * 3 + 1] = Math.floor((((i >> 2) & 7) * 255 + 3.5) / 7);
      p[i * 3 + 2] = Math.floor(((i & 3) * 255 + 1.5) / 3);
    } else {
      p[i * 3] = p[i * 3 + 1] = p[i * 3 + 2] = Math.floor((255 * i + 63.5) / 127);
    }
  }
  return p;
}

/** A GIF laid out exactly as the camera's gif module writes it (B §7.2), one frame per entry. */
function cameraGif(
  w: number,
  h: number,
  color: boolean,
  loop: boolean,
  frames: { idx: number[]; delay: number }[],
) {
  const out: number[] = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, w & 0xff, w >> 8, h & 0xff, h >> 8, 0xf6, 0, 0];
  out.push(...cameraPalette(color));
  if (loop) out.push(0x21, 0xff, 0x0b, ...Array.from('NETSCAPE2.0', (c) => c.charCodeAt(0)), 3, 1, 0, 0, 0);
  for (const f of frames) {
    if (f.delay !== 0) out.push(0x21, 0xf9, 4, 4, f.delay & 0xff, f.delay >> 8, 0, 0);
    out.push(0x2c, 0, 0, 0, 0, w & 0xff, w >> 8, h & 0xff, h >> 8, 0, 7);
    for (let i = 0; i < f.idx.length; i += 126) {
      const group = f.idx.slice(i, i + 126);
      out.push(1 + group.length, 0x80, ...group);
    }
    out.push(1, 0x81, 0);
  }
  out.push(0x3b);
  return Uint8Array.from(out);
}

const px = (img: { data: Uint8ClampedArray; width: number }, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

/** A GIF from blocks, through GifWriter. */
function gif(
  w: number,
  h: number,
  global: Uint8Array | null,
  frames: { idx: number[]; w: number; h: number; palette?: Uint8Array; opts?: FrameBlockOptions }[],
  loop: boolean | number = true,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = new GifWriter(chunks, { width: w, height: h, globalPalette: global, loop });
  for (const f of frames)
    writer.writeFrame(encodeFrame(Uint8Array.from(f.idx), f.w, f.h, f.palette ?? null, f.opts));
  writer.finish();
  return concatChunks(chunks);
}

const RED = [255, 0, 0, 255];
const GREEN = [0, 255, 0, 255];
const BLUE = [0, 0, 255, 255];
const CLEAR = [0, 0, 0, 0];
const PAL4 = Uint8Array.of(0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255);

describe('readGif: camera GIFs (formats.md B §7)', () => {
  it('reads the B §7.2 test vector: 2x2 grey, delay 10, loop, pixels 0/100/200/255', () => {
    const bytes = cameraGif(2, 2, false, true, [{ idx: [0, 100, 200, 255].map((y) => y >> 1), delay: 10 }]);
    // The tail from offset 0x18D is the spec's dump, byte for byte.
    const tail = fromHex(`
      21 FF 0B 4E 45 54 53 43 41 50 45 32 2E 30 03 01 00 00 00
      21 F9 04 04 0A 00 00 00
      2C 00 00 00 00 02 00 02 00 00 07
      05 80 00 32 64 7F
      01 81 00
      3B`);
    expect(bytes.length).toBe(0x18d + tail.length);
    expect(bytes.subarray(0x18d)).toEqual(tail);
    const g = readGif(bytes);
    expect(g.width).toBe(2);
    expect(g.height).toBe(2);
    expect(g.loop).toBe(true);
    expect(g.frames).toHaveLength(1);
    expect(g.frames[0]?.delayMs).toBe(100);
    const img = g.frames[0]!.rgba;
    // Indices 0, 50, 100, 127 → grey 0, 100, 201, 255 (2i below 64, 2i + 1 from 64).
    expect([px(img, 0, 0), px(img, 1, 0), px(img, 0, 1), px(img, 1, 1)]).toEqual([
      [0, 0, 0, 255],
      [100, 100, 100, 255],
      [201, 201, 201, 255],
      [255, 255, 255, 255],
    ]);
  });

  it('reads a larger colour camera GIF (many 126-pixel groups, delay 0 frames without a GCE, no loop)', () => {
    const next = rng(3);
    const w = 37;
    const h = 23;
    const frames = [0, 7].map((delay) => ({
      idx: Array.from({ length: w * h }, () => Math.floor(next() * 128)),
      delay,
    }));
    const g = readGif(cameraGif(w, h, true, false, frames));
    expect(g.loop).toBe(false);
    expect(g.frames.map((f) => f.delayMs)).toEqual([0, 70]);
    const pal = cameraPalette(true);
    for (const [k, f] of frames.entries()) {
      const data = g.frames[k]!.rgba.data;
      for (let i = 0; i < w * h; i++) {
        const c = f.idx[i] as number;
        expect(Array.from(data.subarray(i * 4, i * 4 + 4))).toEqual([
          pal[c * 3],
          pal[c * 3 + 1],
          pal[c * 3 + 2],
          255,
        ]);
      }
    }
  });
});

describe('readGif: the format', () => {
  it('applies transparency and disposal methods 1, 3, 2 and 0 in order', () => {
    const bytes = gif(4, 4, PAL4, [
      { w: 4, h: 4, idx: new Array(16).fill(1), opts: { disposal: 1, delayCs: 5 } },
      { w: 2, h: 2, idx: [2, 2, 2, 2], opts: { left: 1, top: 1, disposal: 3 } },
      { w: 4, h: 1, idx: [3, 0, 0, 3], opts: { top: 3, transparentIndex: 0, disposal: 2 } },
      { w: 1, h: 1, idx: [2], opts: { left: 3, disposal: 0 } },
    ]);
    const g = readGif(bytes);
    expect(g.frames.map((f) => f.delayMs)).toEqual([50, 0, 0, 0]);
    const [f1, f2, f3, f4] = g.frames.map((f) => f.rgba) as unknown as [
      RgbaImage,
      RgbaImage,
      RgbaImage,
      RgbaImage,
    ];
    expect(px(f1, 2, 2)).toEqual(RED);
    expect(px(f2, 1, 1)).toEqual(GREEN);
    expect(px(f2, 2, 2)).toEqual(GREEN);
    expect(px(f2, 0, 0)).toEqual(RED);
    // Frame 2 restored (disposal 3), then frame 3 drawn with index 0 transparent.
    expect(px(f3, 1, 1)).toEqual(RED);
    expect(px(f3, 0, 3)).toEqual(BLUE);
    expect(px(f3, 1, 3)).toEqual(RED);
    expect(px(f3, 3, 3)).toEqual(BLUE);
    // Frame 3 cleared to transparent (disposal 2), frame 4 drawn at (3, 0).
    expect(px(f4, 3, 0)).toEqual(GREEN);
    expect(px(f4, 2, 0)).toEqual(RED);
    for (let x = 0; x < 4; x++) expect(px(f4, x, 3)).toEqual(CLEAR);
  });

  it('uses local colour tables over the global one, and reads a GIF without a global table', () => {
    const local = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const withGlobal = readGif(gif(2, 1, PAL4, [{ w: 2, h: 1, idx: [0, 1], palette: local }]));
    expect(px(withGlobal.frames[0]!.rgba, 1, 0)).toEqual([4, 5, 6, 255]);
    const noGlobal = readGif(gif(2, 1, null, [{ w: 2, h: 1, idx: [1, 0], palette: local }]));
    expect(px(noGlobal.frames[0]!.rgba, 0, 0)).toEqual([4, 5, 6, 255]);
  });

  it('reads interlaced images (rows in 4 passes)', () => {
    const w = 3;
    const h = 11;
    const rows = Array.from({ length: h }, (_, y) => [y % 4, (y + 1) % 4, (y + 2) % 4]);
    const order = [0, 8, 4, 2, 6, 10, 1, 3, 5, 7, 9]; // passes: 0,8 | 4 | 2,6,10 | 1,3,5,7,9
    const bytes = gif(w, h, PAL4, [{ w, h, idx: order.flatMap((y) => rows[y] as number[]) }]);
    // Set the interlace flag in the image descriptor (after header 13 + table 12 + loop 19 + GCE 8).
    const desc = 13 + 12 + 19 + 8;
    expect(bytes[desc]).toBe(0x2c);
    bytes[desc + 9] = (bytes[desc + 9] as number) | 0x40;
    const img = readGif(bytes).frames[0]!.rgba;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c = (rows[y] as number[])[x] as number;
        expect(px(img, x, y)).toEqual([PAL4[c * 3], PAL4[c * 3 + 1], PAL4[c * 3 + 2], 255]);
      }
    }
  });

  it('reports loop counts: none, forever, n (NETSCAPE2.0 and ANIMEXTS1.0)', () => {
    const one = [{ w: 1, h: 1, idx: [0] }];
    expect(readGif(gif(1, 1, PAL4, one, false)).loop).toBe(false);
    expect(readGif(gif(1, 1, PAL4, one, true)).loop).toBe(true);
    expect(readGif(gif(1, 1, PAL4, one, 3)).loop).toBe(3);
    const anim = gif(1, 1, PAL4, one, 5);
    anim.set(
      Array.from('ANIMEXTS1.0', (c) => c.charCodeAt(0)),
      13 + 12 + 3,
    );
    expect(readGif(anim).loop).toBe(5);
  });

  it('tolerates a missing trailer, skips unknown extensions and streams frames with GifDecoder', () => {
    const bytes = gif(2, 2, PAL4, [
      { w: 2, h: 2, idx: [1, 1, 1, 1] },
      { w: 2, h: 2, idx: [2, 2, 2, 2] },
    ]);
    const noTrailer = bytes.subarray(0, bytes.length - 1);
    expect(readGif(noTrailer).frames).toHaveLength(2);
    // A comment extension before the first frame.
    const at = 13 + 12 + 19;
    const comment = Uint8Array.of(0x21, 0xfe, 3, 0x61, 0x62, 0x63, 0);
    const withComment = concatChunks([bytes.subarray(0, at), comment, bytes.subarray(at)]);
    const dec = new GifDecoder(withComment);
    expect(px(dec.next()!.rgba, 0, 0)).toEqual(RED);
    expect(px(dec.next()!.rgba, 0, 0)).toEqual(GREEN);
    expect(dec.next()).toBeNull();
    expect(dec.next()).toBeNull();
  });

  it('leaves pixels missing from short image data undrawn', () => {
    // LZW data for 2 of 4 pixels, then the end code.
    const block = encodeFrame(Uint8Array.of(1, 1), 2, 1, null);
    const bytes = gif(2, 2, PAL4, []);
    const d = block.slice();
    d.set([2, 0, 2, 0], 8 + 5); // claim 2x2
    const g = readGif(concatChunks([bytes.subarray(0, bytes.length - 1), d, Uint8Array.of(0x3b)]));
    const img = g.frames[0]!.rgba;
    expect(px(img, 1, 0)).toEqual(RED);
    expect(px(img, 0, 1)).toEqual(CLEAR);
  });
});

describe('readGif: hostile input', () => {
  it('throws ValueError naming the offset for malformed files', () => {
    const good = gif(2, 2, PAL4, [{ w: 2, h: 2, idx: [1, 2, 3, 0] }]);
    expect(() => readGif(new Uint8Array(5))).toThrow(ValueError);
    expect(() => readGif(Uint8Array.from(good).fill(0x41, 0, 3))).toThrow(/bad signature at offset 0/);
    expect(() => readGif(good.subarray(0, 20))).toThrow(/truncated in the global colour table at offset 13/);
    const badBlock = good.slice();
    badBlock[13 + 12] = 0x99;
    expect(() => readGif(badBlock)).toThrow(/Unexpected GIF block 0x99 at offset 25/);
    expect(() => readGif(good.subarray(0, good.length - 4))).toThrow(/offset \d+/);
  });

  it('refuses a logical screen or frame larger than the data could encode', () => {
    const huge = gif(2, 2, PAL4, [{ w: 2, h: 2, idx: [1, 2, 3, 0] }]);
    huge.set([0xff, 0xff, 0xff, 0xff], 6);
    expect(() => readGif(huge)).toThrow(/too large/);
    const bigFrame = gif(2, 2, PAL4, [{ w: 2, h: 2, idx: [1, 2, 3, 0] }]);
    bigFrame.set([0xff, 0xff, 0xff, 0xff], 13 + 12 + 19 + 8 + 5);
    expect(() => readGif(bigFrame)).toThrow(/too large/);
  });

  it('caps the total pixels returned', () => {
    const frames = Array.from({ length: 20 }, () => ({ w: 1, h: 1, idx: [1] }));
    const bytes = gif(300, 300, PAL4, frames);
    expect(readGif(bytes).frames).toHaveLength(20);
    expect(() => readGif(bytes, { maxPixels: 300 * 300 * 5 })).toThrow(/exceed/);
  });

  it('fuzz: mutated, truncated and spliced GIFs only ever throw ValueError, quickly', () => {
    const next = rng(77);
    const seeds = [
      gif(5, 4, PAL4, [
        { w: 5, h: 4, idx: Array.from({ length: 20 }, (_, i) => i % 4), opts: { delayCs: 3 } },
        { w: 2, h: 3, idx: [0, 1, 2, 3, 0, 1], opts: { left: 1, top: 1, disposal: 3, transparentIndex: 0 } },
        {
          w: 3,
          h: 1,
          idx: [1, 2, 0],
          palette: Uint8Array.of(9, 9, 9, 8, 8, 8, 7, 7, 7),
          opts: { disposal: 2 },
        },
      ]),
      cameraGif(9, 7, true, true, [
        { idx: Array.from({ length: 63 }, (_, i) => (i * 5) % 128), delay: 4 },
        { idx: Array.from({ length: 63 }, (_, i) => (i * 3) % 128), delay: 0 },
      ]),
      gif(16, 16, null, [
        {
          w: 16,
          h: 16,
          idx: Array.from({ length: 256 }, () => Math.floor(next() * 256)),
          palette: Uint8Array.from({ length: 768 }, () => Math.floor(next() * 256)),
        },
      ]),
    ];
    let ok = 0;
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      const seed = seeds[i % seeds.length] as Uint8Array;
      let b: Uint8Array = seed.slice();
      const kind = i % 4;
      if (kind === 0) {
        for (let k = 0, n = 1 + Math.floor(next() * 8); k < n; k++)
          b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      } else if (kind === 1) {
        b = b.subarray(0, Math.floor(next() * b.length));
      } else if (kind === 2) {
        const at = Math.floor(next() * b.length);
        const junk = Uint8Array.from({ length: 1 + Math.floor(next() * 40) }, () => Math.floor(next() * 256));
        b = concatChunks([b.subarray(0, at), junk, b.subarray(at)]);
      } else {
        // Dimensions and table flags are where a reader over-allocates.
        for (const at of [6, 7, 8, 9, 10, 13 + 12 + 19 + 8 + 5 + Math.floor(next() * 5)]) {
          if (next() < 0.5 && at < b.length) b[at] = Math.floor(next() * 256);
        }
      }
      try {
        const g = readGif(b, { maxPixels: 1 << 22 });
        for (const f of g.frames) expect(f.rgba.data.length).toBe(g.width * g.height * 4);
        ok++;
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        expect((e as Error).message).toMatch(/offset \d+|exceed|Not a GIF/);
        rejected++;
      }
    }
    expect(ok).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});
