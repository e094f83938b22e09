import { describe, expect, it } from 'vitest';
import { rng } from '../test/helpers';
import { MAX_RATE_TERM, aviTiming, boundedRatio } from './timing';

describe('aviTiming: rate/scale from the true duration', () => {
  it('keeps the total exact when the fraction fits', () => {
    expect(aviTiming(30, 1_000_000, 30)).toEqual({ rate: 30, scale: 1, usPerFrame: 33333 });
    expect(aviTiming(30, 1_207_750, 30)).toEqual({ rate: 120000, scale: 4831, usPerFrame: 40258 });
    expect(aviTiming(0, 0, 29.97)).toMatchObject({ rate: 2997, scale: 100 });
    expect(aviTiming(5, 0, 12.5)).toMatchObject({ rate: 25, scale: 2, usPerFrame: 80000 });
  });

  it('stays within a microsecond of the total for long and odd recordings', () => {
    const next = rng(31);
    for (let k = 0; k < 2000; k++) {
      const frames = 1 + Math.floor(next() ** 3 * 2_000_000);
      const totalUs = 1 + Math.floor(next() ** 2 * 3.6e11); // up to 100 hours
      const t = aviTiming(frames, totalUs, 30);
      expect(t.rate).toBeGreaterThan(0);
      expect(t.scale).toBeGreaterThan(0);
      expect(Math.max(t.rate, t.scale)).toBeLessThanOrEqual(MAX_RATE_TERM);
      const lengthUs = (frames * t.scale * 1e6) / t.rate;
      expect(Math.abs(lengthUs - totalUs), `${frames} frames in ${totalUs} us`).toBeLessThanOrEqual(
        Math.max(1, totalUs * 1e-9),
      );
    }
  });

  it('boundedRatio clamps ratios no 31-bit fraction can hold, never to a zero rate', () => {
    expect(boundedRatio(1e13, 1)).toEqual([MAX_RATE_TERM, 1]);
    expect(boundedRatio(1, 1e13)).toEqual([1, MAX_RATE_TERM]);
    expect(boundedRatio(6, 4)).toEqual([3, 2]);
  });
});
