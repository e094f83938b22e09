import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { Image, ImageIO, ManualClock, MemoryStore, PIXFORMAT } from '../format/index';
import { readMjpegAvi, readFrame } from '../format/avi/index';
import { decodePng } from '../format/stills/index';
import { toRgba } from '../format/pixels/index';
import { decodesCleanly, extractJpegFrames, ffprobe, hasFfmpeg } from '../format/test/ffmpeg';
import type { Output } from './commands';
import { exportFile, type ExportArgs } from './export';
import { importFiles } from './import';
import { NodeFileStore } from './node-file-store';
import { put, tempDir } from './test-fixtures';

const sink = (): Output & { text: string } => {
  const o = { text: '', write: (t: string) => void (o.text += t) };
  return o;
};

/** A JPEG stream of `n` distinct 64x48 frames at irregular intervals, and the JPEGs themselves. */
function jpegRecording(n: number): { bytes: Uint8Array; jpegs: Uint8Array[]; elapsed: number[] } {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
  const jpegs: Uint8Array[] = [];
  const elapsed: number[] = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.alloc(64 * 48 * 4);
    for (let p = 0; p < 64 * 48; p++) data.set([(p + i * 9) & 255, (p >> 6) * 5, i * 20, 255], p * 4);
    const j = new Uint8Array(jpeg.encode({ data, width: 64, height: 48 }, 80).data);
    jpegs.push(j);
    elapsed.push(i === 0 ? 5 : 30 + (i % 3) * 10);
    io.write(new Image(64, 48, PIXFORMAT.JPEG, j), { elapsedMs: elapsed[i] });
  }
  return { bytes: store.bytes().slice(), jpegs, elapsed };
}

const run = (args: Partial<ExportArgs> & { input: string; output: string }) =>
  exportFile({ loop: true, ...args }, sink(), () => undefined);

describe('export', () => {
  it('remuxes a JPEG stream into an AVI whose frames are the source JPEGs byte for byte', async () => {
    const dir = tempDir();
    const rec = jpegRecording(12);
    const input = put(dir, 'in.bin', rec.bytes);
    const output = join(dir, 'out.avi');
    await run({ input, output, from: 2, to: 9 });
    const store = new NodeFileStore(output, 'r');
    const avi = readMjpegAvi(store);
    expect(avi.frames.map((f) => Buffer.from(readFrame(store, f)).toString('hex'))).toEqual(
      rec.jpegs.slice(2, 10).map((j) => Buffer.from(j).toString('hex')),
    );
    store.close();
    if (!hasFfmpeg) return;
    const probe = ffprobe(output);
    expect(probe.streams[0]).toMatchObject({ width: 64, height: 48, nb_read_frames: '8' });
    // Frames 2..9 last until the next frame (3..10): the recording's own intervals.
    const expected = rec.elapsed.slice(3, 11).reduce((a, b) => a + b, 0) / 1000;
    expect(Number(probe.format.duration)).toBeCloseTo(expected, 2);
    const extracted = extractJpegFrames(output, join(dir, 'frames')).map((f) =>
      Buffer.from(f).toString('hex'),
    );
    expect(extracted).toEqual(rec.jpegs.slice(2, 10).map((j) => Buffer.from(j).toString('hex')));
  });

  it('encodes uncompressed frames for an AVI, letterboxing other sizes, and --scale resizes', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
    for (let i = 0; i < 6; i++) {
      const [w, h] = i < 3 ? [40, 30] : [30, 40];
      io.write(new Image(w, h, PIXFORMAT.GRAYSCALE, new Uint8Array(w * h).fill(40 * i)), { elapsedMs: 50 });
    }
    const input = put(dir, 'g.bin', store.bytes().slice());
    const output = join(dir, 'g.avi');
    await run({ input, output, scale: 80 });
    const avi = readMjpegAvi(new NodeFileStore(output, 'r'));
    expect([avi.width, avi.height, avi.frameCount]).toEqual([80, 60, 6]);
    if (hasFfmpeg) decodesCleanly(output);
  });

  it('writes stills of a chosen frame and refuses mismatches as the camera does', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    const io = ImageIO.open(store, 'w', { clock: new ManualClock() });
    const rgb = new Image(
      5,
      3,
      PIXFORMAT.RGB565,
      Uint8Array.from({ length: 30 }, (_, i) => i * 8),
    );
    io.write(rgb, { elapsedMs: 10 });
    io.write(new Image(4, 2, PIXFORMAT.GRAYSCALE, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])), {
      elapsedMs: 10,
    });
    const input = put(dir, 's.bin', store.bytes().slice());
    await run({ input, output: join(dir, 'a.png'), frame: 0 });
    expect(Array.from(decodePng(new Uint8Array(readFileSync(join(dir, 'a.png')))).data)).toEqual(
      Array.from(toRgba(rgb)),
    );
    await run({ input, output: join(dir, 'b.pgm'), frame: -1 });
    expect(readFileSync(join(dir, 'b.pgm')).toString('latin1')).toBe(
      'P5\n4 2\n255\n\x01\x02\x03\x04\x05\x06\x07\x08',
    );
    await expect(run({ input, output: join(dir, 'c.pgm'), frame: 0 })).rejects.toThrow(
      'OSError: Image is not PGM! (frame 0 is 5x3 RGB565)',
    );
    await expect(run({ input, output: join(dir, 'd.jpg'), frame: 2 })).rejects.toThrow(
      '--frame 2 is out of range: the recording has frames 0 to 1',
    );
    await expect(run({ input, output: join(dir, 'e.png'), roi: [0, 0, 2, 2] })).rejects.toThrow(
      '--roi is honoured by .bmp, .pgm and .ppm',
    );
    await run({ input, output: join(dir, 'f.bmp'), roi: [1, 1, 3, 2] });
    expect(readFileSync(join(dir, 'f.bmp')).readInt32LE(18)).toBe(3);
  });
});

