import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bayerPatternAt,
  buildSample,
  crop,
  cropYuv,
  encodePng,
  intervals,
  jpegDimensions,
  parsePnm,
  readSource,
  toBayer,
  toBinary,
  toYuv,
  zlibDeflate,
  type Raster,
} from '../../scripts/sample-builder';
import { crc32 } from '../format/stills/checksum';
import { rng } from '../format/test/helpers';
import { Image, ImageIO, MemoryStore, PIXFORMAT, isCompressed, type FileImageIO } from '../format/index';
import { toRgba } from '../format/pixels/index';

/**
 * The bundled sample recording (public/sample.bin, written by `npm run sample`): the committed file is
 * exactly what its generator builds, the engine reads it whole, and its pixel conventions are right.
 */

const committed = new Uint8Array(readFileSync(new URL('../../public/sample.bin', import.meta.url)));
let built: Uint8Array;
let io: FileImageIO;

beforeAll(() => {
  built = buildSample();
  io = ImageIO.open(new MemoryStore(committed), 'r');
}, 30_000);

/** Mean absolute difference per channel between RGBA pixels and an RGB raster. */
function meanError(rgba: Uint8ClampedArray, src: Raster): number[] {
  const n = src.width * src.height;
  const sum = [0, 0, 0];
  for (let p = 0; p < n; p++)
    for (let c = 0; c < 3; c++) sum[c]! += Math.abs(rgba[4 * p + c]! - src.data[3 * p + c]!);
  return sum.map((s) => s / n);
}

