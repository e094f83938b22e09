import type { Timeline } from './timeline';

/** The scheduler's only source of time (milliseconds, monotonic). Injected, so tests never wait. */
export interface Ticker {
  now(): number;
}

/** What to do next: show `index` at `dueAt` (clock ms), having skipped `skipped` frames to get there. */
export interface Step {
  index: number;
  dueAt: number;
  skipped: number;
  /** True when this step wrapped from the last frame to the first (loop on). */
  wrapped: boolean;
}

/** One frame put on screen, as the renderer reported it. */
export interface ShownFrame {
  index: number;
  /** Clock time it was shown at. */
  at: number;
  /** Clock time it was due at. */
  dueAt: number;
}

/**
 * Decides which frame to show and when, at the recorded intervals, at any speed, looping or not.
 *
 * The playback position in recording time is `base + (now - anchor) * speed` while playing. After a
 * frame is shown, the next one is due when the position reaches its time; if the renderer fell behind
 * so that later frames are already due, it jumps to the latest due frame and counts the ones it skipped,
 * so playback keeps time instead of slowing down. Pause, seek and speed changes re-anchor the position.
 * With pacing off (benchmarks), every frame is due at once and none is skipped.
 */
export class Scheduler {
  private playing = false;
  private anchor = 0;
  /** Recording time (ms) at `anchor`. */
  private base = 0;
  private current = 0;
  /** Laps completed while looping: recording time keeps growing across laps. */
  private lap = 0;
  private skippedTotal = 0;
  private readonly log: ShownFrame[] = [];
  speed = 1;
  loop = false;
  paced = true;

  constructor(
    private readonly timeline: Timeline,
    private readonly clock: Ticker,
  ) {}

  get isPlaying(): boolean {
    return this.playing;
  }

  /** The frame last shown (or chosen by a seek). */
  get index(): number {
    return this.current;
  }

  /** Frames skipped to keep time since the file was opened. */
  get skipped(): number {
    return this.skippedTotal;
  }

  /** Starts or resumes from the current frame; at the end without loop, starts over. */
  play(): void {
    if (this.playing) return;
    if (!this.loop && this.current >= this.timeline.count - 1) this.current = 0;
    this.playing = true;
    this.reanchor();
  }

  pause(): void {
    this.playing = false;
  }

  /** Moves to frame `i` (clamped); playback continues from there if it was playing. */
  seek(i: number): void {
    this.current = Math.max(0, Math.min(this.timeline.count - 1, Math.trunc(i)));
    this.lap = 0;
    this.reanchor();
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.reanchor();
  }

  /** The next frame to show while playing, or null when paused or at the end without loop. */
  next(): Step | null {
    const n = this.timeline.count;
    if (!this.playing || n === 0) return null;
    if (!this.paced) {
      const atEnd = this.current >= n - 1;
      if (atEnd && !this.loop) return this.end();
      return { index: atEnd ? 0 : this.current + 1, dueAt: this.clock.now(), skipped: 0, wrapped: atEnd };
    }
    const lapMs = this.timeline.spanMs + this.timeline.loopGapMs;
    const position = this.base + (this.clock.now() - this.anchor) * this.speed;
    let index = this.current + 1;
    let lap = this.lap;
    if (index >= n) {
      if (!this.loop) return this.end();
      index = 0;
      lap += 1;
    }
    let skipped = 0;
    // Jump over frames whose successor is already due: they would only be on screen for no time.
    for (;;) {
      let after = index + 1;
      let afterLap = lap;
      if (after >= n) {
        if (!this.loop || n === 1) break;
        after = 0;
        afterLap += 1;
      }
      if (afterLap * lapMs + this.timeline.at(after) > position) break;
      index = after;
      lap = afterLap;
      skipped += 1;
    }
    const dueAt = this.anchor + (lap * lapMs + this.timeline.at(index) - this.base) / this.speed;
    return { index, dueAt, skipped, wrapped: lap !== this.lap };
  }

  /** The renderer showed `step`'s frame at clock time `at`. */
  shown(step: Step, at: number): void {
    this.current = step.index;
    if (step.wrapped) this.lap += 1;
    this.skippedTotal += step.skipped;
    this.log.push({ index: step.index, at, dueAt: step.dueAt });
    if (this.log.length > 10_000) this.log.splice(0, this.log.length - 10_000);
    if (!this.paced) this.reanchor();
  }

  /** The frames shown so far (the last 10,000), for tests and diagnostics. */
  report(): { shown: ShownFrame[]; skipped: number } {
    return { shown: this.log.slice(), skipped: this.skippedTotal };
  }

  clearReport(): void {
    this.log.length = 0;
  }

  private end(): null {
    this.playing = false;
    return null;
  }

  private reanchor(): void {
    this.anchor = this.clock.now();
    this.base = this.lap * (this.timeline.spanMs + this.timeline.loopGapMs) + this.timeline.at(this.current);
  }
}
