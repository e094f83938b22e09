import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../byte-store';
import { OSError, ValueError } from '../errors';
import { fromHex } from '../test/helpers';
import { readFrame, readMjpegAvi } from './index';
import { cameraHeader, cameraMjpeg, cameraPatch, standInJpeg } from './test/fixtures';

/** formats.md B §8.3: bytes 0x00-0xDF for 320x240 before patching. */
const SPEC_HEADER_320x240 = `
  52 49 46 46 00 00 00 00 41 56 49 20 4C 49 53 54
  C0 00 00 00 68 64 72 6C 61 76 69 68 38 00 00 00
  00 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00
  40 01 00 00 F0 00 00 00 E8 03 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 4C 49 53 54 74 00 00 00
  73 74 72 6C 73 74 72 68 38 00 00 00 76 69 64 73
  4D 4A 50 47 00 00 00 00 00 00 00 00 00 00 00 00
  E8 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 10 27 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 73 74 72 66 28 00 00 00 28 00 00 00
  40 01 00 00 F0 00 00 00 01 00 18 00 4D 4A 50 47
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 4C 49 53 54 00 00 00 00 6D 6F 76 69`;

/** A stand-in JPEG of exactly `length` bytes (standInJpeg is 53 bytes plus its comment at seed 0). */
const jpegOfLength = (length: number, w = 320, h = 240): Uint8Array => standInJpeg(w, h, length - 53, 0);

const u32 = (b: Uint8Array, at: number): number =>
  ((b[at] as number) |
    ((b[at + 1] as number) << 8) |
    ((b[at + 2] as number) << 16) |
    ((b[at + 3] as number) << 24)) >>>
  0;

