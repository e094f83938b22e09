import { describe, expect, it } from 'vitest';
import {
  Image,
  ImageIO,
  ManualClock,
  MemoryStore,
  PIXFORMAT,
  imageSize,
  isCompressed,
  pixformatName,
} from './index';
import { randomBytes, rng } from './test/helpers';

const next = rng(99);
const SIZES: [number, number][] = [
  [1, 1],
  [3, 5],
  [33, 7],
  [37, 23],
  [64, 1],
];
/** Every code the engine reads and writes with a payload (ARGB8's image_size is 0: B §1.3). */
const FORMATS = Object.values(PIXFORMAT).filter((f) => f !== PIXFORMAT.ARGB8);

function frameOf(format: number, w: number, h: number): Image {
  if (isCompressed(format)) return new Image(w, h, format, randomBytes(7 + ((w * h) % 50), next));
  return new Image(w, h, format, randomBytes(imageSize(w, h, format), next));
}

describe('write then read every pixel format at odd sizes', () => {
  const frames = FORMATS.flatMap((f) => SIZES.map(([w, h]) => frameOf(f, w, h)));

  for (const version of [20, 21] as const) {
    it(`file stream V${version / 10}: ${frames.length} frames come back identical`, () => {
      const store = new MemoryStore();
      const io = ImageIO.open(store, 'w', { version, clock: new ManualClock() });
      frames.forEach((f, i) => io.write(f, { elapsedMs: i + 0.25 }));
      io.close();
      const back = ImageIO.open(new MemoryStore(store.bytes()), 'r');
      expect([back.count(), back.damage()]).toEqual([frames.length, null]);
      frames.forEach((f, i) => {
        const g = back.readSync({ loop: false })!;
        const what = `${pixformatName(f.pixformat)} ${f.width}x${f.height}`;
        expect([g.width, g.height, g.pixformat, g.size], what).toEqual([
          f.width,
          f.height,
          f.pixformat,
          f.size,
        ]);
        expect(g.data, what).toEqual(f.data);
        expect(back.frameInfo(i).elapsedMs).toBe(version === 21 ? i + 0.25 : Math.round(i + 0.25));
      });
    });
  }

  it('memory stream: every format at its largest size fits its slot and comes back identical', () => {
    for (const format of FORMATS) {
      const sized = SIZES.map(([w, h]) => frameOf(format, w, h));
      const io = ImageIO.memory([64, 64, format], sized.length, { clock: new ManualClock() });
      for (const f of sized) io.write(f);
      io.seek(0);
      for (const f of sized) {
        const g = io.readSync()!;
        expect([g.width, g.height, g.pixformat], pixformatName(format)).toEqual([
          f.width,
          f.height,
          f.pixformat,
        ]);
        expect(g.data).toEqual(f.data);
      }
    }
  });
});
