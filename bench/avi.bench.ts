import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'jpeg-js';
import { NodeFileStore } from '../src/cli/node-file-store';
import { MjpegAviWriter, readMjpegAvi } from '../src/format/avi/index';
import { Image, ImageIO, ManualClock, PIXFORMAT } from '../src/format/index';
import { report, time, type Suite } from './harness';

const FRAMES = 2000;
const WIDTH = 320;
const HEIGHT = 240;

/** One real 320x240 JPEG (jpeg-js), the picture every bench frame shares. */
function baseJpeg(): Uint8Array {
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let i = 0; i < WIDTH * HEIGHT; i++) {
    rgba[4 * i] = i & 0xff;
    rgba[4 * i + 1] = (i >> 8) & 0xff;
    rgba[4 * i + 2] = (i * 7) & 0xff;
    rgba[4 * i + 3] = 255;
  }
  return new Uint8Array(encode({ width: WIDTH, height: HEIGHT, data: rgba }, 90).data);
}

/**
 * `base` with COM segments of `pad` bytes in all after SOI: a valid JPEG of the same picture whose
 * length varies from frame to frame (about 100-200 KB here), so the copy moves realistic amounts.
 */
function padded(base: Uint8Array, pad: number): Uint8Array {
  const segments = Math.ceil(pad / 65533);
  const out = new Uint8Array(base.length + pad + 4 * segments);
  out.set(base.subarray(0, 2));
  let at = 2;
  for (let left = pad; left > 0;) {
    const n = Math.min(65533, left);
    out.set([0xff, 0xfe, (n + 2) >> 8, (n + 2) & 0xff], at);
    out.fill(0x20 + (left % 90), at + 4, at + 4 + n);
    at += 4 + n;
    left -= n;
  }
  out.set(base.subarray(2), at);
  return out;
}

/** Records FRAMES JPEG frames (~300 MB) through the engine to a V2.0 file. */
function writeRecording(path: string): void {
  const base = baseJpeg();
  const io = ImageIO.open(new NodeFileStore(path, 'w'), 'w', { clock: new ManualClock() });
  for (let i = 0; i < FRAMES; i++) {
    const pad = 40_000 + (((i * 2654435761) >>> 0) % 100_000);
    io.write(new Image(WIDTH, HEIGHT, PIXFORMAT.JPEG, padded(base, pad)), { elapsedMs: 30 + (i % 7) });
  }
  io.close();
}

/** The remux: every frame read through ImageIO and copied into an AVI; the writer's close() fsyncs. */
function remux(src: string, dst: string): number {
  const io = ImageIO.open(new NodeFileStore(src, 'r'), 'r');
  const n = io.count();
  const avi = new MjpegAviWriter(new NodeFileStore(dst, 'w'), { width: WIDTH, height: HEIGHT });
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? io.frameInfo(i + 1).elapsedMs : 33;
    avi.addFrame(io.frameAt(i).data, next);
  }
  avi.close();
  io.close();
  return n;
}

/** The baseline: the same file copied with 1 MiB reads and writes, then fsynced like the AVI. */
function copyFile(src: string, dst: string): number {
  const from = openSync(src, 'r');
  const to = openSync(dst, 'w');
  const buf = new Uint8Array(1 << 20);
  let total = 0;
  for (let n; (n = readSync(from, buf, 0, buf.length, null)) > 0; total += n) writeSync(to, buf, 0, n);
  fsyncSync(to);
  closeSync(from);
  closeSync(to);
  return total;
}

export const suite: Suite = {
  name: 'avi',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'omv-bench-avi-'));
    try {
      const src = join(dir, 'recording.bin');
      const avi = join(dir, 'clip.avi');
      const copy = join(dir, 'copy.bin');
      writeRecording(src);
      const mb = (statSync(src).size / 1e6).toFixed(0);

      const remuxTime = await time(() => remux(src, avi), { minRuns: 3, minMs: 0 });
      const copyTime = await time(() => copyFile(src, copy), { minRuns: 3, minMs: 0 });
      const store = new NodeFileStore(avi, 'r');
      const check = readMjpegAvi(store);
      store.close();
      if (check.frameCount !== FRAMES) throw new Error(`AVI holds ${check.frameCount} frames, not ${FRAMES}`);
      const speed = copyTime.medianMs / remuxTime.medianMs;
      report({
        name: `AVI remux of a ${FRAMES}-frame JPEG stream (${mb} MB) via ImageIO + MjpegAviWriter`,
        value: remuxTime,
        baselineName: 'copying the file (1 MiB reads/writes, fsync)',
        baseline: copyTime,
        targetRatio: 2,
        note: `speed ${speed.toFixed(2)}x of copy; target >= 0.5x: ${speed >= 0.5 ? 'met' : 'NOT met'}`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
