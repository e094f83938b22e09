import { describe, expect, it } from 'vitest';
import { Scheduler, type Step } from './scheduler';
import { Timeline } from './timeline';

class FakeTicker {
  t = 1000;
  now() {
    return this.t;
  }
}

/**
 * Drives a scheduler like the renderer does: asks for the next step, lets the clock reach its due
 * time (plus `late(i)` ms of rendering delay), reports it shown. Returns [index, shownAt - start] pairs.
 */
function run(s: Scheduler, clock: FakeTicker, steps: number, late: (n: number) => number = () => 0) {
  const start = clock.t;
  const out: [number, number][] = [];
  for (let n = 0; n < steps; n++) {
    const step: Step | null = s.next();
    if (!step) break;
    clock.t = Math.max(clock.t, step.dueAt) + late(n);
    s.shown(step, clock.t);
    out.push([step.index, clock.t - start]);
  }
  return out;
}

describe('Timeline', () => {
  it('places frame 0 at 0 and each later frame its elapsed value after the one before', () => {
    const t = new Timeline([500, 33, 34, 33]);
    expect(Array.from(t.times)).toEqual([0, 33, 67, 100]);
    expect(t.spanMs).toBe(100);
    expect(t.loopGapMs).toBeCloseTo(100 / 3);
    expect([t.frameAt(-5), t.frameAt(0), t.frameAt(66.9), t.frameAt(67), t.frameAt(1e9)]).toEqual([
      0, 0, 1, 2, 3,
    ]);
  });
});

describe('Scheduler', () => {
  const intervals = [0, 20, 50, 35, 20, 50, 35];

  it('shows every frame at its recorded interval', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline(intervals), clock);
    s.play();
    expect(run(s, clock, 100)).toEqual([
      [1, 20],
      [2, 70],
      [3, 105],
      [4, 125],
      [5, 175],
      [6, 210],
    ]);
    expect(s.isPlaying).toBe(false);
    expect(s.skipped).toBe(0);
  });

  it('plays twice as fast at 2x and half as fast at 0.5x', () => {
    for (const [speed, expected] of [
      [2, [10, 35, 52.5]],
      [0.5, [40, 140, 210]],
    ] as const) {
      const clock = new FakeTicker();
      const s = new Scheduler(new Timeline(intervals), clock);
      s.setSpeed(speed);
      s.play();
      expect(run(s, clock, 3).map(([, t]) => t)).toEqual(expected);
    }
  });

  it('does not drift when rendering takes part of each interval', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline([0, 40, 40, 40, 40]), clock);
    s.play();
    expect(run(s, clock, 10, () => 5).map(([, t]) => t)).toEqual([45, 85, 125, 165]);
  });

  it('skips frames that fell behind and counts them, keeping time', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline(new Array(20).fill(10)), clock);
    s.play();
    // The third render takes 45 ms: frames due meanwhile are skipped, the rest stay on the 10 ms grid.
    const shown = run(s, clock, 100, (n) => (n === 2 ? 45 : 0));
    expect(shown.slice(0, 5)).toEqual([
      [1, 10],
      [2, 20],
      [3, 75],
      [7, 75],
      [8, 80],
    ]);
    expect(s.skipped).toBe(3);
    expect(shown.at(-1)).toEqual([19, 190]);
  });

  it('loops: after the last frame comes frame 0, one mean interval later, lap after lap', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline([0, 30, 30]), clock);
    s.loop = true;
    s.play();
    expect(run(s, clock, 7)).toEqual([
      [1, 30],
      [2, 60],
      [0, 90],
      [1, 120],
      [2, 150],
      [0, 180],
      [1, 210],
    ]);
  });

  it('pauses, seeks and resumes from the sought frame', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline(new Array(10).fill(10)), clock);
    s.play();
    run(s, clock, 2);
    s.pause();
    expect(s.next()).toBeNull();
    clock.t += 5000;
    s.seek(6);
    expect(s.index).toBe(6);
    s.play();
    expect(run(s, clock, 2)).toEqual([
      [7, 10],
      [8, 20],
    ]);
    s.seek(99);
    expect(s.index).toBe(9);
  });

  it('starts over when play is pressed at the end without loop', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline([0, 10, 10]), clock);
    s.seek(2);
    s.play();
    expect(s.index).toBe(0);
    expect(run(s, clock, 5).map(([i]) => i)).toEqual([1, 2]);
  });

  it('with pacing off, returns every frame at once and never skips', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline([0, 1000, 1000, 1000]), clock);
    s.paced = false;
    s.play();
    expect(run(s, clock, 10)).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });

  it('reports every shown frame with its due time', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline([0, 25, 25]), clock);
    s.play();
    run(s, clock, 5, () => 2);
    expect(s.report()).toEqual({
      shown: [
        { index: 1, at: 1027, dueAt: 1025 },
        { index: 2, at: 1052, dueAt: 1050 },
      ],
      skipped: 0,
    });
  });

  it('handles a single-frame recording without spinning', () => {
    const clock = new FakeTicker();
    const s = new Scheduler(new Timeline([0]), clock);
    s.loop = true;
    s.play();
    const shown = run(s, clock, 3);
    expect(shown.map(([i]) => i)).toEqual([0, 0, 0]);
    expect(shown[1]![1] - shown[0]![1]).toBe(100);
  });
});
