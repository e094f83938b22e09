/**
 * The stream channel's buffer (protocol.md §2.12): the producer side of `framebuffer_update_preview` (JPEG copied as
 * is, raw preview scaled to fit, else JPEG at the adaptive quality; the 32-byte embedded header) and the hand-off
 * with the host: one buffer, strict alternation (the camera cannot write again until the host locked and unlocked),
 * LOCK spacing, UNLOCK clearing the header, STREAM_CTRL / STREAM_RAW_CTRL / STREAM_RAW_CFG.
 */
import { Image } from '../../format/image';
import { PIXFORMAT } from '../../format/pixformat';
import { encodeJpeg } from '../../format/jpeg/index';
import type { BoardProfile } from './profiles';
import { view } from './board-wire';

const FRAME_HEADER_SIZE = 32;
const MIN_LOCK_INTERVAL_MS = 10;

/** What `offer` did: the frame written (header + data), or skipped; `overflow` when it did not fit the buffer. */
export type StreamOffer = { frame: Uint8Array } | { frame: null; overflow?: 'precompressed' | 'jpeg' };

export class StreamBuffer {
  /** STREAM_CTRL: off after power-up, kept across soft reboots. */
  enabled = false;
  /** STREAM_RAW_CTRL / STREAM_RAW_CFG (board default after every soft reboot). */
  raw = { enabled: false, w: 0, h: 0 };
  /** The bytes in the buffer (header + data), or null (SIZE 0). */
  frame: Uint8Array | null = null;
  /** CHANNEL_SHAPE of the current frame. */
  shape: number[] = [];
  /** Camera-side frame rate (EMA of the intervals between offers), written into each header. */
  fps = 0;
  private hostLocked = false;
  private cameraLastOwner = false;
  /** The frame last reported as newly locked. */
  private lockedFrame: Uint8Array | null = null;
  private lastLockAt = -Infinity;
  private quality: number;
  private lowQualityFrames = 0;
  private lastPreviewAt = -1;

  constructor(private readonly profile: BoardProfile) {
    this.quality = (profile.jpeg.low + profile.jpeg.high) >> 1;
  }

  /**
   * `framebuffer_update_preview` at time `now`: skipped when disabled or when the host has not taken the previous
   * frame (strict alternation).
   */
  offer(img: Image, now: number): StreamOffer {
    if (this.lastPreviewAt >= 0) {
      const dt = now - this.lastPreviewAt;
      if (dt > 0) this.fps = this.fps === 0 ? 1000 / dt : this.fps * 0.9 + (1000 / dt) * 0.1;
    }
    this.lastPreviewAt = now;
    if (!this.enabled || this.hostLocked || this.cameraLastOwner) return { frame: null };
    const cap = this.profile.streamKiB * 1024 - FRAME_HEADER_SIZE;
    let pixformat = img.pixformat;
    let w = img.width;
    let h = img.height;
    let data: Uint8Array;
    let sizeField: number;
    const rawable = img.pixformat === PIXFORMAT.GRAYSCALE || img.pixformat === PIXFORMAT.RGB565;
    if (pixformat === PIXFORMAT.JPEG || pixformat === PIXFORMAT.PNG) {
      if (img.data.length > cap) {
        this.frame = null;
        this.cameraLastOwner = false;
        return { frame: null, overflow: 'precompressed' };
      }
      data = img.data;
      sizeField = data.length;
    } else {
      let rawOut: Image | null = null;
      if (this.raw.enabled && rawable && this.raw.w && this.raw.h) {
        const s = scaleToFit(img, this.raw.w, this.raw.h);
        if (s.data.length <= cap) rawOut = s;
      }
      if (rawOut) {
        w = rawOut.width;
        h = rawOut.height;
        data = rawOut.data;
        sizeField = rawOut.pixformat & 0xff;
      } else {
        const q = this.lowQualityFrames > 0 ? Math.max(1, this.quality) : this.quality;
        data = encodeJpeg(img, { quality: q });
        pixformat = PIXFORMAT.JPEG;
        if (data.length > cap) {
          this.quality = Math.max(1, this.quality >> 1);
          this.lowQualityFrames = 60;
          this.frame = null;
          this.cameraLastOwner = false;
          return { frame: null, overflow: 'jpeg' };
        }
        if (this.lowQualityFrames > 0) this.lowQualityFrames--;
        else {
          const top =
            img.data.length > this.profile.jpeg.threshold ? this.profile.jpeg.low : this.profile.jpeg.high;
          if (this.quality < top) this.quality++;
        }
        sizeField = data.length;
      }
    }
    const f = new Uint8Array(FRAME_HEADER_SIZE + data.length);
    const dv = view(f);
    dv.setUint32(0, w, true);
    dv.setUint32(4, h, true);
    dv.setUint32(8, pixformat >>> 0, true);
    dv.setUint32(12, sizeField, true);
    dv.setUint32(16, FRAME_HEADER_SIZE, true);
    dv.setFloat32(20, this.fps, true);
    f.set(data, FRAME_HEADER_SIZE);
    this.frame = f;
    this.shape =
      pixformat === PIXFORMAT.JPEG || pixformat === PIXFORMAT.PNG ? [data.length] : [w, h, sizeField];
    this.cameraLastOwner = true;
    return { frame: f };
  }

