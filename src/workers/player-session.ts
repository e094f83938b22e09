import { ImageIO, pixformatName, repair, type ByteStore, type FileImageIO } from '../format/index';
import { MemoryStore } from '../format/byte-store';
import { Scheduler, type Step } from '../player/scheduler';
import { Timeline } from '../player/timeline';
import { BlobStore } from '../storage/blob-store';
import { OpfsStore } from '../storage/opfs-store';
import { decodeFrame } from './decode-frame';
import { versionLabel, type PlayerSource, type PlayerState, type StreamSummary } from './player.protocol';

/** OPFS folder for repaired copies handed to the page; emptied whenever a session starts. */
const SCRATCH = 'player-scratch';

/**
 * One player: a recording, its scheduler and the canvas it draws on. Frames are read through the
 * engine's index (one read each), decoded off the page (engine conversion or platform decoder) and
 * drawn 1:1 on the OffscreenCanvas, which takes each frame's size; the page letterboxes and zooms it.
 */
export class PlayerSession {
  private ctx: OffscreenCanvasRenderingContext2D;
  private stream: FileImageIO | null = null;
  private store: ByteStore | null = null;
  private scheduler: Scheduler | null = null;
  private timeline: Timeline | null = null;
  private swap = false;
  /** In/out points: while set, playback stays within them and loops. */
  private selection: { from: number; to: number } | null = null;
  private frameError: string | null = null;
  private shownIndex = -1;
  /** Bumped by every command that changes what should be on screen: a pump or render in flight yields. */
  private generation = 0;
  private pumping = false;
  private wake: (() => void) | null = null;
  private pendingRender: number | null = null;
  private rendering = false;
  private readonly clock = { now: () => performance.now() };

  constructor(
    private readonly canvas: OffscreenCanvas,
    private readonly onState: (s: PlayerState) => void,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw on an OffscreenCanvas from a worker');
    this.ctx = ctx;
    void clearScratch();
  }

  async open(source: PlayerSource): Promise<StreamSummary> {
    this.close();
    const { store, name } = await openSource(source);
    const stream = ImageIO.open(store, 'r');
    const count = stream.count();
    const elapsed = new Float64Array(count);
    const formats: string[] = [];
    let maxWidth = 0;
    let maxHeight = 0;
    for (let i = 0; i < count; i++) {
      const f = stream.frameInfo(i);
      elapsed[i] = f.elapsedMs;
      const fmt = pixformatName(f.pixformat);
      if (!formats.includes(fmt)) formats.push(fmt);
      maxWidth = Math.max(maxWidth, f.width);
      maxHeight = Math.max(maxHeight, f.height);
    }
    this.stream = stream;
    this.store = store;
    this.timeline = new Timeline(elapsed);
    this.scheduler = new Scheduler(this.timeline, this.clock);
    this.shownIndex = -1;
    if (count > 0) await this.show(0);
    else this.emit();
    return {
      name,
      version: versionLabel(stream.version()),
      count,
      spanMs: this.timeline.spanMs,
      bytes: stream.size(),
      damage: stream.damage(),
      formats,
      maxWidth,
      maxHeight,
      times: this.timeline.times.slice(),
    };
  }

  play(): void {
    if (!this.scheduler || this.scheduler.isPlaying) return;
    this.scheduler.play();
    this.interrupt();
    void this.pump();
  }

  pause(): void {
    this.scheduler?.pause();
    this.interrupt();
    this.emit();
  }

  seek(frame: number): void {
    if (!this.scheduler) return;
    this.scheduler.seek(frame);
    this.interrupt();
    this.requestRender(this.scheduler.index);
    if (this.scheduler.isPlaying) void this.pump();
  }

  seekTime(ms: number): void {
    if (this.timeline) this.seek(this.timeline.frameAt(ms));
  }

  /** Pauses and moves `delta` frames (clamped to the recording). */
  step(delta: number): void {
    if (!this.scheduler) return;
    this.scheduler.pause();
    this.seek(this.scheduler.index + delta);
  }

  setSpeed(value: number): void {
    this.scheduler?.setSpeed(Math.min(16, Math.max(0.0625, value)));
    this.interrupt();
    if (this.scheduler?.isPlaying) void this.pump();
    this.emit();
  }

  setLoop(value: boolean): void {
    if (this.scheduler) this.scheduler.loop = value;
    this.interrupt();
    if (this.scheduler?.isPlaying) void this.pump();
    this.emit();
  }

  setPacing(value: boolean): void {
    if (this.scheduler) this.scheduler.paced = value;
    this.interrupt();
  }

  setSwap(value: boolean): void {
    this.swap = value;
    if (this.scheduler) this.requestRender(this.scheduler.index);
  }

  /** Sets (or clears) the in/out points; playing outside them jumps to the in point. */
  setSelection(range: { from: number; to: number } | null): void {
    const n = this.stream?.count() ?? 0;
    if (range && n > 0) {
      const from = Math.max(0, Math.min(n - 1, Math.trunc(range.from)));
      const to = Math.max(from, Math.min(n - 1, Math.trunc(range.to)));
      this.selection = { from, to };
    } else this.selection = null;
    this.interrupt();
    if (this.scheduler?.isPlaying) void this.pump();
  }

  /** The pixels on screen: exactly the current frame, 1:1. */
  snapshot(): { index: number; width: number; height: number; rgba: ArrayBuffer } {
    const { width, height } = this.canvas;
    const data = this.ctx.getImageData(0, 0, width, height).data;
    return { index: this.shownIndex, width, height, rgba: data.buffer as ArrayBuffer };
  }

  report(clear: boolean) {
    const r = this.scheduler?.report() ?? { shown: [], skipped: 0 };
    if (clear) this.scheduler?.clearReport();
    return r;
  }

