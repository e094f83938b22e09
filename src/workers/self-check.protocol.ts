/** Messages of the self-check worker (a discriminated union; errors cross as {name, message}). */

/** Page → worker: the shared buffers to prove shared memory with. */
export interface SelfCheckRequest {
  type: 'start';
  /** Two Int32 words: [0] the worker sets to 1 once the frame is written, [1] the page sets to 1 to acknowledge. */
  control: SharedArrayBuffer;
  /** Backing store of a one-slot ImageIO memory stream. */
  frames: SharedArrayBuffer;
  width: number;
  height: number;
}

/** Worker → page. */
export type SelfCheckReply =
  | { type: 'done'; waitResult: 'ok' | 'not-equal' | 'timed-out' }
  | { type: 'error'; name: string; message: string };

/** The test frame both sides agree on: a grey ramp, value (x + 3y) mod 256. */
export function rampPixel(x: number, y: number): number {
  return (x + 3 * y) & 0xff;
}
