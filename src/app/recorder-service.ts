import type { CameraFrame } from '../device/protocol/camera';
import { FrameRing, RingReader, RingWriter, planRing } from '../ring';
import type { RecordingRecord, RecordingsRepository } from '../storage/recordings';
import { formatBytes } from '../storage/units';
import { fileStamp } from './format-time';
import type { RingStart } from '../workers/recorder.protocol';
import { RecorderSession } from './recorder-session';
import type { RecoveryReport } from './recovery';
import { RECORDING_LOCK, answerWhoHolds, describeThisTab, tryLock, whoHolds } from './recorder-lock';
import { loadSettings, saveSettings, type RecorderSettings } from './recorder-settings';
import { StorageWatch } from './storage-watch';
import { TriggerLines } from './trigger-lines';

export type { RecorderSettings } from './recorder-settings';

export const RECORDER_MODE = {
  idle: 'idle',
  /** Every frame goes to a file until "Stop recording". */
  recording: 'recording',
  /** The ring keeps the last N seconds; a trigger saves them plus M seconds after. */
  armed: 'armed',
} as const;
export type RecorderMode = (typeof RECORDER_MODE)[keyof typeof RECORDER_MODE];

export interface RecorderStatus {
  mode: RecorderMode;
  /** A post-trigger window is being written. */
  saving: boolean;
  /** Since the current recording's first frame (or the current trigger's first saved frame). */
  elapsedMs: number;
  /** Frames the ring had to refuse because a recording had not read its slot yet (none in normal use). */
  dropped: number;
  /** Frames and bytes durable on disk for the current recording (all its split parts). */
  frames: number;
  bytes: number;
  /** Seconds of frames the ring holds now, and how many frames. */
  ringSeconds: number;
  ringFrames: number;
  /** False when the page has no SharedArrayBuffer and frames travel to the recorder as copies. */
  sharedMemory: boolean;
  /** The last thing the user must know (a stop, a refusal), or null. */
  message: string | null;
  problem: boolean;
}

/**
 * Events: 'status' (CustomEvent<RecorderStatus>), 'saved' (CustomEvent<RecordingRecord>, one per file),
 * 'notice' (CustomEvent<RecorderNotice>: what the start-up recovery did, for the shell to show).
 */
export interface RecorderServiceEvents {
  status: CustomEvent<RecorderStatus>;
  saved: CustomEvent<RecordingRecord>;
  notice: CustomEvent<RecorderNotice>;
}

export interface RecorderNotice {
  text: string;
  problem: boolean;
}

/** Ring seconds when only recording (the ring then only absorbs the recorder's hiccups). */
const RECORDING_RING_SECONDS = 3;
/** A post-trigger window whose frames stopped coming ends this long after its due time. */
const WINDOW_GRACE_MS = 2000;
/** Reader ids 0..2 are for sessions (a finishing one may overlap the next); 3 is the live view's. */
const SESSION_READERS = [0, 1, 2];
export const LIVE_VIEW_READER = 3;

/** µs on the clock shared by the page and its workers. */
export const nowUs = (): number => (performance.timeOrigin + performance.now()) * 1000;

/**
 * The recorder: camera frames go into a frame ring (SharedArrayBuffer when the page is cross-origin
 * isolated, an ArrayBuffer otherwise) and from there to recorder workers that write ImageIO V2.0 files to
 * OPFS. Two modes: "recording" writes every frame until stopped; "armed" keeps the last N seconds and a
 * trigger (button, T key, or an `omv:trigger` line printed by the camera script) saves them plus M seconds
 * after. One tab records at a time (Web Locks); storage is watched and a full disk stops cleanly.
 */
export class RecorderService extends EventTarget {
  settings: RecorderSettings = loadSettings();
  status: RecorderStatus = {
    mode: 'idle',
    saving: false,
    elapsedMs: 0,
    dropped: 0,
    frames: 0,
    bytes: 0,
    ringSeconds: 0,
    ringFrames: 0,
    sharedMemory: sharedMemoryAvailable(),
    message: null,
    problem: false,
  };
  private ring: FrameRing | null = null;
  private writer: RingWriter | null = null;
  private readonly sessions = new Set<RecorderSession>();
  private readonly ringListeners = new Set<(ring: FrameRing) => void>();
  /** The session writing the current recording or the current trigger window. */
  private active: RecorderSession | null = null;
  private readonly usedReaders = new Map<RecorderSession, number>();
  private releaseLock: (() => void) | null = null;
  private stopAnswering: (() => void) | null = null;
  private startedUs = 0;
  /** Frames up to this time were saved by the last trigger window: the next one starts after it. */
  private savedUntilUs = -Infinity;
  private windowTimer: ReturnType<typeof setTimeout> | null = null;
  /** A session to open with the next frame. */
  private pending: { from: RingStart; stopAfterUs: number | null; name: string } | null = null;
  private readonly watch: StorageWatch;
  readonly triggers = new TriggerLines(() => void this.trigger('the camera script'));
  private lastStatusAt = 0;
  /** The settings changed the ring's size: a new ring with the next frame that no session needs. */
  private replan = false;
  /** Record was clicked and the lock is being taken: frames already go into the ring. */
  private claiming = false;

