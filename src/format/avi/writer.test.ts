import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_FFMPEG, decodesCleanly, extractJpegFrames, ffprobe, hasFfmpeg } from '../test/ffmpeg';
import { NodeFileStore } from '../../cli/node-file-store';
import { ascii, readU32 } from '../bytes';
import { MemoryStore } from '../byte-store';
import { OSError, ValueError } from '../errors';
import { AVI_LAYOUT, MjpegAviWriter, readFrame, readMjpegAvi } from './index';
import { standInJpeg } from './test/fixtures';

/** A real baseline JPEG (jpeg-js) of a gradient that changes with `seed`, so frames differ. */
function realJpeg(width: number, height: number, seed: number, quality = 80): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      rgba[i] = ((x * 255) / width + seed * 17) & 255;
      rgba[i + 1] = ((y * 255) / height + seed * 5) & 255;
      rgba[i + 2] = ((x ^ y) + seed * 3) & 255;
      rgba[i + 3] = 255;
    }
  return new Uint8Array(encode({ width, height, data: rgba }, quality).data);
}

/** Irregular frame times (20-61 ms, with quarter milliseconds), as a real recording has. */
const irregular = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => 20 + ((i * 37) % 41) + 0.25 * (i % 4));
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function writeAvi(
  store: MemoryStore | NodeFileStore,
  frames: Uint8Array[],
  durations: number[],
  size: { width: number; height: number },
  riffLimitBytes?: number,
): void {
  const w = new MjpegAviWriter(store, { ...size, riffLimitBytes });
  frames.forEach((f, i) => w.addFrame(f, durations[i] as number));
  w.close();
}

const tag = (b: Uint8Array, at: number): string => ascii(b.subarray(at, at + 4));

/** ffmpeg runs and jpeg-js encoding take seconds on a loaded 2-core machine. */
const SLOW = 60_000;

