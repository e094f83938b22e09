/**
 * The GIF encode worker: turns one frame's RGBA into a finished GIF image block (palette, mapping,
 * optional dither, LZW), so a pool of these encodes a clip's frames in parallel. Pure work: the same
 * `encodeFrameJob` runs in-process in Node.
 */
import { encodeFrameJob } from '../format/gif/index';
import type { GifEncodeReply, GifEncodeRequest } from './gif-encode.protocol';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (event: MessageEvent<GifEncodeRequest>) => {
  const msg = event.data;
  if (msg.type !== 'encode') return;
  try {
    const block = encodeFrameJob({
      rgba: { width: msg.width, height: msg.height, data: new Uint8ClampedArray(msg.rgba) },
      palette: msg.palette,
      paletteKind: msg.paletteKind,
      paletteId: msg.paletteId ?? undefined,
      dither: msg.dither,
    });
    self.postMessage({ type: 'encoded', id: msg.id, block } satisfies GifEncodeReply, [block.buffer]);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    self.postMessage({
      type: 'error',
      id: msg.id,
      name: err.name,
      message: err.message,
    } satisfies GifEncodeReply);
  }
};
