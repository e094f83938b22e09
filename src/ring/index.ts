/**
 * The frame ring: camera frames in a SharedArrayBuffer (or an ArrayBuffer in one thread), one writer,
 * up to MAX_READERS readers on any threads, slots in the memory-stream layout of formats.md B §3.2.
 * Pure code: no DOM, no Node built-ins. Layout and protocol: layout.ts.
 */
export { FrameRing, type RingFrameIn, type RingFrame, type RingFrameView } from './frame-ring';
export { planRing, ringByteLength, ringSlotSize, MIN_SLOTS, type RingPlan } from './plan';
export { RingWriter } from './writer';
export { RingReader } from './reader';
export { MAX_READERS, LAYOUT_VERSION } from './layout';
