import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors';
import { rng } from '../test/helpers';
import { centisecondDelays, DelayClock, MIN_DELAY_CS } from './delays';

const sum = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0);

describe('centisecondDelays', () => {
  it('carries the rounding error forward: 30 fps gives 3,4,3,3,4,3... and the exact total', () => {
    const d = centisecondDelays(new Array(30).fill(1000 / 30));
    expect(d.slice(0, 6)).toEqual([3, 4, 3, 3, 4, 3]);
    expect(sum(d)).toBe(100);
  });

  it('sums to round(total / 10) exactly for random recorded intervals', () => {
    const next = rng(42);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(next() * 200);
      const scale = [5, 20, 40, 100, 2000][trial % 5] as number;
      const ms = Array.from({ length: n }, () => next() * scale);
      const d = centisecondDelays(ms);
      expect(d).toHaveLength(n);
      expect(sum(d)).toBe(Math.round(sum(ms) / 10));
      // Every kept frame lasts at least 2 cs unless the whole clip is shorter than that.
      const kept = d.filter((x) => x > 0);
      if (Math.round(sum(ms) / 10) >= MIN_DELAY_CS) for (const x of kept) expect(x).toBeGreaterThanOrEqual(2);
    }
  });

  it('drops frames that would last under 2 cs (60 fps keeps 2 frames in 3) and keeps the total', () => {
    const d = centisecondDelays(new Array(60).fill(1000 / 60));
    expect(sum(d)).toBe(100);
    expect(d.filter((x) => x > 0).length).toBeGreaterThanOrEqual(40);
    expect(d.filter((x) => x > 0).length).toBeLessThanOrEqual(50);
    expect(Math.min(...d.filter((x) => x > 0))).toBeGreaterThanOrEqual(2);
  });

  it('gives a dropped last frame its time to the kept frame before it', () => {
    expect(centisecondDelays([30, 30, 12])).toEqual([3, 4, 0]);
    // 30 + 30 + 14 = 74 ms → 7 cs: 3, 3, then 1 left → goes to the second frame.
    expect(centisecondDelays([30, 30, 14])).toEqual([3, 4, 0]);
  });

  it('keeps the last frame of a clip shorter than 2 cs with the whole duration', () => {
    expect(centisecondDelays([4, 4, 4])).toEqual([0, 0, 1]);
    expect(centisecondDelays([0])).toEqual([0]);
    expect(centisecondDelays([])).toEqual([]);
  });

  it('passes long delays through (the writer splits them) and rejects bad durations', () => {
    expect(centisecondDelays([1_000_000])).toEqual([100_000]);
    expect(() => centisecondDelays([-1])).toThrow(ValueError);
    expect(() => centisecondDelays([NaN])).toThrow(ValueError);
    expect(() => centisecondDelays([Infinity])).toThrow(ValueError);
  });

  it('DelayClock streams the same delays', () => {
    const ms = [33, 34, 33, 5, 5, 40, 16, 17];
    const clock = new DelayClock();
    const d = ms.map((x) => clock.next(x));
    const rest = clock.finish();
    const last = d.findLastIndex((x) => x > 0);
    d[last] = (d[last] as number) + rest;
    expect(d).toEqual(centisecondDelays(ms));
    expect(clock.targetCs()).toBe(Math.round(sum(ms) / 10));
  });
});