  constructor(private readonly repo: RecordingsRepository | undefined) {
    super();
    this.watch = new StorageWatch(
      () => this.status.bytes,
      (why) => void this.stopForStorage(why),
    );
  }

  /**
   * Calls `listener` with the shared ring now (if there is one) and with every new ring; returns the
   * unsubscribe function. Without shared memory there is never a ring to share.
   */
  watchRing(listener: (ring: FrameRing) => void): () => void {
    this.ringListeners.add(listener);
    if (this.ring && this.status.sharedMemory) listener(this.ring);
    return () => this.ringListeners.delete(listener);
  }

  /** True while frames are being written or the ring is armed: reloads must wait. */
  get busy(): boolean {
    return this.status.mode !== 'idle' || this.sessions.size > 0;
  }

  updateSettings(patch: Partial<RecorderSettings>): void {
    this.settings = { ...this.settings, ...patch };
    saveSettings(this.settings);
    // The ring's size follows the seconds and the memory limit: re-planned with the next frame.
    if ('preSeconds' in patch || 'ringMaxMB' in patch) this.replan = true;
  }

  /** "Record": every frame from now on, until {@link stopRecording}. */
  async record(): Promise<void> {
    if (this.status.mode !== 'idle') return;
    // The recording starts at the click, not when the lock answers: the ring takes the frames meanwhile.
    const startedUs = nowUs();
    this.claiming = true;
    try {
      if (!(await this.claim('recording'))) return;
    } finally {
      this.claiming = false;
    }
    this.startedUs = startedUs;
    this.setMode('recording', null);
    this.begin({ sinceUs: this.startedUs }, null, `Recording ${fileStamp(new Date())}`);
  }

  /** "Stop recording": the frames received before the click are written, the file closes and is listed. */
  async stopRecording(): Promise<void> {
    if (this.status.mode !== 'recording') return;
    const session = this.active;
    this.active = null;
    this.pending = null;
    session?.stop(this.ring?.nextSeq() ?? 0);
    this.setMode('idle', null);
    await session?.done;
    this.unclaim();
  }

  /** "Arm pre-trigger": the ring keeps the last N seconds until a trigger. */
  async arm(): Promise<void> {
    if (this.status.mode !== 'idle') return;
    if (!(await this.claim('armed for a pre-trigger'))) return;
    this.savedUntilUs = -Infinity;
    this.setMode('armed', null);
  }

  /** Leaves armed mode; a trigger window being written is closed with what it has. */
  async disarm(): Promise<void> {
    if (this.status.mode !== 'armed') return;
    const session = this.active;
    this.active = null;
    this.pending = null;
    this.clearWindowTimer();
    session?.stop(this.ring?.nextSeq() ?? 0);
    this.setMode('idle', null);
    await session?.done;
    this.unclaim();
  }

  /**
   * "Trigger": saves the N seconds before now and the M seconds after to a new file named by this moment.
   * A trigger inside a window being written extends that window instead.
   */
  trigger(by = 'the Trigger button'): void {
    if (this.status.mode !== 'armed') return;
    const t = nowUs();
    const until = t + this.settings.postSeconds * 1e6;
    this.armWindowTimer(until);
    if (this.pending) {
      this.pending.stopAfterUs = until;
      return;
    }
    if (this.active) {
      this.active.extend(until);
      this.update({
        message: `Trigger (${by}): the window now ends ${this.settings.postSeconds} s from now.`,
      });
      return;
    }
    const since = Math.max(t - this.settings.preSeconds * 1e6, this.savedUntilUs + 1);
    this.startedUs = since;
    this.begin({ sinceUs: since }, until, `Trigger ${fileStamp(new Date(), true)}`);
    this.update({ saving: true, frames: 0, bytes: 0, message: `Triggered by ${by}.`, problem: false });
  }

