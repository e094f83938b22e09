import { bayerToRgba, rgb565ToRgba, yuvToRgba } from '../src/format/pixels/index';
import { report, time, type Suite } from './harness';

/** A 5 MP sensor frame (OV5640 full resolution): the largest raw frame an OpenMV camera produces. */
const WIDTH = 2592;
const HEIGHT = 1944;
/** One frame time at 30 fps. */
const FRAME_MS = 1000 / 30;

/** Seeded noise (mulberry32), so the converters see realistic, branch-defeating content. */
function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return bytes;
}

/**
 * The pixel converters on a 2592x1944 frame, each against the cost of merely copying the same number of
 * output bytes (`out.set(src)` of a w*h*4 buffer): the floor any converter writing that much has.
 */
export const suite: Suite = {
  name: 'pixels',
  async run() {
    const pixels = WIDTH * HEIGHT;
    const out = new Uint8ClampedArray(pixels * 4);
    const copySource = new Uint8ClampedArray(noise(pixels * 4, 1).buffer);
    const raw16 = noise(pixels * 2, 2);
    const raw8 = noise(pixels, 3);

    const baseline = await time(() => out.set(copySource));
    const mp = (pixels / 1e6).toFixed(2);
    const rows: { name: string; fn: () => unknown; realtime?: boolean }[] = [
      { name: `RGB565 → RGBA ${WIDTH}x${HEIGHT}`, fn: () => rgb565ToRgba(raw16, WIDTH, HEIGHT, out) },
      {
        name: `Bayer BGGR → RGBA ${WIDTH}x${HEIGHT}`,
        fn: () => bayerToRgba(raw8, WIDTH, HEIGHT, 'BGGR', out),
        realtime: true,
      },
      { name: `YUV422 → RGBA ${WIDTH}x${HEIGHT}`, fn: () => yuvToRgba(raw16, WIDTH, HEIGHT, 'YUV422', out) },
    ];
    for (const row of rows) {
      const value = await time(row.fn, { minRuns: 10, minMs: 1000 });
      const ms = value.medianMs;
      let note = `${ms.toFixed(2)} ms absolute, ${(pixels / 1e6 / (ms / 1000)).toFixed(0)} MP/s for ${mp} MP`;
      if (row.realtime) {
        note +=
          ms < FRAME_MS
            ? `; under ${FRAME_MS.toFixed(1)} ms (30 fps): yes`
            : `; under ${FRAME_MS.toFixed(1)} ms (30 fps): NO`;
      }
      report({ name: row.name, value, baselineName: `copy ${pixels * 4} B (out.set)`, baseline, note });
    }
  },
};
