/**
 * The demo camera: an emulated OpenMV board (5.x channel protocol) behind a modelled USB link. The host end is what
 * the app's protocol session connects to. Pure: runs in a page, a worker and Node.
 */
import type { ByteLink } from '../protocol/link';
import type { Clock } from '../../format/clock';
import { systemClock } from '../../format/clock';
import { EmulatedBoard } from './board';
import { TestPatternSource, type FrameFormat, type FrameSource } from './frames';
import { createLinkModel, type FaultOptions, type LinkSpeed } from './link-model';
import type { BoardModel } from './profiles';

export { EmulatedBoard, type BoardOptions, type BoardStats, type UserChannel } from './board';
export { PROFILES, type BoardModel, type BoardProfile } from './profiles';
export {
  TestPatternSource,
  ReplaySource,
  type FrameSource,
  type FrameFormat,
  type PatternOptions,
} from './frames';
export {
  createLinkModel,
  byteFaults,
  LINK_BYTES_PER_SECOND,
  type LinkModel,
  type LinkSpeed,
  type FaultOptions,
} from './link-model';
export { parseScript, STREAMING_SCRIPT, FRAMESIZES } from './script';

/** The link benchmark of protocol.md §4/§5.1: push pre-compressed frames as fast as the stream takes them. */
export const FLUSH_LOOP_PY = `import csi
while True:
    img.flush()
`;

/**
 * The factory main.py of the demo camera: stream the sensor and print the frame rate. It names no pixformat or
 * frame size, so the demo's configured format and size stay in force.
 */
export const DEMO_MAIN_PY = `import csi, time
csi0 = csi.CSI()
clock = time.clock()
while True:
    clock.tick()
    img = csi0.snapshot()
    print(f"{clock.fps()} FPS")
`;

export interface DemoFaults extends FaultOptions {
  /** Pull the cable after this many ms (the link closes with an error). */
  unplugAfterMs?: number;
  /** Soft-reboot the board after this many ms (as a script ending does: events, SEQ 0, default caps). */
  resetAfterMs?: number;
}

export interface DemoCameraOptions {
  model?: BoardModel;
  format?: FrameFormat;
  width?: number;
  height?: number;
  fps?: number;
  link?: LinkSpeed;
  faults?: DemoFaults;
  clock?: Clock;
  /** Called with each frame the board writes to its stream buffer (header + data), e.g. to check delivery. */
  onFrame?: (frame: Uint8Array) => void;
  /** Run DEMO_MAIN_PY at boot (default true), another main.py text, or false = an idle board waiting for a script. */
  mainPy?: boolean | string;
  /** Frame source instead of the test pattern (e.g. a ReplaySource of recorded JPEGs). */
  source?: FrameSource;
}

export interface DemoCamera {
  hostLink: ByteLink;
  board: EmulatedBoard;
  source: FrameSource;
  /** Pulls the cable now. */
  unplug(): void;
  /** Holds the link for `ms`. */
  stall(ms: number): void;
  /** Live fault settings (mutable). */
  readonly faults: FaultOptions;
  /** Counters of injected byte faults. */
  readonly injected: { flipped: number; dropped: number; stalls: number };
  bytesPerSecond: number;
  stop(): void;
}

/** Builds the demo camera: board + frame source + link model. */
export function createDemoCamera(opts: DemoCameraOptions = {}): DemoCamera {
  const clock = opts.clock ?? systemClock;
  const source: FrameSource =
    opts.source ??
    new TestPatternSource({
      width: opts.width ?? 320,
      height: opts.height ?? 240,
      format: opts.format ?? 'JPEG',
      fps: opts.fps ?? 30,
    });
  const model = createLinkModel({ speed: opts.link ?? 'unlimited', faults: opts.faults, clock });
  const board = new EmulatedBoard({
    model: opts.model ?? 'H7 Plus',
    clock,
    source,
    mainPy: opts.mainPy === false ? undefined : typeof opts.mainPy === 'string' ? opts.mainPy : DEMO_MAIN_PY,
    // A ByteLink has no line state: the host's first bytes stand for "opened at 921600 with DTR" (§1.2).
    active: false,
    activateOnFirstBytes: true,
    onFrame: opts.onFrame,
  }).attach(model.board);
  let stopped = false;
  const f = opts.faults ?? {};
  if (f.unplugAfterMs !== undefined)
    void clock.sleep(f.unplugAfterMs).then(() => {
      if (!stopped) model.unplug();
    });
  if (f.resetAfterMs !== undefined)
    void clock.sleep(f.resetAfterMs).then(() => {
      if (!stopped) board.softReboot();
    });
  return {
    hostLink: model.host,
    board,
    source,
    unplug: () => model.unplug(),
    stall: (ms) => model.stall(ms),
    faults: model.faults,
    injected: model.injected,
    bytesPerSecond: model.bytesPerSecond,
    stop() {
      stopped = true;
      board.stop();
    },
  };
}
