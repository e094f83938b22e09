/**
 * The board side of the 5.x channel protocol (protocol.md §2), written against the spec, not against our host code.
 * This module is the camera's firmware side: options, the stdout console (§2.10, §2.11), the stream producer entry
 * point (§2.12) and the script lifecycle with soft reboot (§2.13). Below it: board-channels.ts (opcodes and
 * channels), board-stream.ts (the stream buffer and its hand-off), board-link.ts (receive state machine, sequence
 * counter, ACK/NAK/RTX, events). Pure: no DOM, no Node; time comes from the injected Clock.
 */
import { OPCODE } from '../protocol/packet';
import type { ByteLink } from '../protocol/link';
import { utf8Decode, utf8Encode } from '../protocol/utf8';
import type { Clock } from '../../format/clock';
import { systemClock } from '../../format/clock';
import type { Image } from '../../format/image';
import { PROFILES, type BoardModel, type BoardProfile } from './profiles';
import { parseScript, type Script } from './script';
import type { FrameSource } from './frames';
import { BoardChannels, type UserChannel } from './board-channels';
import { CH, REINIT_MARKER, SYS_EVENT, u16 } from './board-wire';

export { PROFILES, type BoardModel, type BoardProfile };
export type { UserChannel } from './board-channels';
export type { BoardStats } from './board-link';

const STDOUT_NOTIFY_MS = 50;

export interface BoardOptions {
  model?: BoardModel;
  clock?: Clock;
  /** Frames for scripts that call `snapshot()`/`flush()`. */
  source?: FrameSource;
  /**
   * When true (default) the board runs scripts, the stdout 50 ms NOTIFY tick and its own frame timing. When false
   * the test drives everything (`pushFrame`, `print`, `notifyStdout`, `scriptStarted/Ended`): used for transcripts.
   */
  autonomous?: boolean;
  /** Start as if main.py were running (its end sends stdin event 0 only, no soft reboot; §2.13). */
  mainPyRunning?: boolean;
  /** A main.py to run at boot (autonomous only), e.g. STREAMING_SCRIPT: the camera streams without an upload. */
  mainPy?: string;
  /** §7.1 activation gate: inactive until `setLineState(921600, true)` when false. Default true. */
  active?: boolean;
  /** With `active: false`: the first bytes received activate the protocol (links without line state). */
  activateOnFirstBytes?: boolean;
  /** Called with every frame written to the stream buffer (header + data). */
  onFrame?: (frame: Uint8Array) => void;
}

/**
 * The emulated camera. Attach it to the board end of a ByteLink; the other end is what a host session talks to.
 */
export class EmulatedBoard extends BoardChannels {
  private readonly autonomous: boolean;
  private readonly onFrame: ((frame: Uint8Array) => void) | undefined;
  private readonly mainPy: string | undefined;

  // stdin / script
  private scriptState: 'none' | 'main' | 'stdin' = 'none';
  private stopRequested = false;
  private runGen = 0;
  private readonly source: FrameSource | undefined;
  private stdoutTicking = false;

  constructor(opts: BoardOptions = {}) {
    super(
      PROFILES[opts.model ?? 'H7 Plus'],
      opts.clock ?? systemClock,
      opts.active ?? true,
      opts.activateOnFirstBytes ?? false,
    );
    this.autonomous = opts.autonomous ?? true;
    this.source = opts.source;
    if (opts.mainPyRunning) this.scriptState = 'main';
    this.mainPy = opts.mainPy;
    this.onFrame = opts.onFrame;
  }

  /** Connects the board end of a link. */
  attach(link: ByteLink): this {
    this.listenTo(link);
    if (this.mainPy !== undefined && this.autonomous && this.scriptState === 'none')
      this.startScript(this.mainPy, 'main');
    return this;
  }

  /** Stops timers and scripts; does not close the link. */
  override stop(): void {
    this.runGen++;
    super.stop();
  }

  get streaming(): boolean {
    return this.stream.enabled;
  }
  get scriptRunning(): boolean {
    return this.scriptState !== 'none';
  }

  // ---------------------------------------------------------------- stdout (§2.10, §2.11)

  /** Appends console text as the script's `print` does (UTF-8). */
  print(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? utf8Encode(text) : text;
    const cap = this.profile.stdoutRing - 1;
    if (this.stdout.length + bytes.length > cap) {
      // Unread text is discarded and only the tail of the new text is kept.
      this.stdout = Array.from(bytes.subarray(Math.max(0, bytes.length - cap)));
    } else for (const x of bytes) this.stdout.push(x);
    if (!this.stdoutHalfNotified && this.stdout.length * 2 > cap) {
      this.stdoutHalfNotified = true;
      this.notifyStdout();
    }
    if (this.autonomous) this.startStdoutTick();
  }

  /** Bytes of console text waiting to be read. */
  get stdoutPending(): number {
    return this.stdout.length;
  }

  /** Sends the stdout NOTIFY event (also what the 50 ms tick does while text is pending). */
  notifyStdout(): void {
    this.queueEvent(CH.STDOUT, OPCODE.CHANNEL_EVENT);
  }

  private startStdoutTick(): void {
    if (this.stdoutTicking || this.closed) return;
    this.stdoutTicking = true;
    void (async () => {
      while (!this.closed && this.stdout.length) {
        const t0 = this.clock.now();
        await this.clock.sleep(STDOUT_NOTIFY_MS);
        if (this.clock.now() <= t0) break; // a clock that does not move: no tick
        if (this.stdout.length) this.notifyStdout();
      }
      this.stdoutTicking = false;
    })();
  }

