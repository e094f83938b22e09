/**
 * The host session (`connectCamera`) against the emulated boards over in-memory links, with real time: the 5.x board
 * on a clean link and with 1 % of bytes corrupted or dropped (every model, i.e. max payloads 498 / 4082 / 8178), script
 * run/stop, and the legacy board. Every delivered frame must be byte-identical to one the board produced, in order;
 * every frame the host locked is delivered or counted; the stream never stalls (frames flow again once faults stop).
 *
 * No wall-clock limits: every phase ends on a condition (frames delivered, session states seen, board state, console
 * text); a stall shows up as the test's timeout, a session that gives up as a failed wait.
 */
import { describe, expect, it } from 'vitest';
import { PIXFORMAT } from '../../format/pixformat';
import { connectCamera, type Camera, type CameraFrame } from '../protocol/camera';
import { openChannelSession } from '../protocol/channel-session';
import { linkPair } from '../protocol/link';
import { createDemoCamera, type BoardModel } from './index';
import { LegacyBoard, type LegacyBoardFrame } from './legacy/board';
import { syntheticJpeg } from './legacy/test-frames';

const key = (b: Uint8Array): string => {
  // cheap content key: length + FNV-1a
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return `${b.length}:${h.toString(16)}`;
};

/** How often `until` re-checks conditions that no callback signals (board state). Not a limit on anything. */
const RECHECK_MS = 5;

/**
 * Consumes `cam.frames()` and records frames, states and console text; `until` waits for a condition, re-checked on
 * every frame, state change and console chunk (and every few ms for board-side state). A wait fails as soon as the
 * session ends, so a session that gives up fails the test instead of hanging it.
 */
class Watch {
  readonly frames: CameraFrame[] = [];
  readonly states: string[] = [];
  text = '';
  ended = false;
  private waiters = new Set<() => void>();
  private readonly done: Promise<void>;
  private readonly it: AsyncIterator<CameraFrame>;

  constructor(readonly cam: Camera) {
    cam.onState((s, d) => {
      this.states.push(d ? `${s} (${d})` : s);
      this.check();
    });
    cam.onOutput((t) => {
      this.text += t;
      this.check();
    });
    const it = cam.frames()[Symbol.asyncIterator]();
    this.it = it;
    this.done = (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        this.frames.push(r.value);
        this.check();
      }
      this.ended = true;
      this.check();
    })();
  }

  /** Times the session entered `state` (e.g. 'recovering'). */
  count(state: string): number {
    return this.states.filter((s) => s === state || s.startsWith(`${state} (`)).length;
  }

  private check(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves when `cond()` holds; `cond` runs synchronously right after the event that made it true (e.g. in the
   * same turn as a frame reached the consumer), so it may also take a consistent snapshot of counters.
   */
  until(what: string, cond: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const w = (): void => {
        let ok: boolean;
        try {
          ok = cond();
        } catch (e) {
          ok = false;
          reject(e instanceof Error ? e : new Error(String(e)));
        }
        if (!ok && !this.ended) return;
        this.waiters.delete(w);
        clearTimeout(timer);
        if (ok) resolve();
        else reject(new Error(`session ended before: ${what}; states: ${this.states.slice(-6).join(' | ')}`));
      };
      const tick = (): void => {
        w();
        if (this.waiters.has(w)) timer = setTimeout(tick, RECHECK_MS);
      };
      this.waiters.add(w);
      tick();
    });
  }

  async stop(): Promise<void> {
    await this.it.return?.();
    await this.done;
  }
}

const MODELS: Array<{ model: BoardModel; maxPayload: number }> = [
  { model: 'H7', maxPayload: 498 },
  { model: 'H7 Plus', maxPayload: 4082 },
  { model: 'N6', maxPayload: 8178 },
];
/** Frames delivered on the clean link before faults go on, and after they went off again. */
const CLEAN_FRAMES = 5;
const AFTER_FAULTS_FRAMES = 10;
/** The faulty phase lasts until the session had to start this many recoveries under faults. */
const RECOVERIES_UNDER_FAULTS = 2;