/** The chunks of a PNG file, checking each CRC. */
function pngChunks(bytes: Uint8Array): { type: string; data: Uint8Array }[] {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    expect(view.getUint32(at + 8 + length), `${type} CRC`).toBe(
      crc32(bytes.subarray(at + 4, at + 8 + length)),
    );
    chunks.push({ type, data: bytes.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

describe('public/sample.bin', () => {
  it('is exactly what scripts/sample-builder.ts builds (regenerate with `npm run sample`)', () => {
    expect(built.length).toBe(committed.length);
    const firstDifference = built.findIndex((b, i) => b !== committed[i]);
    expect(firstDifference).toBe(-1);
  });

  it('reads as a clean V2.0 stream: small, 8-12 s, many formats and sizes', () => {
    expect(io.version()).toBe(20);
    expect(io.damage()).toBeNull();
    expect(io.dataEnd()).toBe(committed.length);
    expect(committed.length).toBeLessThan(1_500_000);
    expect(io.durationMs()).toBeGreaterThanOrEqual(8000);
    expect(io.durationMs()).toBeLessThanOrEqual(12000);
    const frames = Array.from({ length: io.count() }, (_, i) => io.frameInfo(i));
    expect(frames.length).toBeGreaterThan(100);
    const formats = new Set(frames.map((f) => f.pixformat));
    expect(formats.size).toBeGreaterThanOrEqual(6);
    for (const f of ['BAYER_BGGR', 'BAYER_RGGB', 'YUV422', 'YVU422', 'JPEG', 'PNG', 'BINARY'] as const)
      expect(formats.has(PIXFORMAT[f]), f).toBe(true);
    expect(new Set(frames.map((f) => `${f.width}x${f.height}`)).size).toBeGreaterThanOrEqual(3);
    // Camera-like pacing: every interval is a 15 or 30 fps tick, or a section change.
    expect(new Set(frames.map((f) => f.elapsedMs))).toEqual(new Set([33, 34, 66, 67, 200]));
  });

  it('every uncompressed frame decodes with toRgba to a picture (not flat); size field 0', () => {
    let decoded = 0;
    for (let i = 0; i < io.count(); i++) {
      const image = io.frameAt(i);
      if (isCompressed(image.pixformat)) continue;
      expect(io.frameInfo(i).sizeField).toBe(0);
      const rgba = toRgba(image);
      let min = 255;
      let max = 0;
      let opaque = 0;
      for (let p = 0; p < rgba.length; p += 4) {
        min = Math.min(min, rgba[p + 1]!);
        max = Math.max(max, rgba[p + 1]!);
        if (rgba[p + 3] === 255) opaque++;
      }
      expect(opaque, `frame ${i}`).toBe(image.width * image.height);
      expect(max - min, `frame ${i}`).toBeGreaterThan(100);
      decoded++;
    }
    expect(decoded).toBeGreaterThan(100);
  });

  it('successive frames differ (the camera moves)', () => {
    let same = 0;
    for (let i = 1; i < io.count(); i++) {
      const [a, b] = [io.frameAt(i - 1), io.frameAt(i)];
      if (
        a.pixformat === b.pixformat &&
        a.data.length === b.data.length &&
        a.data.every((v, k) => v === b.data[k])
      )
        same++;
    }
    expect(same).toBe(2); // the repeated JPEG only
  });

  it('JPEG and PNG frames are whole files of the frame size', () => {
    for (let i = 0; i < io.count(); i++) {
      const image = io.frameAt(i);
      if (image.pixformat === PIXFORMAT.JPEG) {
        expect(jpegDimensions(image.data)).toEqual({ width: image.width, height: image.height });
        expect(image.size).toBe(image.data.length);
      } else if (image.pixformat === PIXFORMAT.PNG) {
        const chunks = pngChunks(image.data);
        expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
        const ihdr = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset);
        expect([ihdr.getUint32(0), ihdr.getUint32(4)]).toEqual([image.width, image.height]);
        expect(inflateSync(chunks[1]!.data).length).toBe(image.height * (1 + 3 * image.width));
      }
    }
  });
});

describe('sample-builder conventions', () => {
  const blobs = (): Raster => parsePnm(readSource('blobs.ppm'));

  it('YUV422 and YVU422 payloads decode back to the source colours (Cr at pair byte 1 for YUV422)', () => {
    const src = blobs();
    for (const order of ['YUV422', 'YVU422'] as const) {
      const rgba = toRgba(new Image(src.width, src.height, PIXFORMAT[order], toYuv(src, order)));
      for (const e of meanError(rgba, src)) expect(e, order).toBeLessThan(4);
    }
    // Read with the other order, the colours must come out wrong: the test can tell the two apart.
    const swapped = toRgba(new Image(src.width, src.height, PIXFORMAT.YVU422, toYuv(src, 'YUV422')));
    expect(Math.max(...meanError(swapped, src))).toBeGreaterThan(20);
  });

  it('a YUV422 crop at an odd column is YVU422 and still decodes to the source colours', () => {
    const src = blobs();
    const sensor = toYuv(src, 'YUV422');
    for (const x of [10, 11, 37]) {
      const { data, pixformat } = cropYuv(sensor, src.width, x, 5, 80, 60);
      expect(pixformat).toBe(x % 2 ? PIXFORMAT.YVU422 : PIXFORMAT.YUV422);
      const rgba = toRgba(new Image(80, 60, pixformat, data));
      for (const e of meanError(rgba, crop(src, x, 5, 80, 60))) expect(e, `x=${x}`).toBeLessThan(6);
    }
  });

  it('Bayer crops of a BGGR sensor take the tile at their offset and demosaic to the source colours', () => {
    const src = blobs();
    const sensor: Raster = {
      width: src.width,
      height: src.height,
      channels: 1,
      data: toBayer(src, 'BAYER_BGGR'),
    };
    const expected = { '0,0': 'BAYER_BGGR', '1,0': 'BAYER_GBRG', '0,1': 'BAYER_GRBG', '1,1': 'BAYER_RGGB' };
    for (const [x, y] of [
      [8, 10],
      [9, 10],
      [8, 11],
      [9, 11],
    ] as const) {
      const pattern = bayerPatternAt(x, y);
      expect(pattern).toBe(expected[`${x & 1},${y & 1}` as keyof typeof expected]);
      // The crop of the BGGR mosaic is the mosaic of the crop in the shifted pattern.
      const cut = crop(sensor, x, y, 80, 60).data;
      expect(cut).toEqual(toBayer(crop(src, x, y, 80, 60), pattern));
      const rgba = toRgba(new Image(80, 60, PIXFORMAT[pattern], cut));
      for (const e of meanError(rgba, crop(src, x, y, 80, 60))) expect(e, pattern).toBeLessThan(6);
    }
  });

  it('BINARY rows are LSB-first, 4*ceil(w/32) bytes, on when luma > 127', () => {
    const grey: Raster = { width: 33, height: 2, channels: 1, data: new Uint8Array(66) };
    grey.data[0] = 128; // (0,0) on
    grey.data[9] = 255; // (9,0) on
    grey.data[32] = 200; // (32,0) on: second word
    grey.data[33 + 1] = 127; // (1,1) off: not > 127
    grey.data[33 + 2] = 130; // (2,1) on
    const bits = toBinary(grey);
    expect(bits.length).toBe(16);
    expect(Array.from(bits)).toEqual([0x01, 0x02, 0, 0, 0x01, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('intervals are whole-ms camera ticks that add up to the exact time', () => {
    expect(intervals(15, 6)).toEqual([67, 66, 67, 67, 66, 67]);
    expect(intervals(30, 6)).toEqual([33, 34, 33, 33, 34, 33]);
    expect(intervals(15, 15).reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('zlibDeflate output inflates back with node:zlib', () => {
    const next = rng(7);
    const inputs = [
      new Uint8Array(0),
      Uint8Array.from([1, 2, 3]),
      new Uint8Array(70_000).fill(9),
      Uint8Array.from({ length: 50_000 }, (_, i) => (i % 300 < 150 ? i & 0xff : Math.floor(next() * 256))),
    ];
    for (const input of inputs) expect(new Uint8Array(inflateSync(zlibDeflate(input)))).toEqual(input);
  });

  it('encodePng writes greyscale and RGB PNGs whose rows inflate to the pixels (filters undone)', () => {
    const next = rng(3);
    for (const channels of [1, 3] as const) {
      const width = 13;
      const height = 7;
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) =>
        i % 5 === 0 ? Math.floor(next() * 256) : i & 0xff,
      );
      const chunks = pngChunks(encodePng({ width, height, channels, data }));
      expect(chunks[0]!.data[9]).toBe(channels === 1 ? 0 : 2);
      const raw = inflateSync(chunks[1]!.data);
      const stride = width * channels;
      const out = new Uint8Array(width * height * channels);
      for (let y = 0; y < height; y++) {
        const type = raw[y * (stride + 1)]!;
        for (let i = 0; i < stride; i++) {
          const a = i >= channels ? out[y * stride + i - channels]! : 0;
          const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
          const c = i >= channels && y > 0 ? out[(y - 1) * stride + i - channels]! : 0;
          const p = a + b - c;
          const paeth =
            Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
              ? a
              : Math.abs(p - b) <= Math.abs(p - c)
                ? b
                : c;
          const predictor = [0, a, b, (a + b) >> 1, paeth][type]!;
          out[y * stride + i] = (raw[y * (stride + 1) + 1 + i]! + predictor) & 0xff;
        }
      }
      expect(out).toEqual(data);
    }
  });
});
