/**
 * Frame delays for GIF export: recorded intervals (milliseconds) → GIF delays (centiseconds), with the
 * rounding error carried forward so the clip lasts exactly as long as the recording (to the nearest
 * centisecond), and no frame shorter than {@link MIN_DELAY_CS}.
 *
 * Why a minimum: browsers (Chrome, Firefox, Safari) and ffmpeg show a frame whose delay is 0 or 1 cs for
 * 10 cs instead, so a 60 fps clip written with 1-2 cs delays would play at a fraction of its speed. A
 * frame that would last less than 2 cs is therefore **dropped**, and its time goes to the next frame that
 * is kept (that frame starts up to 20 ms early). Only clips faster than 50 fps lose frames, and never
 * more than needed to stay at 50 fps or below. Pure code.
 */
import { ValueError } from '../errors';

/** The shortest delay every player honours (browsers and ffmpeg turn 0 and 1 cs into 10 cs). */
export const MIN_DELAY_CS = 2;
/** The largest delay a Graphic Control Extension holds (u16). Longer delays are split by the writer. */
export const MAX_DELAY_CS = 0xffff;

/**
 * The streaming form of {@link centisecondDelays}: feed each frame's duration in order, then call
 * `finish()` once for the time left over (0 or 1 cs), which belongs to the last kept frame.
 */
export class DelayClock {
  /** Milliseconds from the start of the clip to the end of the last frame fed. */
  private totalMs = 0;
  /** Centiseconds handed out to kept frames so far. */
  private givenCs = 0;
  private keptCount = 0;

  /**
   * The delay of the next frame, whose display time is `durationMs`: 0 means "drop this frame" (it
   * would last less than 2 cs; its time carries to the next kept frame), otherwise at least 2.
   * @throws ValueError if `durationMs` is negative or not finite.
   */
  next(durationMs: number): number {
    if (!(Number.isFinite(durationMs) && durationMs >= 0)) {
      throw new ValueError(`Invalid frame duration ${durationMs} ms`);
    }
    this.totalMs += durationMs;
    const delay = this.targetCs() - this.givenCs;
    if (delay < MIN_DELAY_CS) return 0;
    this.givenCs += delay;
    this.keptCount++;
    return delay;
  }

  /**
   * Closes the clip: the centiseconds not yet given out (0 or 1 when a frame was kept; the whole clip,
   * under 2 cs, when none was), to be added to the last kept frame, so the delays sum to
   * `round(total / 10)` exactly.
   */
  finish(): number {
    const rest = this.targetCs() - this.givenCs;
    this.givenCs += rest;
    return rest;
  }

  /** How many frames `next` kept. */
  get kept(): number {
    return this.keptCount;
  }

  /** `round(total / 10)`: the clip's length in centiseconds. */
  targetCs(): number {
    return Math.round(this.totalMs / 10);
  }
}

/**
 * Each frame's GIF delay in centiseconds, for frames shown for `durationsMs[i]` milliseconds each.
 *
 * * The delays sum to `Math.round(sum(durationsMs) / 10)` exactly: each delay is the rounded end time of
 *   its frame minus the rounded end time of the frame before, so no rounding error accumulates.
 * * A frame that would get less than {@link MIN_DELAY_CS} is dropped: its entry is 0 and its time goes
 *   to the next kept frame. When the last frame is dropped this way, its 0 or 1 cs go to the kept frame
 *   before it.
 * * When every frame would be dropped (a clip shorter than 2 cs in total), the last frame is kept with the
 *   whole clip's delay (0 or 1), so the sum still holds.
 * * Delays above {@link MAX_DELAY_CS} are returned as they are; `GifWriter.writeFrame` splits them.
 *
 * @throws ValueError if a duration is negative or not finite.
 */
export function centisecondDelays(durationsMs: readonly number[]): number[] {
  const clock = new DelayClock();
  const delays = durationsMs.map((d) => clock.next(d));
  const rest = clock.finish();
  if (delays.length === 0) return delays;
  let last = delays.length - 1;
  while (last >= 0 && delays[last] === 0) last--;
  if (last < 0) last = delays.length - 1;
  delays[last] = (delays[last] as number) + rest;
  return delays;
}
