import { asciiBytes, writeU16, writeU32 } from '../../bytes';

/**
 * Test material for the AVI code: a builder of camera-written mjpeg files, byte for byte as formats.md
 * B §8.3-§8.4 describes them, and marker-valid stand-in JPEGs (no decodable picture) for tests that only
 * move bytes around.
 */

/** Rounds up to a multiple of 4 (the camera's chunk padding, B §8.2). */
const ceil4 = (n: number): number => Math.ceil(n / 4) * 4;

/** The camera's 224-byte header as `mjpeg.Mjpeg(path, w, h)` writes it, before any patching (B §8.3). */
export function cameraHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(224);
  const tag = (at: number, code: string): void => b.set(asciiBytes(code), at);
  tag(0, 'RIFF');
  tag(8, 'AVI ');
  tag(12, 'LIST');
  writeU32(b, 16, 192);
  tag(20, 'hdrl');
  tag(24, 'avih');
  writeU32(b, 28, 56);
  writeU32(b, 40, 4);
  writeU32(b, 56, 1);
  writeU32(b, 64, width);
  writeU32(b, 68, height);
  writeU32(b, 72, 1000);
  tag(88, 'LIST');
  writeU32(b, 92, 116);
  tag(96, 'strl');
  tag(100, 'strh');
  writeU32(b, 104, 56);
  tag(108, 'vids');
  tag(112, 'MJPG');
  writeU32(b, 128, 1000);
  writeU32(b, 148, 10000);
  tag(164, 'strf');
  writeU32(b, 168, 40);
  writeU32(b, 172, 40);
  writeU32(b, 176, width);
  writeU32(b, 180, height);
  writeU16(b, 184, 1);
  writeU16(b, 186, 24);
  tag(188, 'MJPG');
  tag(212, 'LIST');
  tag(220, 'movi');
  return b;
}

/** The values `mjpeg_sync` computes (B §8.4). */
export function cameraPatch(frames: number, bytes: number, usAvg: number) {
  const datasize = frames * 8 + bytes;
  const rate = usAvg > 0 ? Math.floor(1_000_000_000 / usAvg) : 0;
  const length = rate > 0 ? Math.floor((frames * 1000) / rate) : 0;
  const maxbytes = frames > 0 ? Number((BigInt(datasize) * BigInt(usAvg)) / BigInt(frames)) % 2 ** 32 : 0;
  return { datasize, riffSize: 216 + datasize, moviSize: 4 + datasize, rate, length, maxbytes };
}

export interface CameraFileOptions {
  width: number;
  height: number;
  /** The JPEG bytes of each frame; each chunk is padded to 4 with `padByte` and counts the padding. */
  frames: Uint8Array[];
  /** us_avg as the camera measured it. */
  usAvg: number;
  /**
   * How many frames the last sync()/close() patched the header for: all (closed, the default), 0
   * (never synced: every patched field still 0), or fewer (synced, then more frames, then power loss).
   */
  patchedFrames?: number;
  /** The pad bytes' value: unspecified on the camera (whatever memory followed the JPEG). Default 0. */
  padByte?: number;
}

/** A file as the camera's mjpeg module leaves it (B §8.3-§8.4). */
export function cameraMjpeg(o: CameraFileOptions): Uint8Array {
  const chunks = o.frames.map((f) => ceil4(f.length));
  const total = 224 + chunks.reduce((a, c) => a + 8 + c, 0);
  const out = new Uint8Array(total);
  out.set(cameraHeader(o.width, o.height));
  let at = 224;
  for (const [i, f] of o.frames.entries()) {
    const cb = chunks[i] as number;
    out.set(asciiBytes('00dc'), at);
    writeU32(out, at + 4, cb);
    out.set(f, at + 8);
    out.fill(o.padByte ?? 0, at + 8 + f.length, at + 8 + cb);
    at += 8 + cb;
  }
  const k = o.patchedFrames ?? o.frames.length;
  if (k > 0) {
    const bytes = chunks.slice(0, k).reduce((a, c) => a + c, 0);
    const p = cameraPatch(k, bytes, o.usAvg);
    for (const [off, v] of [
      [4, p.riffSize],
      [32, o.usAvg],
      [36, p.maxbytes],
      [48, k],
      [76, p.rate],
      [84, p.length],
      [132, p.rate],
      [140, p.length],
      [216, p.moviSize],
    ] as const)
      writeU32(out, off, v);
  }
  return out;
}

/**
 * A marker-valid JPEG stand-in: SOI, an SOF0 declaring width x height, a COM segment of `fill` bytes
 * (so sizes vary), a minimal SOS, `body` bytes of stand-in entropy data, EOI. Not decodable; enough for
 * code that checks markers and moves bytes.
 */
export function standInJpeg(width: number, height: number, fill: number, seed = 0): Uint8Array {
  const com = Math.min(fill, 65533);
  const body = 16 + (seed % 7);
  const out = new Uint8Array(2 + 19 + (4 + com) + 10 + body + 2);
  let at = 0;
  out.set([0xff, 0xd8], at);
  at += 2;
  out.set([0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3], at);
  out.set([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], at + 10);
  at += 19;
  out.set([0xff, 0xfe, (com + 2) >> 8, (com + 2) & 0xff], at);
  for (let k = 0; k < com; k++) out[at + 4 + k] = (k * 31 + seed) & 0x7f;
  at += 4 + com;
  out.set([0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0], at);
  at += 10;
  for (let k = 0; k < body; k++) out[at + k] = (k * 13 + seed * 7) & 0xfe; // never 0xFF: no stray markers
  at += body;
  out.set([0xff, 0xd9], at);
  return out;
}