if (!hasFfmpeg) console.warn(`AVI tests: ${NO_FFMPEG}; the external-player checks are skipped`);
const dir = mkdtempSync(join(tmpdir(), 'omv-avi-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The frames ffmpeg copies out of the AVI. */
const extract = (path: string, name: string): Uint8Array[] => extractJpegFrames(path, join(dir, name));

describe.skipIf(!hasFfmpeg)('MJPEG AVI judged by ffprobe/ffmpeg', () => {
  for (const [width, height] of [
    [320, 240],
    [33, 17],
  ] as const) {
    it(
      `${width}x${height}, 30 frames, irregular timing: count, size, codec, duration, byte-identical frames`,
      () => {
        const frames = Array.from({ length: 30 }, (_, i) => realJpeg(width, height, i));
        const durations = irregular(30);
        const totalMs = sum(durations);
        const path = join(dir, `clip-${width}x${height}.avi`);
        writeAvi(new NodeFileStore(path, 'w'), frames, durations, { width, height });

        const probe = ffprobe(path);
        const s = probe.streams[0];
        expect(s).toMatchObject({ codec_name: 'mjpeg', width, height, nb_read_frames: '30' });
        const frameMs = totalMs / 30;
        expect(Math.abs(Number(probe.format.duration) * 1000 - totalMs)).toBeLessThanOrEqual(frameMs);
        expect(Math.abs(Number(s?.duration) * 1000 - totalMs)).toBeLessThanOrEqual(frameMs);
        const [num, den] = (s?.avg_frame_rate ?? '0/1').split('/').map(Number) as [number, number];
        expect(num / den).toBeCloseTo(30_000 / totalMs, 6);
        console.log(`ffprobe ${width}x${height} (recording ${totalMs} ms): ${JSON.stringify(probe)}`);

        decodesCleanly(path);
        const copied = extract(path, `frames-${width}x${height}`);
        expect(copied.length).toBe(30);
        copied.forEach((f, i) =>
          expect(Buffer.from(f).equals(Buffer.from(frames[i] as Uint8Array))).toBe(true),
        );
      },
      SLOW,
    );
  }

  it(
    'OpenDML: several RIFF AVIX segments, every frame counted and copied out byte for byte',
    () => {
      const frames = Array.from({ length: 90 }, (_, i) => realJpeg(96, 64, i, 90 + (i % 8)));
      const durations = irregular(90);
      const path = join(dir, 'odml.avi');
      writeAvi(new NodeFileStore(path, 'w'), frames, durations, { width: 96, height: 64 }, 40_000);

      const bytes = new Uint8Array(readFileSync(path));
      const segments = readU32(bytes, AVI_LAYOUT.indx + 12);
      expect(segments).toBeGreaterThanOrEqual(4);
      // Walk the top level: one RIFF 'AVI ' then RIFF 'AVIX' segments, each within 2 GiB, tiling the file.
      const kinds: string[] = [];
      for (let at = 0; at < bytes.length; at += 8 + readU32(bytes, at + 4)) {
        expect(tag(bytes, at)).toBe('RIFF');
        kinds.push(tag(bytes, at + 8));
      }
      expect(kinds).toEqual(['AVI ', ...Array<string>(segments - 1).fill('AVIX')]);
      expect(readU32(bytes, AVI_LAYOUT.avih + 16)).toBeLessThan(90); // avih: the first RIFF's frames
      expect(readU32(bytes, AVI_LAYOUT.odml + 20)).toBe(90); // dmlh: all of them
      expect(readU32(bytes, AVI_LAYOUT.strh + 32)).toBe(90); // strh dwLength: all of them

      const probe = ffprobe(path);
      expect(probe.streams[0]).toMatchObject({
        codec_name: 'mjpeg',
        width: 96,
        height: 64,
        nb_read_frames: '90',
      });
      expect(Math.abs(Number(probe.format.duration) * 1000 - sum(durations))).toBeLessThanOrEqual(
        sum(durations) / 90,
      );
      console.log(`ffprobe OpenDML (${segments} RIFF segments): ${JSON.stringify(probe)}`);
      decodesCleanly(path);
      const copied = extract(path, 'frames-odml');
      expect(copied.length).toBe(90);
      copied.forEach((f, i) =>
        expect(Buffer.from(f).equals(Buffer.from(frames[i] as Uint8Array))).toBe(true),
      );

      const avi = readMjpegAvi(new NodeFileStore(path, 'r'));
      expect(avi).toMatchObject({ frameCount: 90, index: 'indx', recovered: false, damage: null });
    },
    SLOW,
  );
});

describe('MjpegAviWriter layout', () => {
  const frames = [standInJpeg(16, 8, 100, 1), standInJpeg(16, 8, 300, 2), standInJpeg(16, 8, 50, 3)];

  it('writes the documented layout: hdrl, indx, odml, JUNK, movi at 8180, ix00, idx1', () => {
    const store = new MemoryStore();
    writeAvi(store, frames, [40, 30, 30], { width: 16, height: 8 });
    const b = store.bytes();
    expect(frames.map((f) => f.length % 2)).toContain(1); // one frame needs a pad byte
    for (const [at, code] of [
      [0, 'RIFF'],
      [8, 'AVI '],
      [12, 'LIST'],
      [20, 'hdrl'],
      [24, 'avih'],
      [88, 'LIST'],
      [96, 'strl'],
      [100, 'strh'],
      [108, 'vids'],
      [112, 'MJPG'],
      [164, 'strf'],
      [188, 'MJPG'],
      [212, 'indx'],
      [228, '00dc'],
      [4340, 'LIST'],
      [4348, 'odml'],
      [4352, 'dmlh'],
      [4608, 'JUNK'],
      [8180, 'LIST'],
      [8188, 'movi'],
      [8192, '00dc'],
    ] as const)
      expect(tag(b, at), `offset ${at}`).toBe(code);
    expect(readU32(b, 4)).toBe(b.length - 8);
    expect(readU32(b, 16)).toBe(4588);
    expect(readU32(b, AVI_LAYOUT.avih + 12)).toBe(0x910); // HASINDEX | ISINTERLEAVED | TRUSTCKTYPE
    expect(readU32(b, AVI_LAYOUT.avih + 16)).toBe(3);
    expect(readU32(b, AVI_LAYOUT.avih + 32)).toBe(16);
    expect(readU32(b, AVI_LAYOUT.avih + 36)).toBe(8);
    // 3 frames in 100 ms: rate/scale = 30 fps exactly, length 3, so the clip lasts 100 ms.
    expect([readU32(b, AVI_LAYOUT.strh + 20), readU32(b, AVI_LAYOUT.strh + 24)]).toEqual([1, 30]);
    expect(readU32(b, AVI_LAYOUT.strh + 32)).toBe(3);
    expect(readU32(b, AVI_LAYOUT.avih)).toBe(33333);

    // Chunks: sizes are the JPEG lengths, odd ones followed by one pad byte; ix00 then end of movi.
    let at = 8192;
    for (const f of frames) {
      expect(tag(b, at)).toBe('00dc');
      expect(readU32(b, at + 4)).toBe(f.length);
      expect(b.subarray(at + 8, at + 8 + f.length)).toEqual(f);
      at += 8 + f.length + (f.length & 1);
    }
    expect(tag(b, at)).toBe('ix00');
    expect(readU32(b, at + 4)).toBe(24 + 8 * 3);
    expect(readU32(b, AVI_LAYOUT.superIndexEntries)).toBe(at); // super index -> this ix00
    expect(readU32(b, AVI_LAYOUT.superIndexEntries + 8)).toBe(32 + 24);
    expect(readU32(b, AVI_LAYOUT.superIndexEntries + 12)).toBe(3);
    expect(readU32(b, at + 20)).toBe(8188); // qwBaseOffset: the 'movi' code
    expect(readU32(b, at + 32)).toBe(8192 + 8 - 8188); // first entry: the frame's data
    at += 8 + 24 + 8 * 3;
    expect(readU32(b, 8184)).toBe(at - 8188); // movi size
    expect(tag(b, at)).toBe('idx1');
    expect(readU32(b, at + 4)).toBe(48);
    expect([tag(b, at + 8), readU32(b, at + 12), readU32(b, at + 16), readU32(b, at + 20)]).toEqual([
      '00dc',
      0x10,
      4,
      frames[0]?.length,
    ]);
    expect(at + 8 + 48).toBe(b.length);
  });

  it('round-trips through the reader byte for byte (odd lengths, many segments, one frame, none)', () => {
    for (const [n, limit] of [
      [40, undefined],
      [40, 2000],
      [1, undefined],
      [0, undefined],
    ] as const) {
      const src = Array.from({ length: n }, (_, i) => standInJpeg(24, 16, (i * 97) % 700, i));
      const store = new MemoryStore();
      writeAvi(store, src, irregular(n), { width: 24, height: 16 }, limit);
      const avi = readMjpegAvi(store);
      expect(avi).toMatchObject({ width: 24, height: 16, frameCount: n, recovered: false, damage: null });
      expect(avi.index).toBe(n === 0 ? 'idx1' : 'indx'); // no ix00 for no frames; idx1 is empty
      avi.frames.forEach((e, i) => expect(readFrame(store, e)).toEqual(src[i]));
      if (n > 0) expect(avi.usPerFrame * n).toBeCloseTo(sum(irregular(n)) * 1000, 3);
    }
  });

  it('round-trips real JPEGs of odd sizes', () => {
    const src = [realJpeg(33, 17, 1), realJpeg(33, 17, 2), realJpeg(33, 17, 3)];
    const store = new MemoryStore();
    writeAvi(store, src, [10, 20, 30], { width: 33, height: 17 });
    const avi = readMjpegAvi(store);
    expect(avi.frames.map((e) => readFrame(store, e))).toEqual(src);
  });

  it('an unclosed writer leaves a file the reader recovers', () => {
    const store = new MemoryStore();
    const w = new MjpegAviWriter(store, { width: 16, height: 8 });
    frames.forEach((f) => w.addFrame(f, 33));
    (w as unknown as { flushStaging(): void }).flushStaging(); // what reached the disk before a crash
    const avi = readMjpegAvi(store);
    expect(avi.frameCount).toBe(3);
    expect(avi.recovered).toBe(true);
    expect(avi.damage).toMatch(/never closed/);
  });

  it('rejects frames of the wrong size, non-JPEGs and bad durations without writing them', () => {
    const store = new MemoryStore();
    const w = new MjpegAviWriter(store, { width: 16, height: 8 });
    w.addFrame(frames[0] as Uint8Array, 33);
    expect(() => w.addFrame(standInJpeg(17, 8, 10), 33)).toThrow(ValueError);
    expect(() => w.addFrame(standInJpeg(17, 8, 10), 33)).toThrow(
      'Frame 1: the JPEG is 17x8, the AVI is 16x8',
    );
    expect(() => w.addFrame(new Uint8Array([1, 2, 3, 4, 5]), 33)).toThrow(/no SOI/);
    expect(() => w.addFrame(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]), 33)).toThrow(
      /no SOF/,
    );
    expect(() => w.addFrame(frames[1] as Uint8Array, -1)).toThrow(ValueError);
    expect(() => w.addFrame(frames[1] as Uint8Array, NaN)).toThrow(ValueError);
    w.close();
    w.close();
    expect(() => w.addFrame(frames[1] as Uint8Array, 33)).toThrow(OSError);
    expect(readMjpegAvi(store).frameCount).toBe(1);
    expect(() => new MjpegAviWriter(new MemoryStore(), { width: 0, height: 8 })).toThrow(ValueError);
    expect(() => new MjpegAviWriter(new MemoryStore(), { width: 70000, height: 8 })).toThrow(ValueError);
    expect(() => new MjpegAviWriter(new MemoryStore(), { width: 8, height: 8, fps: 0 })).toThrow(ValueError);
    expect(() => new MjpegAviWriter(new MemoryStore(), { width: 8, height: 8, riffLimitBytes: 0 })).toThrow(
      ValueError,
    );
  });

  it('uses the nominal fps when the frames carry no timing', () => {
    const store = new MemoryStore();
    const w = new MjpegAviWriter(store, { width: 16, height: 8, fps: 29.97 });
    frames.forEach((f) => w.addFrame(f, 0));
    w.close();
    const b = store.bytes();
    expect([readU32(b, AVI_LAYOUT.strh + 20), readU32(b, AVI_LAYOUT.strh + 24)]).toEqual([100, 2997]);
  });

  it('stops at the super index capacity with an OSError, and the file still closes cleanly', () => {
    const store = new MemoryStore();
    const w = new MjpegAviWriter(store, { width: 16, height: 8, riffLimitBytes: 1 });
    const f = frames[0] as Uint8Array;
    for (let i = 0; i < AVI_LAYOUT.superIndexCapacity; i++) w.addFrame(f, 10);
    expect(() => w.addFrame(f, 10)).toThrow(OSError);
    w.close();
    const avi = readMjpegAvi(store);
    expect(avi).toMatchObject({ frameCount: AVI_LAYOUT.superIndexCapacity, index: 'indx', recovered: false });
  });
});