describe('host session ↔ emulated board', () => {
  for (const { model, maxPayload } of MODELS) {
    for (const fault of ['clean', 'flip', 'drop'] as const) {
      it(
        `${model} (max payload ${maxPayload}), ${fault === 'clean' ? 'clean link' : `1 % of bytes: ${fault}`}`,
        { timeout: 60_000 },
        async () => {
          const produced = new Map<string, { index: number; data: Uint8Array }>();
          const demo = createDemoCamera({
            model,
            width: 160,
            height: 120,
            fps: 60,
            link: 'unlimited',
            faults: { seed: 0x1234 + maxPayload + (fault === 'drop' ? 1 : 0) },
            // N6 previews raw 512×512 by default; JPEG frames either way once the host sends STREAM_RAW_CTRL(0).
            onFrame: (f) => {
              const data = f.slice(32);
              produced.set(key(data), { index: produced.size, data });
            },
          });
          const cam = await connectCamera(demo.hostLink);
          const w = new Watch(cam);
          let snap: {
            frames: number;
            corrupt: number;
            lost: number;
            dropped: number;
            locked: number;
          } | null = null;
          const snapshot = (): true => {
            const st = cam.stats();
            snap = { ...st, locked: demo.board.stats.framesLocked };
            return true;
          };
          try {
            expect(cam.info.maxPayload).toBe(maxPayload);
            await w.until(`${CLEAN_FRAMES} frames on the clean link`, () => w.frames.length >= CLEAN_FRAMES);
            if (fault !== 'clean') {
              // 1 % of bytes hit, both directions, until the session had to recover more than once; then clean again:
              // the session must come back by itself.
              const recoveringBefore = w.count('recovering');
              if (fault === 'flip') demo.faults.bitFlipRate = 0.01;
              else demo.faults.dropRate = 0.01;
              await w.until(
                `${RECOVERIES_UNDER_FAULTS} recoveries under faults`,
                () => w.count('recovering') - recoveringBefore >= RECOVERIES_UNDER_FAULTS,
              );
              demo.faults.bitFlipRate = 0;
              demo.faults.dropRate = 0;
              expect(demo.injected.flipped + demo.injected.dropped).toBeGreaterThan(0);
            }
            const before = w.frames.length;
            await w.until(
              `${AFTER_FAULTS_FRAMES} frames after the faults stopped (no stall)`,
              () => w.frames.length - before >= AFTER_FAULTS_FRAMES && snapshot(),
            );
            // Every delivered frame is one the board produced, byte for byte, in production order, none twice.
            let last = -1;
            for (const f of w.frames) {
              const p = produced.get(key(f.data));
              expect(p, 'delivered frame not produced by the board').toBeDefined();
              expect(f.data).toEqual(p!.data);
              expect(p!.index).toBeGreaterThan(last);
              last = p!.index;
            }
            // Every frame the host locked is delivered (to the consumer, or dropped from its queue), corrupt or lost;
            // the snapshot was taken in the turn a frame reached the consumer: at most the next one is in flight.
            const s = snap!;
            const detail = `locked ${s.locked}, frames ${s.frames}, corrupt ${s.corrupt}, lost ${s.lost}`;
            const accounted = s.frames + s.corrupt + s.lost;
            expect(accounted, detail).toBeLessThanOrEqual(s.locked);
            expect(accounted, detail).toBeGreaterThanOrEqual(s.locked - 1);
            if (fault === 'clean') expect(s.lost + s.corrupt, detail).toBe(0);
          } finally {
            await cam.close();
            await w.stop();
            demo.stop();
          }
        },
      );
    }
  }

  it(
    'a camera that answers over a noisy link is never given up on: a long faulty phase, then frames again',
    { timeout: 120_000 },
    async () => {
      // Short reply timeout and a small give-up budget, so that many recoveries fail in a row while the faults last.
      const maxResyncs = 2;
      const demo = createDemoCamera({ model: 'H7', width: 160, height: 120, fps: 60, faults: { seed: 7 } });
      const cam = await openChannelSession(demo.hostLink, { replyTimeoutMs: 100, maxResyncs });
      const w = new Watch(cam);
      try {
        await w.until('first frames', () => w.frames.length >= CLEAN_FRAMES);
        demo.faults.bitFlipRate = 0.01;
        await w.until('many recoveries under faults', () => w.count('recovering') >= 4 * (maxResyncs + 1));
        demo.faults.bitFlipRate = 0;
        const before = w.frames.length;
        await w.until(
          'frames after the faults stopped',
          () => w.frames.length - before >= AFTER_FAULTS_FRAMES,
        );
        expect(w.states.some((s) => s.startsWith('disconnected'))).toBe(false);
      } finally {
        await cam.close();
        await w.stop();
        demo.stop();
      }
    },
  );
});