  /** Writes every complete frame to a scratch OPFS file and returns it as a File. */
  async repairCopy(): Promise<{ file: File; frames: number; bytes: number }> {
    const source = this.store;
    if (!source) throw new Error('No recording is open');
    const dir = await scratchDir();
    const name = `repaired-${Date.now()}.bin`;
    const target = await OpfsStore.open(dir, name, true);
    try {
      const result = repair(source, target);
      target.close();
      return {
        file: await (await dir.getFileHandle(name)).getFile(),
        frames: result.frames,
        bytes: result.bytes,
      };
    } finally {
      target.close();
    }
  }

  close(): void {
    this.selection = null;
    this.generation++;
    this.interrupt();
    this.stream?.close();
    this.stream = null;
    this.store = null;
    this.scheduler = null;
    this.timeline = null;
  }

  private interrupt(): void {
    this.generation++;
    this.wake?.();
  }

  /** Plays: waits for each step's due time, renders it, repeats; yields to any newer command. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.scheduler?.isPlaying) {
        const gen = this.generation;
        const sel = this.selection;
        const step = this.scheduler.next();
        if (sel && (!step || step.index > sel.to || step.index < sel.from)) {
          // The selection plays in a loop: past the out point (or the end), back to the in point, once
          // the out point's frame has had its time on screen.
          const wait = step && step.index > sel.to ? step.dueAt - this.clock.now() : 0;
          if (wait > 0.5) await this.sleep(wait);
          if (gen !== this.generation) continue;
          this.scheduler.seek(sel.from);
          if (!this.scheduler.isPlaying) this.scheduler.play();
          const dueAt = this.clock.now();
          await this.render(sel.from);
          if (gen !== this.generation) continue;
          this.scheduler.shown({ index: sel.from, dueAt, skipped: 0, wrapped: false }, this.clock.now());
          this.emit();
          continue;
        }
        if (!step) break;
        // Never show a frame early: a timer may fire a few microseconds before performance.now() reaches
        // the due time, so sleep again for whatever is left.
        for (let wait = step.dueAt - this.clock.now(); wait > 0 && gen === this.generation;) {
          await this.sleep(wait);
          wait = step.dueAt - this.clock.now();
        }
        if (gen !== this.generation) continue;
        await this.render(step.index);
        if (gen !== this.generation) continue;
        this.scheduler.shown(step as Step, this.clock.now());
        this.emit();
      }
    } finally {
      this.pumping = false;
      this.emit();
    }
  }

  /** Waits `ms`, or less if a command calls `wake`. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Renders `index` once any render in flight is done; only the latest request survives. */
  private requestRender(index: number): void {
    this.pendingRender = index;
    if (this.rendering) return;
    void (async () => {
      this.rendering = true;
      try {
        while (this.pendingRender !== null) {
          const i = this.pendingRender;
          this.pendingRender = null;
          await this.render(i);
          this.emit();
        }
      } finally {
        this.rendering = false;
      }
    })();
  }

  private async show(index: number): Promise<void> {
    await this.render(index);
    this.emit();
  }

  private async render(index: number): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    const image = stream.frameAt(index);
    this.shownIndex = index;
    try {
      const frame = await decodeFrame(image, { swapRgb565: this.swap });
      if (this.canvas.width !== image.width || this.canvas.height !== image.height) {
        this.canvas.width = image.width;
        this.canvas.height = image.height;
      }
      if (frame instanceof ImageData) this.ctx.putImageData(frame, 0, 0);
      else {
        this.ctx.clearRect(0, 0, image.width, image.height);
        this.ctx.drawImage(frame, 0, 0);
        frame.close();
      }
      this.frameError = null;
    } catch (e) {
      this.frameError = e instanceof Error ? e.message : String(e);
      this.ctx.fillStyle = '#000';
      this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    }
  }

  private emit(): void {
    const s = this.scheduler;
    const stream = this.stream;
    let frame: PlayerState['frame'] = null;
    if (stream && s && this.shownIndex >= 0 && this.shownIndex < stream.count()) {
      const f = stream.frameInfo(this.shownIndex);
      frame = {
        index: this.shownIndex,
        timeMs: this.timeline?.at(this.shownIndex) ?? 0,
        width: f.width,
        height: f.height,
        pixformat: pixformatName(f.pixformat),
        pixformatCode: f.pixformat,
        size: f.payload,
        offset: f.offset,
        elapsed: f.elapsed,
        elapsedMs: f.elapsedMs,
      };
    }
    this.onState({
      playing: s?.isPlaying ?? false,
      speed: s?.speed ?? 1,
      loop: s?.loop ?? false,
      swapRgb565: this.swap,
      skipped: s?.skipped ?? 0,
      frame,
      frameError: this.frameError,
    });
  }
}

async function openSource(source: PlayerSource): Promise<{ store: ByteStore; name: string }> {
  switch (source.kind) {
    case 'file':
      return { store: new BlobStore(source.file), name: source.file.name };
    case 'bytes':
      return { store: new MemoryStore(new Uint8Array(source.bytes)), name: source.name };
    case 'opfs': {
      const root = await navigator.storage.getDirectory();
      const dir = source.dir ? await root.getDirectoryHandle(source.dir) : root;
      return { store: await OpfsStore.open(dir, source.name), name: source.displayName };
    }
  }
}

async function scratchDir(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(SCRATCH, { create: true });
}

/** Removes repaired copies left by earlier sessions (a File handed to a page dies with that page). */
async function clearScratch(): Promise<void> {
  try {
    await (await navigator.storage.getDirectory()).removeEntry(SCRATCH, { recursive: true });
  } catch {
    // Nothing to clear, or another tab's player still reads a copy: leave it.
  }
}
