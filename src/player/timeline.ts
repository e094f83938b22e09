/**
 * Where each frame sits in a recording's time. Frame 0 is at 0; frame i is at the sum of the elapsed
 * values of frames 1..i, each being the interval since the frame before it (formats.md B §2.3). The
 * first frame's own elapsed value (the gap between opening the stream and the first write) is not
 * waited for: playback starts on a picture.
 */
export class Timeline {
  /** Milliseconds from frame 0 to each frame. */
  readonly times: Float64Array;
  /** Time of the last frame: the span playback covers. */
  readonly spanMs: number;
  /** The pause between the last frame and frame 0 when looping: the recording's mean interval. */
  readonly loopGapMs: number;

  constructor(elapsedMs: ArrayLike<number>) {
    const n = elapsedMs.length;
    this.times = new Float64Array(n);
    for (let i = 1; i < n; i++)
      this.times[i] = (this.times[i - 1] as number) + Math.max(0, elapsedMs[i] as number);
    this.spanMs = n > 0 ? (this.times[n - 1] as number) : 0;
    this.loopGapMs = n > 1 && this.spanMs > 0 ? this.spanMs / (n - 1) : 100;
  }

  get count(): number {
    return this.times.length;
  }

  /** Time of frame `i` in ms. */
  at(i: number): number {
    return this.times[i] ?? 0;
  }

  /** The frame on screen at time `ms`: the last one whose time is <= ms (0 before the start). */
  frameAt(ms: number): number {
    let lo = 0;
    let hi = this.times.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.times[mid] as number) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
