import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FRAME_SIZES,
  INTERVAL_PATTERN_MS,
  KNOWN_INTERVALS_FRAMES,
  REAL_JPEGS,
  REAL_PNGS,
  V1_FORMATS,
  V2_FORMATS,
  damaged,
  knownIntervals,
  knownIntervalsLevel,
  mixed,
  notAStream,
  perFormat,
  type StreamFixture,
} from '../../e2e/fixtures/streams';
import { jpegDimensions } from '../../scripts/sample-builder';
import {
  ImageIO,
  MESSAGES,
  MemoryStore,
  OSError,
  PIXFORMAT,
  isCompressed,
  pixformatName,
  repair,
  type FileImageIO,
} from '../format/index';
import { toRgba } from '../format/pixels/index';

/**
 * The browser tests' stream fixtures (e2e/fixtures/streams.ts) are known-good: the engine reads each
 * with exactly the frames, versions and damage the fixture promises.
 */

const open = (f: StreamFixture): FileImageIO => ImageIO.open(new MemoryStore(f.bytes), 'r');

/** The engine's view of a file equals the fixture's promise, and every frame loads. */
function expectReadsAsPromised(f: StreamFixture): void {
  const io = open(f);
  expect(io.version()).toBe(f.version);
  expect(io.count()).toBe(f.frames.length);
  const damage = io.damage();
  expect(damage && { frameIndex: damage.frameIndex, offset: damage.offset }).toEqual(f.damage);
  f.frames.forEach((want, i) => {
    const info = io.frameInfo(i);
    expect({
      width: info.width,
      height: info.height,
      pixformat: pixformatName(info.pixformat),
      elapsedMs: info.elapsedMs,
    }).toEqual({ ...want, pixformat: pixformatName(want.pixformat) });
    const image = io.frameAt(i);
    if (isCompressed(image.pixformat)) expect(image.size).toBe(image.data.length);
    else expect(toRgba(image).length).toBe(4 * image.width * image.height);
  });
}

/** Pixel payloads of every frame (as the engine returns them: V1.0 RGB565 already swapped back). */
const payloads = (f: StreamFixture): Uint8Array[] => {
  const io = open(f);
  return f.frames.map((_, i) => io.frameAt(i).data);
};