  // ---------------------------------------------------------------- stream producer (§2.12)

  /**
   * `framebuffer_update_preview`: offers a frame to the stream. Returns false when skipped (disabled, or the host
   * has not taken the previous frame: strict alternation). JPEG images are copied as is; raw images go raw when raw
   * preview is on, else through the JPEG encoder at the adaptive quality.
   */
  pushFrame(img: Image): boolean {
    const r = this.stream.offer(img, this.clock.now());
    if (!r.frame) {
      // A precompressed image too big for the buffer is reported on the console.
      if (r.overflow === 'precompressed') this.print('\x1b[40O\n');
      this.stats.framesSkipped++;
      return false;
    }
    this.stats.framesWritten++;
    this.onFrame?.(r.frame);
    this.queueEvent(CH.STREAM, OPCODE.CHANNEL_EVENT);
    return true;
  }

  /** The bytes currently in the stream buffer (header + data), or null. For tests. */
  get streamBuffer(): Uint8Array | null {
    return this.stream.frame;
  }

  // ---------------------------------------------------------------- scripts (§2.13)

  /** Registers a user channel as `protocol.register()` does; sends CHANNEL_REGISTERED. */
  registerChannel(ch: UserChannel): number {
    let id = 5;
    while (this.userChannels.has(id)) id++;
    this.userChannels.set(id, ch);
    this.queueEvent(0, OPCODE.SYS_EVENT, u16(SYS_EVENT.CHANNEL_REGISTERED));
    return id;
  }

  /** stdin event 1 (a Python execution started). */
  scriptStarted(kind: 'main' | 'stdin' = 'stdin'): void {
    this.scriptState = kind;
    this.stopRequested = false;
    this.queueEvent(CH.STDIN, OPCODE.CHANNEL_EVENT, u16(1));
  }

  /** A script ended (by itself or stopped): stdin event 0, and for a stdin script SOFT_REBOOT + re-init. */
  scriptEnded(): void {
    const was = this.scriptState;
    if (was === 'none') return;
    this.scriptState = 'none';
    this.runGen++;
    this.queueEvent(CH.STDIN, OPCODE.CHANNEL_EVENT, u16(0));
    if (was === 'stdin') this.softReboot();
  }

  /** §2.13: after every soft reboot SEQ 0, default caps, user channels gone, raw default; stream enable and stdout kept. */
  softReboot(): void {
    if (this.scriptState !== 'none') {
      this.scriptState = 'none';
      this.runGen++;
    }
    this.queueEvent(0, OPCODE.SYS_EVENT, u16(SYS_EVENT.SOFT_REBOOT));
    this.upload = []; // the buffer-wipe trap: a script uploaded while the old one ran is gone
    this.print('MPY: soft reboot\n');
    // Re-init happens after the queued events went out with the old counter.
    this.outEvents.push({ seq: 0, chan: 0, flags: 0, opcode: REINIT_MARKER, payload: new Uint8Array(0) });
    this.kick();
  }

  protected reinitAfterReboot(): void {
    this.initDefaults();
    this.userChannels.clear();
    this.stream.reboot();
    this.stats.softReboots++;
  }

  protected stopScript(): void {
    if (this.scriptState === 'none') return;
    this.stopRequested = true;
    if (!this.autonomous || this.scriptState === 'main') this.scriptEnded();
  }

  protected execUpload(): void {
    const text = utf8Decode(Uint8Array.from(this.upload));
    if (this.scriptState === 'stdin') {
      // The running stdin script is interrupted; its end wipes the buffer, so this upload never runs (§2.13 trap).
      this.stopScript();
      return;
    }
    if (this.scriptState === 'main') this.scriptEnded();
    this.startScript(text, 'stdin');
  }

  /** Starts a script as the firmware's main loop does (stdin event 1), interpreted when autonomous. */
  startScript(text: string, kind: 'main' | 'stdin'): void {
    this.scriptStarted(kind);
    if (!this.autonomous) return;
    const script = parseScript(text);
    this.source?.configure?.({ pixformat: script.pixformat, ...script.size });
    void this.runScript(script, ++this.runGen);
  }

  private async runScript(script: Script, gen: number): Promise<void> {
    const alive = (): boolean => gen === this.runGen && !this.closed && !this.stopRequested;
    const fps = this.source?.fps ?? 30;
    const runLines = async (lines: Script['setup']): Promise<void> => {
      for (const l of lines) {
        if (!alive()) return;
        if (l.kind === 'print') this.print(l.text(this.stream.fps) + '\n');
        else if (l.kind === 'sleep') await this.clock.sleep(l.ms);
        else if (l.kind === 'snapshot' && this.source) {
          const t0 = this.clock.now();
          const img = this.source.next(t0);
          if (l.stream) this.pushFrame(img);
          const wait = 1000 / fps - (this.clock.now() - t0);
          await this.clock.sleep(Math.max(1, wait));
        }
      }
    };
    await runLines(script.setup);
    if (script.loop) {
      while (alive()) {
        const t0 = this.clock.now();
        await runLines(script.loop);
        if (this.clock.now() === t0) await this.clock.sleep(1); // a loop that takes no time still yields
      }
    }
    if (gen === this.runGen && !this.closed) this.scriptEnded();
  }
}
