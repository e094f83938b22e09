import type { ShownFrame } from '../player/scheduler';
import type {
  PlayerCommand,
  PlayerEvent,
  PlayerSource,
  PlayerState,
  StreamSummary,
} from '../workers/player.protocol';

/** An error raised in the player worker, rethrown on the page with its name and message. */
export class PlayerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Pending = { resolve: (e: PlayerEvent) => void; reject: (e: Error) => void };

/** Events: 'state' (CustomEvent<PlayerState>) after every shown frame or change, 'error' for unsolicited errors. */
export interface PlayerClientEvents {
  state: CustomEvent<PlayerState>;
  error: CustomEvent<Error>;
}

/**
 * The page's handle on the player worker: it hands the canvas over once, then sends commands and turns
 * replies into promises. The page never decodes a pixel; it only lays out the canvas the worker draws.
 */
export class PlayerClient extends EventTarget {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  state: PlayerState | null = null;
  summary: StreamSummary | null = null;
  /** The speed last asked for: the worker's state lags by a message, so quick steps start from here. */
  speed = 1;

  constructor(canvas: HTMLCanvasElement) {
    super();
    this.worker = new Worker(new URL('../workers/player.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<PlayerEvent>) => this.receive(e.data);
    this.worker.onerror = (e) =>
      this.failAll(new PlayerError('WorkerError', e.message || 'The player stopped'));
    const offscreen = canvas.transferControlToOffscreen();
    this.send({ type: 'init', canvas: offscreen }, [offscreen]);
  }

  /** Opens a recording and shows its first frame. Rejects with the engine's error for a non-stream. */
  async open(source: PlayerSource): Promise<StreamSummary> {
    const reply = await this.request((id) => ({ type: 'open', id, source }));
    if (reply.type !== 'opened') throw new PlayerError('ProtocolError', `unexpected reply ${reply.type}`);
    this.summary = reply.summary;
    return reply.summary;
  }

  play(): void {
    this.send({ type: 'play' });
  }
  pause(): void {
    this.send({ type: 'pause' });
  }
  seek(frame: number): void {
    this.send({ type: 'seek', frame });
  }
  seekTime(ms: number): void {
    this.send({ type: 'seekTime', ms });
  }
  step(delta: number): void {
    this.send({ type: 'step', delta });
  }
  setSpeed(value: number): void {
    this.speed = value;
    this.send({ type: 'speed', value });
  }
  setLoop(value: boolean): void {
    this.send({ type: 'loop', value });
  }
  /** Pacing off plays every frame as fast as the worker can draw (for measurements). */
  setPacing(value: boolean): void {
    this.send({ type: 'pacing', value });
  }
  /** In/out points (inclusive frame indices); playback loops within them. Null clears them. */
  setSelection(range: { from: number; to: number } | null): void {
    this.send({ type: 'selection', range });
  }
  setSwapRgb565(value: boolean): void {
    this.send({ type: 'swapRgb565', value });
  }

  /** The RGBA pixels on screen (the current frame at 1:1). */
  async snapshot(): Promise<{ index: number; width: number; height: number; rgba: Uint8ClampedArray }> {
    const r = await this.request((id) => ({ type: 'snapshot', id }));
    if (r.type !== 'snapshot') throw new PlayerError('ProtocolError', `unexpected reply ${r.type}`);
    return { index: r.index, width: r.width, height: r.height, rgba: new Uint8ClampedArray(r.rgba) };
  }

  /** The scheduler's log of shown frames (worker clock times) and the skipped count. */
  async report(clear = false): Promise<{ shown: ShownFrame[]; skipped: number }> {
    const r = await this.request((id) => ({ type: 'report', id, clear }));
    if (r.type !== 'report') throw new PlayerError('ProtocolError', `unexpected reply ${r.type}`);
    return { shown: r.shown, skipped: r.skipped };
  }

  /** A clean copy of every complete frame of the open recording. */
  async repairCopy(): Promise<{ file: File; frames: number; bytes: number }> {
    const r = await this.request((id) => ({ type: 'repair', id }));
    if (r.type !== 'repaired') throw new PlayerError('ProtocolError', `unexpected reply ${r.type}`);
    return { file: r.file, frames: r.frames, bytes: r.bytes };
  }

  dispose(): void {
    this.worker.terminate();
    this.failAll(new PlayerError('AbortError', 'The player was closed'));
  }

  private send(cmd: PlayerCommand, transfer: Transferable[] = []): void {
    this.worker.postMessage(cmd, transfer);
  }

  private request(make: (id: number) => PlayerCommand): Promise<PlayerEvent> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(make(id));
    });
  }

  private receive(e: PlayerEvent): void {
    if (e.type === 'state') {
      this.state = e.state;
      this.dispatchEvent(new CustomEvent('state', { detail: e.state }));
      return;
    }
    const id = e.id;
    const waiter = id === null ? undefined : this.pending.get(id);
    if (e.type === 'error') {
      const err = new PlayerError(e.name, e.message);
      if (waiter && id !== null) {
        this.pending.delete(id);
        waiter.reject(err);
      } else this.dispatchEvent(new CustomEvent('error', { detail: err }));
      return;
    }
    if (waiter && id !== null) {
      this.pending.delete(id);
      waiter.resolve(e);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.dispatchEvent(new CustomEvent('error', { detail: err }));
  }
}