describe("the camera's mjpeg files (formats.md B §8)", () => {
  it('builds the 224-byte header of B §8.3 byte for byte', () => {
    expect(cameraHeader(320, 240)).toEqual(fromHex(SPEC_HEADER_320x240));
  });

  it('patches as the B §8.4 example: 1001/2000/3003-byte JPEGs, us_avg 33500', () => {
    const frames = [1001, 2000, 3003].map((n) => jpegOfLength(n));
    expect(frames.map((f) => f.length)).toEqual([1001, 2000, 3003]);
    expect(cameraPatch(3, 6008, 33500)).toEqual({
      datasize: 6032,
      riffSize: 6248,
      moviSize: 6036,
      rate: 29850,
      length: 0,
      maxbytes: 67357333,
    });
    const file = cameraMjpeg({ width: 320, height: 240, frames, usAvg: 33500 });
    expect(file.length).toBe(6256);
    expect([4, 32, 36, 48, 76, 84, 132, 140, 216].map((at) => u32(file, at))).toEqual([
      6248, 33500, 67357333, 3, 29850, 0, 29850, 0, 6036,
    ]);
    // Chunk sizes count the padding: 1004, 2000, 3004.
    expect([u32(file, 228), u32(file, 224 + 8 + 1004 + 4), u32(file, 224 + 16 + 3004 + 4)]).toEqual([
      1004, 2000, 3004,
    ]);
  });

  it('reads a closed camera file: every frame, pad bytes after EOI dropped, no damage', () => {
    const frames = [1001, 2000, 3003, 4002, 77].map((n) => jpegOfLength(n));
    const store = new MemoryStore(
      cameraMjpeg({ width: 320, height: 240, frames, usAvg: 33500, padByte: 0xaa }),
    );
    const avi = readMjpegAvi(store);
    expect(avi).toMatchObject({
      width: 320,
      height: 240,
      frameCount: 5,
      index: 'scan',
      recovered: false,
      damage: null,
    });
    expect(avi.frames.map((f) => f.size)).toEqual([1004, 2000, 3004, 4004, 80]);
    expect(avi.frames.map((f) => readFrame(store, f))).toEqual(frames);
    // strh: scale 1000, rate 29850 -> 33500.8 us a frame.
    expect(avi.usPerFrame).toBeCloseTo(1e9 / 29850, 6);
  });

  it('recovers every complete frame of a file that was never closed and was cut mid-chunk', () => {
    const frames = Array.from({ length: 12 }, (_, i) => jpegOfLength(500 + 37 * i));
    const whole = cameraMjpeg({ width: 320, height: 240, frames, usAvg: 40000, patchedFrames: 0 });
    expect(u32(whole, 4)).toBe(0); // RIFF size
    expect(u32(whole, 216)).toBe(0); // movi size
    const cut = whole.subarray(0, whole.length - 300); // inside the last chunk
    const store = new MemoryStore(cut);
    const avi = readMjpegAvi(store);
    expect(avi.frameCount).toBe(11);
    expect(avi.recovered).toBe(true);
    expect(avi.usPerFrame).toBe(0);
    expect(avi.damage).toMatch(/RIFF size is 0 \(the file was never closed\)/);
    expect(avi.damage).toMatch(
      /frame 11: its chunk at byte \d+ declares \d+ bytes but \d+ remain in the file/,
    );
    expect(avi.frames.map((f) => readFrame(store, f))).toEqual(frames.slice(0, 11));
  });

  it('recovers a never-closed file cut at a chunk boundary, inside a chunk header, or with no frame', () => {
    const frames = Array.from({ length: 4 }, (_, i) => jpegOfLength(300 + i));
    const whole = cameraMjpeg({ width: 160, height: 120, frames, usAvg: 0, patchedFrames: 0 });
    const boundary = readMjpegAvi(new MemoryStore(whole));
    expect(boundary).toMatchObject({ frameCount: 4, recovered: true });
    expect(boundary.damage).toBe('RIFF size is 0 (the file was never closed)');

    const inHeader = readMjpegAvi(new MemoryStore(whole.subarray(0, whole.length - 312 + 3)));
    expect(inHeader.frameCount).toBe(3);
    expect(inHeader.damage).toMatch(/ends inside a chunk header/);

    const empty = readMjpegAvi(new MemoryStore(whole.subarray(0, 224)));
    expect(empty).toMatchObject({ frameCount: 0, recovered: true });
  });

  it('keeps the frames written after the last sync(), whose sizes the header does not count', () => {
    const frames = Array.from({ length: 7 }, (_, i) => jpegOfLength(400 + 11 * i));
    const file = cameraMjpeg({ width: 320, height: 240, frames, usAvg: 50000, patchedFrames: 3 });
    const avi = readMjpegAvi(new MemoryStore(file));
    expect(avi.frameCount).toBe(7);
    expect(avi.recovered).toBe(true);
    expect(avi.damage).toMatch(/frames continue past the movi list's stated end/);
    expect(avi.usPerFrame).toBeCloseTo(1e9 / 20000, 6);
  });

  it('refuses what is not an MJPEG AVI with a ValueError naming the place', () => {
    const read = (b: Uint8Array) => () => readMjpegAvi(new MemoryStore(b));
    expect(read(new Uint8Array(5))).toThrow(ValueError);
    expect(read(new Uint8Array(64))).toThrow(/Not an AVI file: expected "RIFF....AVI " at byte 0/);
    const header = cameraHeader(320, 240);
    expect(read(header.subarray(0, 200))).toThrow(ValueError); // hdrl cut
    expect(read(header.subarray(0, 216))).toThrow(/No movi list/);
    const h264 = header.slice();
    h264.set([0x48, 0x32, 0x36, 0x34], 188); // strf biCompression 'H264'
    expect(read(h264)).toThrow("Stream 0 is 'H264' video, not MJPEG");
  });

  it('readFrame checks its entry against the file', () => {
    const store = new MemoryStore(new Uint8Array(100));
    expect(() => readFrame(store, { offset: 90, size: 20 })).toThrow(OSError);
    expect(() => readFrame(store, { offset: -1, size: 2 })).toThrow(ValueError);
    expect(() => readFrame(store, { offset: 0.5, size: 2 })).toThrow(ValueError);
  });
});

describe('damage in the middle of a file', () => {
  it('skips a broken chunk header to the next frame and says where', () => {
    const frames = Array.from({ length: 6 }, (_, i) => jpegOfLength(200 + 4 * i));
    const file = cameraMjpeg({ width: 320, height: 240, frames, usAvg: 30000 });
    const third = 224 + 2 * 8 + 200 + 204;
    file.set([0, 0, 0, 0], third); // the third chunk's id
    const store = new MemoryStore(file);
    const avi = readMjpegAvi(store);
    expect(avi.frameCount).toBe(5);
    expect(avi.damage).toBe(
      `bytes 00 00 00 00 D0 00 00 00 at byte ${third} are not a chunk header; skipped to the next frame chunk at byte ${third + 8 + 208}`,
    );
    expect(avi.frames.map((f) => readFrame(store, f))).toEqual([0, 1, 3, 4, 5].map((i) => frames[i]));
  });
});