  /** Every frame the camera delivers comes here (a CameraService frame sink). */
  onFrame(frame: CameraFrame): void {
    // With shared memory the ring always runs: the live view draws from it. Without, only to record.
    if (
      !this.status.sharedMemory &&
      this.status.mode === 'idle' &&
      this.sessions.size === 0 &&
      !this.claiming
    )
      return;
    const timeUs = (performance.timeOrigin + frame.receivedAt) * 1000;
    let ring = this.ring;
    // A new size waits until no session reads the ring (a recording must not be split for it).
    if (!ring || !ring.fits(frame) || (this.replan && this.sessions.size === 0 && !this.pending))
      ring = this.replaceRing(frame);
    if (!ring || !this.writer) return;
    if (!this.writer.write({ ...frame, timeUs })) {
      // A session's reader still holds the slot: the recorder fell behind by a whole ring. Said, never silent.
      this.update({
        dropped: this.status.dropped + 1,
        message: `The recorder fell behind the camera: ${this.status.dropped + 1} frames could not be recorded (storage too slow, or the ring too small: raise its memory limit).`,
        problem: true,
      });
    }
    if (this.pending) {
      const { from, stopAfterUs, name } = this.pending;
      this.pending = null;
      this.active = this.openSession(ring, from, stopAfterUs, name);
    }
    for (const s of this.sessions) s.pump();
    const now = performance.now();
    if (now - this.lastStatusAt > 250) {
      this.lastStatusAt = now;
      const held = ring.held();
      this.update({
        ringSeconds: held.spanUs / 1e6,
        ringFrames: held.frames,
        elapsedMs: this.active ? Math.max(0, (timeUs - this.startedUs) / 1000) : this.status.elapsedMs,
      });
    }
  }

  /** Says what the start-up recovery found (interrupted recordings, now in the library). */
  reportRecovery(report: RecoveryReport): void {
    const parts: string[] = [];
    for (const r of report.recovered)
      parts.push(`Recovered “${r.name}” after an interruption: ${r.frames} frames, ${formatBytes(r.bytes)}.`);
    for (const f of report.failed) parts.push(`Could not recover ${f.fileName}: ${f.message}`);
    if (!parts.length) return;
    const last = report.recovered.at(-1);
    if (last) this.dispatchEvent(new CustomEvent('saved', { detail: last }));
    const detail = { text: parts.join(' '), problem: report.failed.length > 0 };
    // Said where it is seen with no camera connected (the shell), and in the recorder panel.
    this.dispatchEvent(new CustomEvent('notice', { detail }));
    this.update({ message: detail.text, problem: detail.problem });
  }

  /** The camera went away: whatever is being written is closed with every frame received. */
  async cameraGone(): Promise<void> {
    if (this.status.mode === 'recording') await this.stopRecording();
    else if (this.status.mode === 'armed') await this.disarm();
  }

  /**
   * A new ring for a frame the current one cannot hold (the first frame, or a script changed the format
   * or size). Sessions on the old ring finish with its frames; recording goes on in a new file.
   */
  private replaceRing(frame: CameraFrame): FrameRing | null {
    const old = this.writer;
    const oldRing = this.ring;
    this.replan = false;
    const shape = { width: frame.width, height: frame.height, pixformat: frame.pixformat };
    const seconds = Math.max(this.settings.preSeconds, RECORDING_RING_SECONDS);
    const fps = Math.max(30, Math.ceil(frame.cameraFps ?? 30));
    try {
      const plan = planRing(shape, { seconds, fps, maxBytes: this.settings.ringMaxMB * 2 ** 20 });
      this.ring = FrameRing.create(plan, { shared: this.status.sharedMemory });
      this.writer = new RingWriter(this.ring);
    } catch (e) {
      this.ring = null;
      this.writer = null;
      this.update({
        message: `The recorder cannot hold ${frame.width}×${frame.height} frames: ${message(e)}`,
        problem: true,
      });
      return null;
    }
    if (this.status.sharedMemory) for (const listener of this.ringListeners) listener(this.ring);
    if (old && oldRing) {
      // The old ring's sessions write what it holds and end; the current recording or trigger window
      // goes on in a new file on the new ring, from its first frame.
      for (const s of this.sessions) s.stop(oldRing.nextSeq());
      old.close();
      if (this.active) {
        const previous = this.active;
        this.active = null;
        if (!this.pending)
          this.pending = {
            from: 'oldest',
            stopAfterUs: previous.stopAfterUs,
            name: `Recording ${fileStamp(new Date())}`,
          };
      }
    }
    return this.ring;
  }

  /** Starts a session with the next frame (the ring may not exist before it). */
  private begin(from: RingStart, stopAfterUs: number | null, name: string): void {
    this.pending = { from, stopAfterUs, name };
  }

