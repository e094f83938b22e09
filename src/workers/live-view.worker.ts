import { Image } from '../format/image';
import { FrameRing, RingReader } from '../ring';
import { decodeFrame } from './decode-frame';
import type { LiveFrame, LiveViewCommand, LiveViewEvent } from './live-view.protocol';

declare const self: DedicatedWorkerGlobalScope;

/**
 * The live-view worker: owns the OffscreenCanvas and draws the newest camera frame 1:1 (the page
 * letterboxes it). While a frame decodes, later arrivals wait in a one-slot mailbox; a newer one
 * replaces an older one, which is counted as skipped. The page never decodes a pixel.
 */
let canvas: OffscreenCanvas | null = null;
let ctx: OffscreenCanvasRenderingContext2D | null = null;
let waiting: LiveFrame | null = null;
let busy = false;
let drawn = 0;
let skipped = 0;

const post = (event: LiveViewEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer);

self.onmessage = (event: MessageEvent<LiveViewCommand>) => {
  const cmd = event.data;
  try {
    switch (cmd.type) {
      case 'init':
        canvas = cmd.canvas;
        ctx = canvas.getContext('2d');
        if (!ctx) throw new Error('This browser cannot draw on an OffscreenCanvas from a worker');
        break;
      case 'frame':
        if (waiting) skipped++;
        waiting = cmd.frame;
        if (!busy) void drawLoop();
        break;
      case 'ring':
        followRing(cmd.buffer, cmd.readerId);
        break;
      case 'clear':
        waiting = null;
        if (canvas && ctx) ctx.clearRect(0, 0, canvas.width, canvas.height);
        break;
      case 'snapshot': {
        const width = canvas?.width ?? 0;
        const height = canvas?.height ?? 0;
        const rgba =
          ctx && width > 0 && height > 0
            ? (ctx.getImageData(0, 0, width, height).data.buffer as ArrayBuffer)
            : new ArrayBuffer(0);
        post({ type: 'snapshot', id: cmd.id, width, height, rgba }, [rgba]);
        break;
      }
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', name: err.name, message: err.message });
  }
};

/** The ring being followed; a new one (or null) ends the loop on the old one. */
let ringReader: RingReader | null = null;

function followRing(buffer: SharedArrayBuffer | null, readerId: number): void {
  ringReader?.detach();
  ringReader = null;
  if (!buffer) return;
  const ring = FrameRing.attach(buffer);
  const reader = new RingReader(ring, readerId, 'latest');
  reader.attach('next');
  ringReader = reader;
  void ringLoop(ring, reader);
}

/** Draws the newest frame of the ring whenever the worker is free; frames written meanwhile are skipped. */
async function ringLoop(ring: FrameRing, reader: RingReader): Promise<void> {
  const skippedBefore = skipped;
  while (ringReader === reader) {
    const f = reader.read();
    if (!f) {
      if (ring.isClosed()) return;
      await reader.wait(1000);
      continue;
    }
    const own = f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength;
    const frame: LiveFrame = { ...f, data: (own ? f.data.buffer : f.data.slice().buffer) as ArrayBuffer };
    const error = await draw(frame);
    skipped = skippedBefore + reader.skipped;
    post({
      type: 'drawn',
      seq: f.seq,
      width: f.width,
      height: f.height,
      pixformat: f.pixformat,
      drawn,
      skipped,
      error,
    });
  }
}

async function drawLoop(): Promise<void> {
  busy = true;
  try {
    while (waiting) {
      const frame = waiting;
      waiting = null;
      const error = await draw(frame);
      post({
        type: 'drawn',
        seq: frame.seq,
        width: frame.width,
        height: frame.height,
        pixformat: frame.pixformat,
        drawn,
        skipped,
        error,
      });
    }
  } finally {
    busy = false;
  }
}

async function draw(frame: LiveFrame): Promise<string | null> {
  if (!canvas || !ctx) return 'The live view has no canvas yet';
  try {
    const image = new Image(
      frame.width,
      frame.height,
      frame.pixformat,
      new Uint8Array(frame.data),
      frame.size,
    );
    const decoded = await decodeFrame(image);
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    if (decoded instanceof ImageData) ctx.putImageData(decoded, 0, 0);
    else {
      ctx.clearRect(0, 0, frame.width, frame.height);
      ctx.drawImage(decoded, 0, 0);
      decoded.close();
    }
    drawn++;
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