  /** CHANNEL_LOCK: null = BUSY (locked already, no frame, or < 10 ms since the last lock); `fresh` = a new frame. */
  lock(now: number): { fresh: boolean } | null {
    if (this.hostLocked || !this.frame || now - this.lastLockAt < MIN_LOCK_INTERVAL_MS) return null;
    this.hostLocked = true;
    this.cameraLastOwner = false;
    this.lastLockAt = now;
    const fresh = this.lockedFrame !== this.frame;
    this.lockedFrame = this.frame;
    return { fresh };
  }

  /** CHANNEL_UNLOCK: false = BUSY (not locked by the host). Unlock zeroes the header: SIZE 0 until the next frame. */
  unlock(): boolean {
    if (!this.hostLocked) return false;
    this.hostLocked = false;
    this.frame = null;
    return true;
  }

  /** Stream ioctls 0–2 (arguments already validated). */
  control(code: number, arg: (i: number) => number): void {
    if (code === 0) {
      this.enabled = arg(0) !== 0;
      this.hostLocked = false;
      this.cameraLastOwner = false;
      this.frame = null;
    } else if (code === 1) this.raw.enabled = arg(0) !== 0;
    else if (code === 2) {
      this.raw.w = arg(0);
      this.raw.h = arg(1);
    }
  }

  /** A protocol reset releases the host's lock. */
  releaseHostLock(): void {
    this.hostLocked = false;
  }

  /** Soft reboot: raw preview back to the board default, mutex reset; enable and contents kept. */
  reboot(): void {
    this.raw = { ...this.profile.rawDefault };
    this.hostLocked = false;
    this.cameraLastOwner = false;
  }
}

/** Scales a raw image down (nearest neighbour; the firmware uses bilinear) to fit w×h, keeping the aspect. */
function scaleToFit(img: Image, maxW: number, maxH: number): Image {
  if (img.width <= maxW && img.height <= maxH) return img;
  const s = Math.min(maxW / img.width, maxH / img.height);
  const w = Math.max(1, Math.floor(img.width * s));
  const h = Math.max(1, Math.floor(img.height * s));
  const bpp = img.pixformat & 0xff;
  const out = new Uint8Array(w * h * bpp);
  for (let y = 0; y < h; y++) {
    const sy = Math.floor((y * img.height) / h);
    for (let x = 0; x < w; x++) {
      const sx = Math.floor((x * img.width) / w);
      for (let k = 0; k < bpp; k++) out[(y * w + x) * bpp + k] = img.data[(sy * img.width + sx) * bpp + k]!;
    }
  }
  return new Image(w, h, img.pixformat, out);
}
