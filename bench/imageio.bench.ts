import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFileStore } from '../src/cli/node-file-store';
import { Image, ImageIO, ManualClock, PIXFORMAT } from '../src/format/index';
import { report, time, type Suite } from './harness';

/** Reads a whole file once in 1 MiB reads: the baseline every indexing figure is compared with. */
function readWholeFile(path: string): number {
  const fd = openSync(path, 'r');
  const buf = new Uint8Array(1 << 20);
  let total = 0;
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) total += n;
  closeSync(fd);
  return total;
}

/** Writes `frames` through the engine to a V2.0 file. */
function writeStream(path: string, frames: Iterable<Image>): void {
  const io = ImageIO.open(new NodeFileStore(path, 'w'), 'w', { clock: new ManualClock() });
  for (const f of frames) io.write(f, { elapsedMs: 33 });
  io.close();
}

function* qvgaFrames(n: number): Generator<Image> {
  const data = new Uint8Array(320 * 240 * 2);
  for (let i = 0; i < n; i++) {
    data[i % data.length] = i & 0xff;
    yield new Image(320, 240, PIXFORMAT.RGB565, data);
  }
}

/** Small JPEG-sized frames of varying length (8-13.5 KiB), so the index cannot assume a stride. */
function* jpegFrames(n: number): Generator<Image> {
  const data = new Uint8Array(14 * 1024);
  data.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 0; i < n; i++) {
    const len = 8 * 1024 + (((i * 2654435761) >>> 0) % (5 * 1024 + 512));
    data[len - 2] = 0xff;
    data[len - 1] = 0xd9;
    yield new Image(160, 120, PIXFORMAT.JPEG, data.subarray(0, len));
  }
}

/**
 * The platform's floor for any per-frame index: one bare fs.readSync of a header per frame at offsets
 * taken from the real index, with no parsing at all. Printed so the engine's own overhead is visible.
 */
function bareHeaderReads(path: string, offsets: number[]): void {
  const fd = openSync(path, 'r');
  const b = new Uint8Array(32);
  for (const at of offsets) readSync(fd, b, 0, 32, at);
  closeSync(fd);
}

function chunkOffsets(path: string): number[] {
  const io = ImageIO.open(new NodeFileStore(path, 'r'), 'r');
  const offsets = Array.from({ length: io.count() }, (_, i) => io.frameInfo(i).offset);
  io.close();
  return offsets;
}

/**
 * Empties the kernel's page cache (root on Linux only), so the next read comes from the disk: what a
 * first open of a file copied from an SD card meets. Returns false where it cannot.
 */
function dropCaches(): boolean {
  try {
    execSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** One cold run of `fn` per sample, with the cache dropped before each. */
async function cold(fn: () => unknown, runs = 3) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    dropCaches();
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(runs / 2)] ?? 0, runs };
}

async function coldRows(path: string, label: string, target: number): Promise<void> {
  if (!dropCaches()) {
    console.log(`cold-cache ${label}: skipped (needs root on Linux to drop the page cache)`);
    return;
  }
  report({
    name: `cold cache: open (index) ${label}`,
    value: await cold(() => open(path)),
    baselineName: 'reading the whole file once, cold',
    baseline: await cold(() => readWholeFile(path)),
    targetRatio: target,
  });
}

const open = (path: string) => {
  const io = ImageIO.open(new NodeFileStore(path, 'r'), 'r');
  const n = io.count();
  io.close();
  return n;
};

export const suite: Suite = {
  name: 'imageio',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'omv-bench-'));
    try {
      const qvga = join(dir, 'qvga.bin');
      const rawQvga = join(dir, 'qvga.raw');
      const writeEngine = await time(() => writeStream(qvga, qvgaFrames(7000)), { minRuns: 1, minMs: 0 });
      const writeRaw = await time(
        () => {
          const fd = openSync(rawQvga, 'w');
          const chunk = new Uint8Array(32 + 153600);
          for (let i = 0; i < 7000; i++) writeSync(fd, chunk);
          closeSync(fd);
        },
        { minRuns: 1, minMs: 0 },
      );
      rmSync(rawQvga);
      report({
        name: 'record 7,000 QVGA RGB565 frames (1.07 GB) through ImageIO',
        value: writeEngine,
        baselineName: 'writing the same bytes with plain fs.writeSync',
        baseline: writeRaw,
      });

      const readQvga = await time(() => readWholeFile(qvga), { minRuns: 3 });
      const openQvga = await time(() => open(qvga), { minRuns: 5 });
      report({
        name: 'open (index) 7,000 QVGA RGB565 frames, 1.07 GB',
        value: openQvga,
        baselineName: 'reading the whole file once',
        baseline: readQvga,
        targetRatio: 0.05,
      });
      const qvgaOffsets = chunkOffsets(qvga);
      report({
        name: '  floor: 7,000 bare fs.readSync of 32 bytes, no parsing',
        value: await time(() => bareHeaderReads(qvga, qvgaOffsets), { minRuns: 5 }),
        baselineName: 'reading the whole file once',
        baseline: readQvga,
      });

      await coldRows(qvga, '7,000 QVGA RGB565 frames', 0.05);

      const io = ImageIO.open(new NodeFileStore(qvga, 'r'), 'r');
      const last = await time(() => io.frameAt(io.count() - 1), { minRuns: 200 });
      const tenth = await time(() => io.frameAt(9), { minRuns: 200 });
      io.close();
      report({
        name: 'read the last frame (7,000th)',
        value: last,
        baselineName: 'read the tenth frame',
        baseline: tenth,
        targetRatio: 1.5,
      });
      rmSync(qvga);

      const jpeg = join(dir, 'jpeg.bin');
      writeStream(jpeg, jpegFrames(100_000));
      const readJpeg = await time(() => readWholeFile(jpeg), { minRuns: 3 });
      const openJpeg = await time(() => open(jpeg), { minRuns: 5 });
      report({
        name: 'open (index) 100,000 small JPEG frames, 1.1 GB',
        value: openJpeg,
        baselineName: 'reading the whole file once',
        baseline: readJpeg,
        targetRatio: 0.5,
      });
      await coldRows(jpeg, '100,000 small JPEG frames', 0.5);
      const jpegOffsets = chunkOffsets(jpeg);
      report({
        name: '  floor: 100,000 bare fs.readSync of 32 bytes, no parsing',
        value: await time(() => bareHeaderReads(jpeg, jpegOffsets), { minRuns: 5 }),
        baselineName: 'reading the whole file once',
        baseline: readJpeg,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
