import type { LiveFrame, LiveViewCommand, LiveViewEvent } from '../workers/live-view.protocol';

/** What the page knows about the live view after each drawn frame. */
export interface LiveViewState {
  width: number;
  height: number;
  pixformat: number;
  /** Frames on screen so far. */
  drawn: number;
  /** Frames never drawn because a newer one arrived while the worker was busy (page + worker). */
  stale: number;
  /** Why the last frame could not be drawn, or null. */
  error: string | null;
}

/** A frame as the camera session hands it over (a view; copied before it leaves the page). */
export interface FrameLike {
  seq: number;
  width: number;
  height: number;
  pixformat: number;
  size: number;
  data: Uint8Array;
}

/**
 * The page's handle on the live-view worker. At most one frame is in flight: while the worker draws,
 * the newest frame waits here and any it replaces is counted as stale, so a slow decoder always shows
 * the latest picture and the message queue never grows. Events: 'state' (CustomEvent<LiveViewState>).
 */
export class LiveViewClient extends EventTarget {
  private readonly worker: Worker;
  private inFlight = false;
  private next: FrameLike | null = null;
  private pageStale = 0;
  private ringMode = false;
  private nextId = 1;
  private readonly snapshots = new Map<
    number,
    (s: { width: number; height: number; rgba: Uint8ClampedArray }) => void
  >();
  state: LiveViewState = { width: 0, height: 0, pixformat: 0, drawn: 0, stale: 0, error: null };

  constructor(canvas: HTMLCanvasElement) {
    super();
    this.worker = new Worker(new URL('../workers/live-view.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<LiveViewEvent>) => this.receive(e.data);
    this.worker.onerror = (e) => this.fail(e.message || 'The live view stopped');
    const offscreen = canvas.transferControlToOffscreen();
    this.send({ type: 'init', canvas: offscreen }, [offscreen]);
  }

  /**
   * Lets the worker read frames from the frame ring itself (null: back to {@link show}). While it does,
   * `show()` does nothing: frames no longer travel through the page.
   */
  useRing(buffer: SharedArrayBuffer | null, readerId: number): void {
    this.ringMode = buffer !== null;
    this.next = null;
    this.send({ type: 'ring', buffer, readerId });
  }

  /** Shows `frame` as soon as the worker is free; a frame still waiting is replaced (and counted). */
  show(frame: FrameLike): void {
    if (this.ringMode) return;
    if (!this.inFlight) return this.post(frame);
    if (this.next) this.pageStale++;
    this.next = frame;
  }

  /** Blanks the canvas and forgets a waiting frame. */
  clear(): void {
    this.next = null;
    this.send({ type: 'clear' });
  }

  /** The pixels on the canvas (tests and diagnostics). */
  snapshot(): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.snapshots.set(id, resolve);
      this.send({ type: 'snapshot', id });
    });
  }

  dispose(): void {
    this.worker.terminate();
  }

  private post(frame: FrameLike): void {
    // Copy: the session may reuse its buffer, and the copy's buffer can be transferred without cost.
    const data = frame.data.slice().buffer as ArrayBuffer;
    const live: LiveFrame = {
      seq: frame.seq,
      width: frame.width,
      height: frame.height,
      pixformat: frame.pixformat,
      size: frame.size,
      data,
    };
    this.inFlight = true;
    this.send({ type: 'frame', frame: live }, [data]);
  }

  private send(cmd: LiveViewCommand, transfer: Transferable[] = []): void {
    this.worker.postMessage(cmd, transfer);
  }

  private receive(e: LiveViewEvent): void {
    if (e.type === 'snapshot') {
      this.snapshots.get(e.id)?.({ width: e.width, height: e.height, rgba: new Uint8ClampedArray(e.rgba) });
      this.snapshots.delete(e.id);
      return;
    }
    if (e.type === 'error') return this.fail(`${e.name}: ${e.message}`);
    this.inFlight = false;
    this.state = {
      width: e.width,
      height: e.height,
      pixformat: e.pixformat,
      drawn: e.drawn,
      stale: e.skipped + this.pageStale,
      error: e.error,
    };
    this.dispatchEvent(new CustomEvent('state', { detail: this.state }));
    const waiting = this.next;
    this.next = null;
    if (waiting) this.post(waiting);
  }

  private fail(message: string): void {
    this.inFlight = false;
    this.state = { ...this.state, error: message };
    this.dispatchEvent(new CustomEvent('state', { detail: this.state }));
  }
}