/** Width and height from a PNG's IHDR, after checking the signature. */
function pngDimensions(bytes: Uint8Array): { width: number; height: number } {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('real images', () => {
  it('the JPEGs are whole JPEGs of the sizes they claim', () => {
    for (const j of REAL_JPEGS) {
      expect(jpegDimensions(j.bytes), j.name).toEqual({ width: j.width, height: j.height });
      expect(Array.from(j.bytes.subarray(-2))).toEqual([0xff, 0xd9]);
    }
  });

  it('the PNGs are whole PNGs of the sizes they claim, with data that inflates', () => {
    for (const p of REAL_PNGS) {
      expect(pngDimensions(p.bytes), p.name).toEqual({ width: p.width, height: p.height });
      expect(String.fromCharCode(...p.bytes.subarray(-8, -4))).toBe('IEND');
      const at = p.bytes.findIndex((_, i) => String.fromCharCode(...p.bytes.subarray(i, i + 4)) === 'IDAT');
      const length = new DataView(p.bytes.buffer, p.bytes.byteOffset).getUint32(at - 4);
      expect(inflateSync(p.bytes.subarray(at + 4, at + 4 + length)).length).toBeGreaterThan(p.height);
    }
  });

  it('have the sizes perFormat uses', () => {
    expect(REAL_JPEGS.map((j) => [j.width, j.height])).toEqual(FRAME_SIZES);
    expect(REAL_PNGS.map((p) => [p.width, p.height])).toEqual(FRAME_SIZES);
  });
});

describe('perFormat', () => {
  it.each([10, 11, 20, 21] as const)('V%s: one file per format, each read as promised', (version) => {
    const fixtures = perFormat(version);
    expect(fixtures.map((f) => f.format)).toEqual(version >= 20 ? [...V2_FORMATS] : [...V1_FORMATS]);
    expect(new Set(fixtures.map((f) => f.name)).size).toBe(fixtures.length);
    for (const f of fixtures) {
      expect(f.frames).toHaveLength(3);
      expect(f.frames.every((fr) => fr.pixformat === PIXFORMAT[f.format])).toBe(true);
      expect(f.frames.map((fr) => [fr.width, fr.height])).toEqual(FRAME_SIZES);
      expectReadsAsPromised(f);
    }
  });

  it('V2.x covers the 11 displayable formats; V1.x the five a bpp field can name', () => {
    expect(new Set(perFormat(20).map((f) => f.frames[0]!.pixformat)).size).toBe(11);
    expect(perFormat(10).map((f) => f.format)).toEqual([
      'BINARY',
      'GRAYSCALE',
      'RGB565',
      'BAYER_BGGR',
      'JPEG',
    ]);
  });

  it('holds the same pictures in every version (V1.0 RGB565 swapped on disk, not in the frame)', () => {
    for (const format of V1_FORMATS) {
      const of = (v: 10 | 11 | 20 | 21): Uint8Array[] =>
        payloads(perFormat(v).find((f) => f.format === format)!);
      const v20 = of(20);
      expect(of(10), format).toEqual(v20);
      expect(of(11), format).toEqual(v20);
      expect(of(21), format).toEqual(v20);
    }
  });

  it('V1.0 stores RGB565 high byte first, V1.1 low byte first (B §2.5)', () => {
    const rgb = (v: 10 | 11): Uint8Array => perFormat(v).find((f) => f.format === 'RGB565')!.bytes;
    const [v10, v11] = [rgb(10), rgb(11)];
    expect(v10.length).toBe(v11.length);
    expect(String.fromCharCode(...v10.subarray(0, 16))).toBe('OMV IMG STR V1.0');
    expect(String.fromCharCode(...v11.subarray(0, 16))).toBe('OMV IMG STR V1.1');
    // First chunk: 16-byte header (bpp 2), then the payload.
    expect(v10.subarray(28, 32)).toEqual(Uint8Array.from([2, 0, 0, 0]));
    expect(Array.from(v10.subarray(32, 40))).toEqual(
      Array.from(v11.subarray(32, 40), (_, i) => v11[32 + (i ^ 1)]!),
    );
  });

  it('V1.x JPEG frames store their length in bpp', () => {
    const f = perFormat(11).find((x) => x.format === 'JPEG')!;
    const bpp = new DataView(f.bytes.buffer, f.bytes.byteOffset).getUint32(16 + 12, true);
    expect(bpp).toBe(REAL_JPEGS[0]!.bytes.length);
  });

  it('uncompressed pictures are not flat', () => {
    for (const f of perFormat(20).filter((x) => !isCompressed(PIXFORMAT[x.format]))) {
      const rgba = toRgba(open(f).frameAt(0));
      const values = new Set<number>();
      for (let i = 0; i < rgba.length; i += 4)
        values.add(rgba[i]! | (rgba[i + 1]! << 8) | (rgba[i + 2]! << 16));
      expect(values.size, f.name).toBeGreaterThan(1);
    }
  });

  it('is the same bytes on every call', () => {
    expect(perFormat(21).map((f) => f.bytes)).toEqual(perFormat(21).map((f) => f.bytes));
  });
});

describe('knownIntervals', () => {
  it('40 GRAYSCALE frames at 20/50/35 ms, each filled with its own grey level', () => {
    const f = knownIntervals();
    expectReadsAsPromised(f);
    expect(f.frames).toHaveLength(KNOWN_INTERVALS_FRAMES);
    expect(f.frames.map((fr) => fr.elapsedMs).slice(0, 6)).toEqual([20, 50, 35, 20, 50, 35]);
    expect(f.frames.every((fr) => fr.pixformat === PIXFORMAT.GRAYSCALE)).toBe(true);
    const io = open(f);
    expect(io.durationMs()).toBe(f.frames.reduce((n, fr) => n + fr.elapsedMs, 0));
    for (let i = 0; i < f.frames.length; i++)
      expect(new Set(io.frameAt(i).data)).toEqual(new Set([knownIntervalsLevel(i)]));
    expect(new Set(f.frames.map((fr) => fr.elapsedMs))).toEqual(new Set(INTERVAL_PATTERN_MS));
  });
});

describe('damaged and notAStream', () => {
  it('damaged: 7 complete frames, damage at frame 7 (offset 1584), repair keeps them', () => {
    const f = damaged();
    expect(f.damage).toEqual({ frameIndex: 7, offset: 1584 });
    expect([f.expectedFrames, f.damageOffset]).toEqual([7, 1584]);
    expect(f.bytes.length).toBe(1584 + 32 + 100);
    expectReadsAsPromised(f);
    const io = open(f);
    expect(io.dataEnd()).toBe(1584);
    expect(io.frameInfo(6).offset).toBe(16 + 6 * 224);
    const target = new MemoryStore();
    expect(repair(new MemoryStore(f.bytes), target).frames).toBe(7);
    expect(target.size()).toBe(f.damageOffset);
    expectReadsAsPromised({ ...f, bytes: target.bytes().slice(), damage: null });
  });

  it('notAStream: the engine refuses it', () => {
    const f = notAStream();
    expect(f.version).toBeNull();
    expect(Array.from(f.bytes.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(() => open(f)).toThrow(OSError);
    expect(() => open(f)).toThrow(MESSAGES.unexpectedValue);
  });
});

describe('mixed', () => {
  it('changes format and size mid-stream, and reads as promised', () => {
    const f = mixed();
    expectReadsAsPromised(f);
    expect(new Set(f.frames.map((fr) => fr.pixformat)).size).toBe(11);
    expect(new Set(f.frames.map((fr) => `${fr.width}x${fr.height}`)).size).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < f.frames.length; i++) {
      const [a, b] = [f.frames[i - 1]!, f.frames[i]!];
      expect(a.pixformat !== b.pixformat || a.width !== b.width || a.height !== b.height).toBe(true);
    }
  });
});
