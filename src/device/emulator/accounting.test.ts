/**
 * Frame accounting of the 5.x host session against the emulated board: with a low rate of flipped bits or dropped
 * bytes (both directions), every frame the host locked on the board is, exactly once, delivered to the consumer,
 * dropped by a slow consumer, counted `corrupt` (read in full, failed a check) or counted `lost` (read abandoned).
 * Real clock, as host.test.ts; time limits only bound the run, nothing asserts on wall-clock durations.
 */
import { describe, expect, it } from 'vitest';
import type { CameraFrame, CameraStats } from '../protocol/camera';
import { openChannelSession } from '../protocol/channel-session';
import { createDemoCamera, type BoardModel } from './index';

const key = (b: Uint8Array): string => {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return `${b.length}:${h.toString(16)}`;
};

/** Frames the host locks while the faults are on. */
const FAULTY_FRAMES = 100;
/** Frames delivered after the faults stopped before the counts are taken. */
const SETTLE_FRAMES = 10;

// QVGA JPEG test pattern (~10 KB per frame). Per-byte rates chosen so that most frames still get through.
const CASES: Array<{ model: BoardModel; fault: 'flip' | 'drop'; rate: number }> = [
  { model: 'H7 Plus', fault: 'flip', rate: 0.00005 },
  { model: 'H7 Plus', fault: 'drop', rate: 0.00005 },
  { model: 'H7', fault: 'flip', rate: 0.00005 },
  { model: 'H7', fault: 'drop', rate: 0.00005 },
];

describe('host session frame accounting ↔ emulated board', () => {
  for (const { model, fault, rate } of CASES) {
    it(`${model}, ${fault} ${rate * 100} % of bytes`, { timeout: 120_000 }, async () => {
      const offered = new Map<string, { index: number; data: Uint8Array }>();
      const demo = createDemoCamera({
        model,
        width: 320,
        height: 240,
        fps: 60,
        link: 'unlimited',
        faults: { seed: 0x5eed + rate * 1e6 + (fault === 'flip' ? 1 : 2) },
        onFrame: (f) => {
          const data = f.slice(32);
          offered.set(key(data), { index: offered.size, data });
        },
      });
      const cam = await openChannelSession(demo.hostLink, { replyTimeoutMs: 250 });
      const frames: CameraFrame[] = [];
      let snapshot: { st: CameraStats; locked: number; delivered: number } | null = null;
      const it = cam.frames()[Symbol.asyncIterator]();
      const board = demo.board;
      try {
        // Phase 1: clean start; phase 2: faults for a fixed number of locked frames; phase 3: clean, settle.
        let phase = 1;
        let lockedAtFaults = 0;
        let deliveredAtClean = 0;
        // No wall-clock bound here: the phases end on frame counts; a stall is caught by the test's timeout.
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          frames.push(r.value);
          if (phase === 1 && frames.length >= 5) {
            phase = 2;
            lockedAtFaults = board.stats.framesLocked;
            if (fault === 'flip') demo.faults.bitFlipRate = rate;
            else demo.faults.dropRate = rate;
          } else if (phase === 2 && board.stats.framesLocked - lockedAtFaults >= FAULTY_FRAMES) {
            phase = 3;
            demo.faults.bitFlipRate = 0;
            demo.faults.dropRate = 0;
            deliveredAtClean = frames.length;
          } else if (phase === 3 && frames.length - deliveredAtClean >= SETTLE_FRAMES) {
            // Taken in the same turn as the consumer got its frame: nothing is waiting in its queue.
            snapshot = { st: cam.stats(), locked: board.stats.framesLocked, delivered: frames.length };
            break;
          }
        }
        expect(phase, 'the faulty phase completed its frames').toBe(3);
        expect(snapshot, 'frames flowed again after the faults stopped').not.toBeNull();
        const { st, locked, delivered } = snapshot!;
        expect(demo.injected.flipped + demo.injected.dropped).toBeGreaterThan(0);

        // Every delivered frame is byte-identical to one the board offered, in order, none twice.
        let last = -1;
        for (const f of frames) {
          const o = offered.get(key(f.data));
          expect(o, 'delivered frame not offered by the board').toBeDefined();
          expect(f.data).toEqual(o!.data);
          expect(o!.index).toBeGreaterThan(last);
          last = o!.index;
        }

        // Each frame the host locked on the board is accounted for exactly once (one may still be in flight).
        const accounted = delivered + st.dropped + st.corrupt + st.lost;
        const detail = `locked ${locked}, delivered ${delivered}, dropped ${st.dropped}, corrupt ${st.corrupt}, lost ${st.lost}`;
        expect(accounted, detail).toBeLessThanOrEqual(locked);
        expect(accounted, detail).toBeGreaterThanOrEqual(locked - 1);
        expect(st.frames, detail).toBe(delivered + st.dropped);
        // The faults did cost frames, and many still got through.
        expect(st.lost + st.corrupt, detail).toBeGreaterThan(0);
        expect(delivered, detail).toBeGreaterThan(FAULTY_FRAMES / 4);
      } finally {
        await it.return?.();
        await cam.close();
        demo.stop();
      }
    });
  }
});