describe('host session ↔ emulated board: scripts', () => {
  it(
    'runScript: output arrives, frames stream; stopScript soft-reboots and the session carries on',
    { timeout: 20_000 },
    async () => {
      const demo = createDemoCamera({ model: 'H7 Plus', width: 160, height: 120, fps: 30, mainPy: false });
      const cam = await connectCamera(demo.hostLink);
      const w = new Watch(cam);
      try {
        await cam.runScript(
          'import csi, time\nprint("hello from the emulator")\nwhile True:\n    img = csi0.snapshot()\n    print(f"tick")\n',
        );
        await w.until('frames stream', () => w.frames.length > 3);
        await w.until('the script prints', () => w.text.includes('hello from the emulator\ntick\n'));
        await cam.stopScript();
        // stopScript resolves once the board stopped the script (its soft reboot included).
        expect(demo.board.scriptRunning).toBe(false);
        expect(demo.board.stats.softReboots).toBe(1);
        await w.until('the soft reboot banner', () => w.text.includes('MPY: soft reboot'));
        // No script, no frames; the session stays connected and streaming.
        expect(w.states.at(-1)).toMatch(/^streaming/);
      } finally {
        await cam.close();
        await w.stop();
        demo.stop();
      }
    },
  );

  it(
    'runScript right after stopScript while the old script is still in a long wait: the new script runs',
    { timeout: 30_000 },
    async () => {
      // `snapshot(time=…)` (sensor settle) is a long C-level wait the stop only interrupts when it ends. Without the
      // host waiting for the old script's end, the new upload reaches the board while the old stdin script still
      // runs, and the old script's end wipes it (protocol.md §2.13 trap): no script, no frames, ever.
      const script = (name: string): string =>
        `import csi, time\ncam = csi.CSI()\ncam.snapshot(time=1500)\nprint("${name} runs")\nwhile True:\n    img = cam.snapshot()\n`;
      const demo = createDemoCamera({ model: 'H7 Plus', width: 160, height: 120, fps: 30, mainPy: false });
      const cam = await connectCamera(demo.hostLink);
      const w = new Watch(cam);
      try {
        await cam.runScript(script('first'));
        // Stop while the first script still settles, then run the second one straight away.
        expect(demo.board.scriptRunning).toBe(true);
        await cam.stopScript();
        expect(demo.board.scriptRunning, 'stopScript resolves only once the script stopped').toBe(false);
        await cam.runScript(script('second'));
        await w.until(
          'the second script runs (or the board has no script: the upload was wiped)',
          () => w.text.includes('second runs') || !demo.board.scriptRunning,
        );
        expect(w.text).toContain('second runs');
        const before = w.frames.length;
        await w.until('frames from the second script', () => w.frames.length - before >= 3);
        expect(w.text).not.toContain('first runs');
      } finally {
        await cam.close();
        await w.stop();
        demo.stop();
      }
    },
  );

  it(
    'stopScript → runScript, again and again: frames flow after every run',
    { timeout: 120_000 },
    async () => {
      const demo = createDemoCamera({ model: 'H7 Plus', width: 160, height: 120, fps: 60 });
      const cam = await connectCamera(demo.hostLink);
      const w = new Watch(cam);
      try {
        await w.until('main.py streams', () => w.frames.length >= 3);
        for (let i = 0; i < 20; i++) {
          await cam.stopScript();
          expect(demo.board.scriptRunning).toBe(false);
          await cam.runScript(
            `import csi, time\ncam = csi.CSI()\ncam.snapshot(time=${(i % 4) * 40})\nprint("run ${i}")\nwhile True:\n    img = cam.snapshot()\n`,
          );
          const before = w.frames.length;
          await w.until(`frames after run ${i}`, () => w.frames.length - before >= 3);
          await w.until(`output of run ${i}`, () => w.text.includes(`run ${i}\n`));
        }
      } finally {
        await cam.close();
        await w.stop();
        demo.stop();
      }
    },
  );
});

describe('host session ↔ emulated legacy board (firmware ≤ 4.8.1)', () => {
  for (const framing of ['stm32', 'tinyusb'] as const) {
    it(
      `${framing}: detected by the probe; script output, byte-identical frames, stop`,
      { timeout: 20_000 },
      async () => {
        const produced: LegacyBoardFrame[] = [];
        const board = new LegacyBoard({
          framing,
          frameSource: () => {
            const n = produced.length;
            const f: LegacyBoardFrame = {
              width: 320,
              height: 240,
              pixformat: PIXFORMAT.JPEG,
              data: syntheticJpeg(320, 240, 3000 + 97 * (n % 7), n & 0xff),
            };
            produced.push(f);
            return f;
          },
        });
        const [host, device] = linkPair();
        board.openPort();
        board.attach(device);
        const cam = await connectCamera(host);
        expect(cam.info.protocol).toBe('legacy');
        const w = new Watch(cam);
        try {
          await cam.runScript('print("legacy hello")\nwhile True:\n    pass\n');
          await w.until('frames', () => w.frames.length >= 6);
          await w.until('script output', () => w.text.includes('legacy hello\r\n'));
          // Frames in order, byte-identical to what the board handed out (each locked frame is read exactly once).
          w.frames.forEach((f, i) => expect(f.data).toEqual(produced[i]!.data));
          await cam.stopScript();
          expect(board.running).toBe(false);
          await w.until('the stop is reported', () => w.text.includes('KeyboardInterrupt'));
          expect(cam.stats()).toMatchObject({ corrupt: 0, dropped: 0 });
        } finally {
          await cam.close();
          await w.stop();
        }
      },
    );
  }
});
