import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Image, ImageIO, ManualClock, MemoryStore, PIXFORMAT } from '../format/index';
import { fromHex } from '../format/test/helpers';

/**
 * Stream files for the command line's tests, built with the engine (V2.0, V2.1) or by hand from the
 * hex vectors of formats.md B §2.11 (V1.0, which nothing writes any more), so expected offsets and
 * bytes can be read straight off the spec.
 */

/** B §2.11 frame 1: 4x2 RGB565 (pixel values; payload as V1.1/V2.x store it), and frame 2: 3x3 GRAYSCALE. */
export {
  rgbPixels as RGB565_PIXELS,
  rgbBytes as RGB565_LE,
  grayBytes as GRAY_BYTES,
} from '../format/test/vectors';
import { V10, grayBytes, rgbBytes } from '../format/test/vectors';

/** A stand-in JPEG (SOI ... EOI, 20 bytes): ImageIO copies JPEG bytes without looking inside. */
export const JPEG_BYTES = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
  0xff, 0xd9,
]);

/**
 * B §2.11's V1.0 file (RGB565 payload big-endian on disk), plus a third frame the spec describes in
 * §2.4: an 8x8 JPEG whose `bpp` field (20) is its byte length. Frames at 16, 48 and 80; 128 bytes.
 */
const V10_JPEG_CHUNK = fromHex(`
0050: 64 00 00 00 08 00 00 00 08 00 00 00 14 00 00 00
0060: FF D8 FF E0 00 10 4A 46 49 46 00 01 02 03 04 05
0070: 06 07 FF D9 00 00 00 00 00 00 00 00 00 00 00 00`);

/** Writes frames with fixed elapsed values (ms) through the engine; returns the file's bytes. */
export function record(frames: readonly [Image, number][], version: 20 | 21 = 20): Uint8Array {
  const store = new MemoryStore();
  const io = ImageIO.open(store, 'w', { clock: new ManualClock(), version });
  for (const [image, elapsedMs] of frames) io.write(image, { elapsedMs });
  io.close();
  return store.bytes().slice();
}

export const rgb565Frame = (): Image => new Image(4, 2, PIXFORMAT.RGB565, rgbBytes.slice());
export const grayFrame = (): Image => new Image(3, 3, PIXFORMAT.GRAYSCALE, grayBytes.slice());
export const jpegFrame = (): Image => new Image(8, 8, PIXFORMAT.JPEG, JPEG_BYTES.slice());

/** V2.0: RGB565 at 16 (33 ms), GRAYSCALE at 64 (66 ms), JPEG at 112 (100 ms); 176 bytes. */
export const v20File = (): Uint8Array =>
  record([
    [rgb565Frame(), 33],
    [grayFrame(), 66],
    [jpegFrame(), 100],
  ]);

/** V2.1 (µs timing): elapsed 33.333 ms and 0.009 ms, a value 0.001 times 9 does not give exactly. */
export const v21File = (): Uint8Array =>
  record(
    [
      [rgb565Frame(), 33.333],
      [grayFrame(), 0.009],
    ],
    21,
  );

export const v10File = (): Uint8Array => Uint8Array.from([...V10, ...V10_JPEG_CHUNK]);

/** A fresh temporary directory for one test's files. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'omv-cli-'));

/** Writes `bytes` to `dir/name` and returns the path. */
export function put(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}
