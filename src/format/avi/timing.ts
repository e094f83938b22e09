import { ValueError } from '../errors';

/** Largest dwRate/dwScale written: ffmpeg reduces time bases to INT_MAX, and some readers use int32. */
export const MAX_RATE_TERM = 0x7fffffff;

/** The stream clock of an AVI: frames advance at rate/scale per second, at a constant rate. */
export interface AviTiming {
  /** strh dwScale. */
  scale: number;
  /** strh dwRate. */
  rate: number;
  /** avih dwMicroSecPerFrame: the mean frame time, rounded. */
  usPerFrame: number;
}

const gcd = (a: number, b: number): number => {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
};

/**
 * The fraction num/den (positive integers) in lowest terms if both terms fit in `max`, else its best
 * approximation with terms <= max (continued-fraction convergents plus the last semiconvergent).
 */
export function boundedRatio(num: number, den: number, max = MAX_RATE_TERM): [number, number] {
  const g = gcd(num, den);
  let p = num / g;
  let q = den / g;
  if (p <= max && q <= max) return [p, q];
  let [h1, h2, k1, k2] = [1, 0, 0, 1];
  for (;;) {
    const a = Math.floor(p / q);
    const h = a * h1 + h2;
    const k = a * k1 + k2;
    if (h > max || k > max) {
      // Semiconvergent: the largest partial quotient that still fits, if it beats the last convergent.
      const b = Math.min(Math.floor((max - h2) / h1), k1 === 0 ? Infinity : Math.floor((max - k2) / k1));
      const target = num / den;
      if (
        b >= 1 &&
        (k1 === 0 || Math.abs((b * h1 + h2) / (b * k1 + k2) - target) < Math.abs(h1 / k1 - target))
      )
        return [b * h1 + h2, b * k1 + k2];
      if (k1 === 0) return [max, 1]; // ratio above max/1
      return h1 === 0 ? [1, max] : [h1, k1]; // never a zero rate
    }
    [h2, h1, k2, k1] = [h1, h, k1, k];
    const r = p - a * q;
    if (r === 0) return [h, k];
    [p, q] = [q, r];
  }
}

/**
 * The constant frame rate that makes `frames` frames last exactly `totalUs` microseconds:
 * rate/scale = frames / seconds, so dwLength (= frames) x scale / rate is the recording's true length.
 * With no timing (no frames, or a total of 0) the nominal `fps` is used.
 */
export function aviTiming(frames: number, totalUs: number, fps: number): AviTiming {
  if (frames > 0 && totalUs > 0) {
    const [rate, scale] = boundedRatio(frames * 1_000_000, totalUs);
    return { rate, scale, usPerFrame: Math.min(0xffffffff, Math.round(totalUs / frames)) };
  }
  if (!(Number.isFinite(fps) && fps > 0)) throw new ValueError(`Invalid frame rate ${fps}`);
  const [rate, scale] = boundedRatio(Math.max(1, Math.round(fps * 1_000_000)), 1_000_000);
  return { rate, scale, usPerFrame: Math.min(0xffffffff, Math.round(1_000_000 / fps)) };
}