describe('export to GIF', () => {
  it('writes a GIF whose frames, size and duration ffprobe confirms, and imports it back', async () => {
    const dir = tempDir();
    const rec = jpegRecording(10);
    const input = put(dir, 'in.bin', rec.bytes);
    const output = join(dir, 'clip.gif');
    await run({ input, output, scale: 32, loop: false });
    const total = rec.elapsed.slice(1).reduce((a, b) => a + b, 0);
    const mean = total / 9;
    if (hasFfmpeg) {
      const probe = ffprobe(output);
      expect(probe.streams[0]).toMatchObject({
        codec_name: 'gif',
        width: 32,
        height: 24,
        nb_read_frames: '10',
      });
      // Nine recorded intervals plus the last frame's mean interval, in whole centiseconds.
      expect(Number(probe.format.duration)).toBeCloseTo(Math.round((total + mean) / 10) / 100, 2);
    }
    const back = join(dir, 'back.bin');
    await importFiles({ inputs: [output], output: back }, sink(), () => undefined);
    const io = ImageIO.open(new NodeFileStore(back, 'r'), 'r');
    expect([io.count(), io.frameAt(0).width, io.frameAt(0).pixformat]).toEqual([10, 32, PIXFORMAT.RGB565]);
  });
});

describe('import', () => {
  it('turns an AVI, JPEG, PNG and PGM stills into one stream, in order', async () => {
    const dir = tempDir();
    const rec = jpegRecording(4);
    const input = put(dir, 'in.bin', rec.bytes);
    await run({ input, output: join(dir, 'clip.avi') });
    await run({ input, output: join(dir, 'one.jpg'), frame: 1 });
    const gray = new MemoryStore();
    const g = ImageIO.open(gray, 'w', { clock: new ManualClock() });
    g.write(new Image(3, 2, PIXFORMAT.GRAYSCALE, Uint8Array.from([9, 8, 7, 6, 5, 4])), { elapsedMs: 1 });
    const grayBin = put(dir, 'g.bin', gray.bytes().slice());
    await run({ input: grayBin, output: join(dir, 'g.pgm') });
    const out = join(dir, 'all.bin');
    const report = sink();
    await importFiles(
      { inputs: [join(dir, 'clip.avi'), join(dir, 'one.jpg'), join(dir, 'g.pgm')], output: out },
      report,
      () => undefined,
    );
    expect(report.text).toContain('wrote 6 frames');
    const back = ImageIO.open(new NodeFileStore(out, 'r'), 'r');
    expect(back.count()).toBe(6);
    for (let i = 0; i < 4; i++) expect(back.frameAt(i).data).toEqual(rec.jpegs[i]);
    expect(back.frameAt(4).data).toEqual(rec.jpegs[1]);
    const last = back.frameAt(5);
    expect([last.pixformat, Array.from(last.data)]).toEqual([PIXFORMAT.GRAYSCALE, [9, 8, 7, 6, 5, 4]]);
    expect(back.frameInfo(5).elapsedMs).toBe(100);
  });
});
