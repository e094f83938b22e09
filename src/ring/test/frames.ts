/**
 * Seeded test frames for the ring (pure, so the worker-thread roles can use it too). Every field and
 * every payload byte of frame `seq` follows from (seed, seq), so a reader on another thread can check
 * a frame it received against its seq alone.
 */
import { PIXFORMAT } from '../../format/pixformat';
import type { RingFrameIn } from '../frame-ring';

/** A 32-bit mix of (seed, seq, lane): the same inputs give the same number on every thread. */
export function hash(seed: number, seq: number, lane = 0): number {
  let x = (seed ^ Math.imul(seq + 1, 0x9e3779b1) ^ Math.imul(lane + 1, 0x85ebca77)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** `n` seeded bytes (xorshift32): the pool every frame's payload is a window of. */
export function pool(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = hash(seed, -1) | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export interface FrameSpec extends Omit<RingFrameIn, 'data'> {
  /** Payload bytes (imageSize of the header). */
  payload: number;
  /** Where the payload starts in the pool. */
  offset: number;
}

/**
 * Frame `seq`: JPEG of any length, GRAYSCALE or RGB565 of a random shape, always at most `maxPayload`
 * bytes; timeUs grows by 20-40 ms a frame. The pool must be longer than maxPayload.
 */
export function frameSpec(seq: number, seed: number, maxPayload: number, poolBytes: number): FrameSpec {
  const kind = hash(seed, seq, 1) % 3;
  const r = hash(seed, seq, 2);
  const timeUs = 1e12 + seq * 30_000 + (hash(seed, seq, 3) % 10_000);
  let width: number, height: number, pixformat: number, size: number, payload: number;
  if (kind === 0) {
    pixformat = PIXFORMAT.JPEG;
    width = 320;
    height = 240;
    size = payload = 1 + (r % maxPayload);
  } else {
    pixformat = kind === 1 ? PIXFORMAT.GRAYSCALE : PIXFORMAT.RGB565;
    const bpp = kind === 1 ? 1 : 2;
    const pixels = Math.max(1, Math.floor(maxPayload / bpp));
    width = 1 + (r % Math.min(pixels, 400));
    height = 1 + (hash(seed, seq, 4) % Math.floor(pixels / width));
    payload = bpp * width * height;
    size = hash(seed, seq, 5) % 1000; // camera frames carry a stale size for raw formats (B §1.5)
  }
  const offset = hash(seed, seq, 6) % (poolBytes - payload);
  return { width, height, pixformat, size, timeUs, payload, offset };
}

/** Frame `seq` as the writer puts it in the ring: its payload a view of the pool. */
export function makeFrame(seq: number, seed: number, maxPayload: number, bytes: Uint8Array): RingFrameIn {
  const spec = frameSpec(seq, seed, maxPayload, bytes.length);
  return { ...spec, data: bytes.subarray(spec.offset, spec.offset + spec.payload) };
}

/** Byte-for-byte equality; threads pass Node's memcmp-backed Buffer.compare, which is pure code can't reach. */
export type Equal = (a: Uint8Array, b: Uint8Array) => boolean;

function slowEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What is wrong with a frame read back as `seq` (null if every field and byte is right). */
export function frameError(
  frame: RingFrameIn & { seq: number },
  seed: number,
  maxPayload: number,
  bytes: Uint8Array,
  equal: Equal = slowEqual,
): string | null {
  const want = frameSpec(frame.seq, seed, maxPayload, bytes.length);
  for (const key of ['width', 'height', 'pixformat', 'size', 'timeUs'] as const) {
    if (frame[key] !== want[key]) return `frame ${frame.seq}: ${key} ${frame[key]}, expected ${want[key]}`;
  }
  if (frame.data.length !== want.payload) {
    return `frame ${frame.seq}: ${frame.data.length} payload bytes, expected ${want.payload}`;
  }
  if (equal(frame.data, bytes.subarray(want.offset, want.offset + want.payload))) return null;
  const i = frame.data.findIndex((b, i) => b !== bytes[want.offset + i]);
  return `frame ${frame.seq}: payload byte ${i} of ${want.payload} differs`;
}

/** elapsed_ms the ring must store for frame `seq` (0 for the first). */
export function expectedElapsedMs(seq: number, seed: number, maxPayload: number, poolBytes: number): number {
  if (seq === 0) return 0;
  const t = frameSpec(seq, seed, maxPayload, poolBytes).timeUs;
  return Math.round((t - frameSpec(seq - 1, seed, maxPayload, poolBytes).timeUs) / 1000);
}
