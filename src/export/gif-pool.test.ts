import { describe, expect, it } from 'vitest';
import {
  concatChunks,
  encodeFrameJob,
  encodeGif,
  type FrameJob,
  type GifInputFrame,
} from '../format/gif/index';
import type { RgbaImage } from '../format/raster';
import { rng } from '../format/test/helpers';
import type { GifEncodeReply, GifEncodeRequest } from '../workers/gif-encode.protocol';
import { defaultPoolSize, encodeInPool, gifPoolEncoder, type GifWorkerLike } from './gif-pool';

function image(w: number, h: number, seed: number): RgbaImage {
  const next = rng(seed);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const c = Math.floor(next() * 40);
    data.set([c * 6, 255 - c * 5, (c * 37) & 255, 255], i * 4);
  }
  return { width: w, height: h, data };
}

/** A stand-in for the GIF worker: runs the same pure function after a random delay, out of order. */
class FakeWorker implements GifWorkerLike {
  static live = 0;
  static made = 0;
  static maxBusy = 0;
  static busy = 0;
  onmessage: ((event: MessageEvent<GifEncodeReply>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  received: GifEncodeRequest[] = [];
  transfers: Transferable[][] = [];

  constructor(
    private readonly next: () => number,
    private readonly behaviour: 'ok' | 'error-reply' | 'crash' = 'ok',
  ) {
    FakeWorker.live++;
    FakeWorker.made++;
  }

  static reset(): void {
    FakeWorker.live = 0;
    FakeWorker.made = 0;
    FakeWorker.maxBusy = 0;
    FakeWorker.busy = 0;
  }

  postMessage(msg: GifEncodeRequest, transfer: Transferable[]): void {
    expect(this.terminated).toBe(false);
    this.received.push(msg);
    this.transfers.push(transfer);
    FakeWorker.busy++;
    FakeWorker.maxBusy = Math.max(FakeWorker.maxBusy, FakeWorker.busy);
    setTimeout(
      () => {
        FakeWorker.busy--;
        if (this.terminated) return;
        if (this.behaviour === 'crash' && msg.id === 3) {
          this.onerror?.({ message: 'boom' } as ErrorEvent);
          return;
        }
        let reply: GifEncodeReply;
        if (this.behaviour === 'error-reply' && msg.id === 2) {
          reply = { type: 'error', id: msg.id, name: 'ValueError', message: 'bad frame' };
        } else {
          const block = encodeFrameJob({
            rgba: { width: msg.width, height: msg.height, data: new Uint8ClampedArray(msg.rgba) },
            palette: msg.palette,
            paletteKind: msg.paletteKind,
            paletteId: msg.paletteId ?? undefined,
            dither: msg.dither,
          });
          reply = { type: 'encoded', id: msg.id, block };
        }
        this.onmessage?.({ data: reply } as MessageEvent<GifEncodeReply>);
      },
      Math.floor(this.next() * 8),
    );
  }

  terminate(): void {
    if (!this.terminated) FakeWorker.live--;
    this.terminated = true;
  }
}

function jobsOf(images: RgbaImage[], owned = false): FrameJob[] {
  return images.map((rgba) => ({ rgba, palette: null, owned }));
}

describe('encodeInPool', () => {
  it('yields blocks in job order although workers finish out of order, then terminates them', async () => {
    FakeWorker.reset();
    const next = rng(1);
    const images = Array.from({ length: 25 }, (_, i) => image(12, 9, i + 1));
    const workers: FakeWorker[] = [];
    const progress: number[] = [];
    const blocks: Uint8Array[] = [];
    for await (const b of encodeInPool(jobsOf(images), {
      size: 3,
      createWorker: () => {
        const w = new FakeWorker(next);
        workers.push(w);
        return w;
      },
      onProgress: (p) => progress.push(p.encoded),
    })) {
      blocks.push(b);
    }
    expect(blocks).toEqual(images.map((rgba) => encodeFrameJob({ rgba, palette: null })));
    expect(progress).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(FakeWorker.made).toBe(3);
    expect(FakeWorker.maxBusy).toBeLessThanOrEqual(3);
    expect(FakeWorker.live).toBe(0);
    // Every worker got work (the pool spreads jobs), each in increasing id order.
    for (const w of workers) {
      expect(w.received.length).toBeGreaterThan(0);
      const ids = w.received.map((m) => m.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('copies pixels it does not own and transfers those it does', async () => {
    FakeWorker.reset();
    const next = rng(2);
    const images = [image(4, 4, 1), image(4, 4, 2)];
    const made: FakeWorker[] = [];
    const create = () => {
      const w = new FakeWorker(next);
      made.push(w);
      return w;
    };
    for await (const _ of encodeInPool(jobsOf(images, false), { size: 1, createWorker: create }));
    for await (const _ of encodeInPool(jobsOf(images, true), { size: 1, createWorker: create }));
    const [copied, transferred] = made as [FakeWorker, FakeWorker];
    expect(copied.received[0]!.rgba).not.toBe(images[0]!.data.buffer);
    expect(transferred.received[0]!.rgba).toBe(images[0]!.data.buffer);
    expect(transferred.transfers[0]).toEqual([images[0]!.data.buffer]);
  });

  it('keeps at most maxInFlight jobs pulled and not yet handed out', async () => {
    FakeWorker.reset();
    const next = rng(3);
    let pulled = 0;
    let yielded = 0;
    let worst = 0;
    function* source(): Generator<FrameJob> {
      for (let i = 0; i < 40; i++) {
        pulled++;
        worst = Math.max(worst, pulled - yielded);
        yield { rgba: image(8, 8, i + 1), palette: null };
      }
    }
    for await (const _ of encodeInPool(source(), {
      size: 2,
      maxInFlight: 5,
      createWorker: () => new FakeWorker(next),
    })) {
      yielded++;
      await new Promise((r) => setTimeout(r, 2)); // a slow consumer
    }
    expect(yielded).toBe(40);
    expect(worst).toBeLessThanOrEqual(5 + 1); // the job being pulled counts before it is queued
  });

  it('stops on abort: terminates the workers and throws the signal reason', async () => {
    FakeWorker.reset();
    const next = rng(4);
    const controller = new AbortController();
    const images = Array.from({ length: 30 }, (_, i) => image(8, 8, i + 1));
    const got: Uint8Array[] = [];
    const run = (async () => {
      for await (const b of encodeInPool(jobsOf(images), {
        size: 2,
        signal: controller.signal,
        createWorker: () => new FakeWorker(next),
      })) {
        got.push(b);
        if (got.length === 4) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(got).toHaveLength(4);
    expect(FakeWorker.live).toBe(0);
  });

  it('rejects with a worker-reported error and with a crashed worker, terminating the pool', async () => {
    for (const [behaviour, want] of [
      ['error-reply', { name: 'ValueError', message: 'bad frame' }],
      ['crash', { message: 'GIF worker failed: boom' }],
    ] as const) {
      FakeWorker.reset();
      const next = rng(5);
      const images = Array.from({ length: 10 }, (_, i) => image(8, 8, i + 1));
      const run = (async () => {
        for await (const _ of encodeInPool(jobsOf(images), {
          size: 2,
          createWorker: () => new FakeWorker(next, behaviour),
        }));
      })();
      await expect(run).rejects.toMatchObject(want);
      expect(FakeWorker.live).toBe(0);
    }
  });

  it('cleans up when the consumer stops early', async () => {
    FakeWorker.reset();
    const next = rng(6);
    let closed = false;
    function* source(): Generator<FrameJob> {
      try {
        for (let i = 0; i < 100; i++) yield { rgba: image(8, 8, i + 1), palette: null };
      } finally {
        closed = true;
      }
    }
    for await (const _ of encodeInPool(source(), { size: 2, createWorker: () => new FakeWorker(next) }))
      break;
    expect(FakeWorker.live).toBe(0);
    expect(closed).toBe(true);
  });

  it('defaultPoolSize is between 1 and 4', () => {
    const n = defaultPoolSize();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(4);
  });
});

describe('encodeGif with the pool', () => {
  it('produces the same bytes as the in-process encoder (global and per-frame palettes)', async () => {
    const frames: GifInputFrame[] = Array.from({ length: 12 }, (_, i) => ({
      rgba: image(20, 15, i + 10),
      durationMs: 1000 / 30,
    }));
    for (const palette of ['global', 'per-frame'] as const) {
      FakeWorker.reset();
      const next = rng(7);
      const inProcess: Uint8Array[] = [];
      await encodeGif(frames, { palette }, inProcess);
      const pooled: Uint8Array[] = [];
      const summary = await encodeGif(
        frames,
        { palette, encoder: gifPoolEncoder({ size: 3, createWorker: () => new FakeWorker(next) }) },
        pooled,
      );
      expect(concatChunks(pooled)).toEqual(concatChunks(inProcess));
      expect(summary.frames).toBe(12);
      expect(FakeWorker.live).toBe(0);
    }
  });
});