  private openSession(
    ring: FrameRing,
    from: RingStart,
    stopAfterUs: number | null,
    name: string,
  ): RecorderSession | null {
    const repo = this.repo;
    if (!repo) {
      this.update({
        message: 'Recording needs the library, and this browser could not open its storage.',
        problem: true,
      });
      return null;
    }
    const readerId = SESSION_READERS.find((id) => ![...this.usedReaders.values()].includes(id));
    if (readerId === undefined) {
      this.update({
        message: 'Too many recordings are still being written; try again in a moment.',
        problem: true,
      });
      return null;
    }
    let viaMessages: RingReader | null = null;
    if (!this.status.sharedMemory) {
      // No SharedArrayBuffer: this page reads the ring and posts copies to the worker.
      viaMessages = new RingReader(ring, readerId, 'every');
      viaMessages.attach(from);
    }
    const session = new RecorderSession({
      ring,
      viaMessages,
      readerId,
      from,
      stopAfterUs,
      split: this.splitOptions(),
      name,
      repo,
      listener: {
        progress: (t) => {
          if (session === this.active) this.update({ frames: t.frames, bytes: t.bytes });
        },
        saved: (record, reason, msg) => this.onSaved(record, reason, msg),
        problem: (m) => this.update({ message: m, problem: true }),
      },
    });
    this.sessions.add(session);
    this.usedReaders.set(session, readerId);
    this.watch.start();
    session.start().catch((e: unknown) => {
      this.update({ message: `The recording could not start: ${message(e)}`, problem: true });
      session.stop(ring.nextSeq());
    });
    void session.done.then(() => {
      this.sessions.delete(session);
      this.usedReaders.delete(session);
      if (this.active === session) {
        this.active = null;
        if (this.status.mode === 'armed') {
          this.savedUntilUs = session.stopAfterUs ?? this.savedUntilUs;
          this.clearWindowTimer();
          this.update({ saving: false });
        } else if (this.status.mode === 'recording') {
          // The worker ended by itself (a full disk, an error): the recording is over.
          this.setMode('idle', this.status.message);
          this.unclaim();
        }
      }
      if (this.sessions.size === 0) this.watch.halt();
    });
    return session;
  }

  private onSaved(record: RecordingRecord | null, reason: string, msg: string | undefined): void {
    if (record) this.dispatchEvent(new CustomEvent('saved', { detail: record }));
    if (reason === 'quota' || reason === 'error') {
      this.update({
        message: msg ?? `The recording stopped (${reason}); every frame written before is kept.`,
        problem: true,
      });
    } else if (record) {
      this.update({
        message: `Saved “${record.name}”: ${record.frames} frames, ${formatBytes(record.bytes)}.`,
        problem: false,
      });
    }
  }

  private async stopForStorage(why: string): Promise<void> {
    const mode = this.status.mode;
    if (mode === 'recording') await this.stopRecording();
    else if (mode === 'armed') await this.disarm();
    this.update({ message: why, problem: true });
  }

  private splitOptions(): { maxBytes?: number; maxMs?: number } | undefined {
    const { splitMB, splitMinutes } = this.settings;
    if (!splitMB && !splitMinutes) return undefined;
    return {
      ...(splitMB ? { maxBytes: splitMB * 1e6 } : {}),
      ...(splitMinutes ? { maxMs: splitMinutes * 60_000 } : {}),
    };
  }

  /** Takes the one-recorder lock; says which tab has it when another does. */
  private async claim(activity: string): Promise<boolean> {
    const lock = await tryLock(RECORDING_LOCK);
    if (lock === null) {
      const holder = await whoHolds();
      this.update({ message: `Another tab is recording: ${holder}. Stop it there first.`, problem: true });
      return false;
    }
    this.releaseLock = typeof lock === 'function' ? lock : null;
    const since = new Date().toLocaleTimeString();
    this.stopAnswering = answerWhoHolds(() => describeThisTab(`${activity} since ${since}`));
    return true;
  }

  private unclaim(): void {
    this.stopAnswering?.();
    this.stopAnswering = null;
    this.releaseLock?.();
    this.releaseLock = null;
  }

  private armWindowTimer(untilUs: number): void {
    this.clearWindowTimer();
    const ms = (untilUs - nowUs()) / 1000 + WINDOW_GRACE_MS;
    // Frames stopped coming (camera paused): end the window with what it has.
    this.windowTimer = setTimeout(() => this.active?.stop(this.ring?.nextSeq() ?? 0), Math.max(0, ms));
  }

  private clearWindowTimer(): void {
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    this.windowTimer = null;
  }

  private setMode(mode: RecorderMode, msg: string | null): void {
    this.update({
      mode,
      saving: false,
      message: msg,
      problem: false,
      ...(mode === 'idle' ? {} : { frames: 0, bytes: 0, elapsedMs: 0, dropped: 0 }),
    });
  }

  private update(patch: Partial<RecorderStatus>): void {
    this.status = { ...this.status, ...patch };
    this.dispatchEvent(new CustomEvent('status', { detail: this.status }));
  }
}

/** SharedArrayBuffer works only in a cross-origin-isolated page. */
function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
