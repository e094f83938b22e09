import type { ByteStore } from '../byte-store';
import { writeU16, writeU32 } from '../bytes';
import { MESSAGES, OSError, ValueError } from '../errors';
import { jpegSize } from './jpeg-size';
import { AVIF, AVIIF_KEYFRAME, AVI_INDEX, FCC, padded, writeU64 } from './riff';
import { aviTiming } from './timing';

export interface MjpegAviWriterOptions {
  /** Frame width in pixels; every frame must be a JPEG of exactly this size. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Nominal frame rate, used only when the frames carry no timing (no frames, or every duration 0). Default 30. */
  fps?: number;
  /**
   * Size at which a RIFF segment is closed and an OpenDML `RIFF AVIX` segment begun. Default 1 GiB
   * (ffmpeg uses 1000 MiB); tests make it tiny to get many segments. At least one frame goes in each.
   */
  riffLimitBytes?: number;
}

/**
 * Where the writer puts things (byte offsets in the file). The first 212 bytes have the same layout as
 * the camera's mjpeg header (formats.md B §8.3); the OpenDML super index follows the stream format.
 */
export const AVI_LAYOUT = {
  /** AVIMAINHEADER data (after 'avih' and its size). */
  avih: 32,
  /** AVISTREAMHEADER data. */
  strh: 108,
  /** BITMAPINFOHEADER data. */
  strf: 172,
  /** 'indx' chunk header: the AVISUPERINDEX, 24 bytes then 16-byte entries. */
  indx: 212,
  /** First super index entry (qwOffset, dwSize, dwDuration). */
  superIndexEntries: 244,
  /** Super index entries reserved: 256 segments of ~1 GiB, so 256 GiB of frames. */
  superIndexCapacity: 256,
  /** 'LIST' 'odml' holding 'dmlh' (dwTotalFrames at 4360). */
  odml: 4340,
  /** 'JUNK' padding, so the frames start at a round offset and the header can grow in place. */
  junk: 4608,
  /** 'LIST' 'movi' of the first RIFF; its 'movi' code is at 8188 (idx1 offsets count from there). */
  movi: 8180,
  /** First '00dc' chunk. */
  firstChunk: 8192,
} as const;

const L = AVI_LAYOUT;
const DEFAULT_RIFF_LIMIT = 1 << 30;
const MAX_RIFF_LIMIT = 0x80000000;
/** AVISTDINDEX dwSize keeps bit 31 for "not a key frame". */
const MAX_FRAME_BYTES = 0x7fff0000;
const STAGING_BYTES = 1 << 20;
const INDX_BYTES = 24 + 16 * L.superIndexCapacity;
/** Frames written per index slab, so writing idx1/ix00 never needs one buffer for the whole clip. */
const SLAB = 1 << 16;

interface Segment {
  /** Offset of the segment's 'RIFF'. */
  riff: number;
  /** Offset of its 'movi' code: the base of idx1 (first RIFF) and of ix00 entries. */
  movi: number;
  /** Index of its first frame. */
  first: number;
}

interface ClosedSegment {
  ixOffset: number;
  ixSize: number;
  frames: number;
}

/**
 * A streaming MJPEG AVI writer: JPEG frames are copied byte for byte into `00dc` chunks as they come;
 * only a compact index (12 bytes a frame) stays in memory, so clips larger than memory export whole.
 *
 * Layout (OpenDML 1.02, as ffmpeg writes it): `RIFF 'AVI ' { LIST hdrl { avih, LIST strl { strh vids
 * MJPG, strf BITMAPINFOHEADER, indx }, LIST odml { dmlh } }, JUNK, LIST movi { 00dc..., ix00 }, idx1 }`,
 * then, each time a segment reaches `riffLimitBytes`, `RIFF 'AVIX' { LIST movi { 00dc..., ix00 } }`.
 * idx1 indexes the first RIFF (for players that know only AVI 1.0); the super index lists every ix00.
 *
 * Timing: an AVI video stream has one constant rate, so the writer picks dwRate/dwScale = frames /
 * total seconds (the sum of the durations given), exactly when the fraction fits in 31 bits and within
 * a fraction of a microsecond otherwise. The clip therefore lasts as long as the recording; irregular
 * intervals between frames cannot be kept (plain AVI has no per-frame times), and frames are never
 * duplicated to fake them.
 *
 * Sizes are written as zeros and patched: segment sizes when a segment closes, the header at `close()`.
 * A writer that is never closed leaves a file the reader recovers by scanning (like the camera's).
 */
export class MjpegAviWriter {
  private readonly store: ByteStore;
  private readonly width: number;
  private readonly height: number;
  private readonly fps: number;
  private readonly riffLimit: number;
  private offsets = new Float64Array(1024);
  private sizes = new Uint32Array(1024);
  private n = 0;
  private totalUs = 0;
  private maxFrame = 0;
  private seg: Segment;
  private readonly done: ClosedSegment[] = [];
  private firstRiff = { size: 0, movi: 0, frames: 0 };
  private readonly staging = new Uint8Array(STAGING_BYTES);
  private staged = 0;
  /** Logical end of the file, staged bytes included. */
  private pos: number;
  private closed = false;

  constructor(store: ByteStore, opts: MjpegAviWriterOptions) {
    const { width, height } = opts;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
      throw new ValueError(`Invalid AVI size ${width}x${height}`);
    if (width > 0xffff || height > 0xffff)
      throw new ValueError(`Invalid AVI size ${width}x${height}: JPEG allows at most 65535`);
    const fps = opts.fps ?? 30;
    if (!(Number.isFinite(fps) && fps > 0)) throw new ValueError(`Invalid frame rate ${fps}`);
    const limit = opts.riffLimitBytes ?? DEFAULT_RIFF_LIMIT;
    if (!(Number.isInteger(limit) && limit > 0 && limit <= MAX_RIFF_LIMIT))
      throw new ValueError(`Invalid RIFF limit ${limit}: expected 1 to ${MAX_RIFF_LIMIT} bytes`);
    this.store = store;
    this.width = width;
    this.height = height;
    this.fps = fps;
    this.riffLimit = limit;
    store.truncate(0);
    this.pos = 0;
    this.append(this.header());
    this.flushStaging(); // a file abandoned before close() still starts as an AVI the reader recovers
    this.seg = { riff: 0, movi: L.movi + 8, first: 0 };
  }

  /** Frames added so far. */
  count(): number {
    return this.n;
  }

  /**
   * Appends one frame: `jpeg` must be a JPEG of exactly width x height (its SOF is checked; a mismatch is
   * a ValueError and nothing is written). `durationMs` is how long the frame stays on screen, i.e. the
   * time until the next frame; only the sum matters (see the class note on timing).
   */
  addFrame(jpeg: Uint8Array, durationMs: number): void {
    if (this.closed) throw new OSError(MESSAGES.closed);
    if (!(Number.isFinite(durationMs) && durationMs >= 0))
      throw new ValueError(`Frame ${this.n}: invalid duration ${durationMs} ms`);
    let size;
    try {
      size = jpegSize(jpeg);
    } catch (e) {
      throw new ValueError(`Frame ${this.n}: ${(e as Error).message}`);
    }
    if (size.width !== this.width || size.height !== this.height)
      throw new ValueError(
        `Frame ${this.n}: the JPEG is ${size.width}x${size.height}, the AVI is ${this.width}x${this.height}`,
      );
    if (jpeg.length > MAX_FRAME_BYTES)
      throw new ValueError(`Frame ${this.n}: ${jpeg.length} bytes is too large`);

    const chunk = 8 + padded(jpeg.length);
    const inSegment = this.n - this.seg.first;
    const projected = this.pos + chunk - this.seg.riff + this.indexBytes(inSegment + 1);
    if (inSegment > 0 && projected > this.riffLimit) this.nextSegment();

    if (this.n === this.offsets.length) this.grow();
    this.offsets[this.n] = this.pos + 8;
    this.sizes[this.n] = jpeg.length;
    this.n += 1;
    this.totalUs += durationMs * 1000;
    this.maxFrame = Math.max(this.maxFrame, jpeg.length);

    const head = new Uint8Array(8);
    writeU32(head, 0, FCC['00dc']);
    writeU32(head, 4, jpeg.length);
    this.append(head);
    this.append(jpeg);
    if (jpeg.length & 1) this.append(new Uint8Array(1));
  }

  /**
   * Writes the last segment's indexes, patches every size and the header (frame counts, rate, the
   * super index), flushes and closes the store. A second call does nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closeSegment();
    this.flushStaging();
    this.store.write(0, this.header());
    this.store.flush();
    this.store.close();
    this.closed = true;
  }

  /** ix00 (and, in the first RIFF, idx1) bytes for a segment of `frames` frames. */
  private indexBytes(frames: number): number {
    return 32 + 8 * frames + (this.done.length === 0 ? 8 + 16 * frames : 0);
  }

  private nextSegment(): void {
    if (this.done.length + 1 >= L.superIndexCapacity)
      throw new OSError(
        `AVI too large: more than ${L.superIndexCapacity} RIFF segments of ${this.riffLimit} bytes`,
      );
    this.closeSegment();
    const riff = this.pos;
    const head = new Uint8Array(24);
    writeU32(head, 0, FCC.RIFF);
    writeU32(head, 8, FCC.AVIX);
    writeU32(head, 12, FCC.LIST);
    writeU32(head, 20, FCC.movi);
    this.append(head);
    this.seg = { riff, movi: riff + 20, first: this.n };
  }

  /** Ends the current segment: ix00 inside its movi list, idx1 after it in the first RIFF, sizes patched. */
  private closeSegment(): void {
    const { riff, movi, first } = this.seg;
    const frames = this.n - first;
    if (frames > 0) {
      const ixOffset = this.pos;
      this.writeStdIndex(first, frames, movi);
      this.done.push({ ixOffset, ixSize: this.pos - ixOffset, frames });
    }
    const moviSize = this.pos - movi;
    if (riff === 0) this.writeIdx1(frames, movi);
    const riffSize = this.pos - riff - 8;
    if (riff === 0) this.firstRiff = { size: riffSize, movi: moviSize, frames };
    this.flushStaging();
    const patch = new Uint8Array(4);
    writeU32(patch, 0, moviSize);
    this.store.write(movi - 4, patch);
    writeU32(patch, 0, riffSize);
    this.store.write(riff + 4, patch);
  }

  /** AVISTDINDEX 'ix00': entries point at chunk data, relative to the segment's 'movi' code. */
  private writeStdIndex(first: number, frames: number, base: number): void {
    const head = new Uint8Array(32);
    writeU32(head, 0, FCC.ix00);
    writeU32(head, 4, 24 + 8 * frames);
    writeU16(head, 8, 2); // wLongsPerEntry
    head[10] = 0; // bIndexSubType
    head[11] = AVI_INDEX.OF_CHUNKS;
    writeU32(head, 12, frames);
    writeU32(head, 16, FCC['00dc']);
    writeU64(head, 20, base);
    this.append(head);
    this.appendRows(first, frames, 8, (row, at, i) => {
      writeU32(row, at, (this.offsets[i] as number) - base);
      writeU32(row, at + 4, this.sizes[i] as number); // bit 31 clear: key frame
    });
  }

  /** AVIOLDINDEX 'idx1' of the first RIFF: chunk header offsets relative to its 'movi' code. */
  private writeIdx1(frames: number, movi: number): void {
    const head = new Uint8Array(8);
    writeU32(head, 0, FCC.idx1);
    writeU32(head, 4, 16 * frames);
    this.append(head);
    this.appendRows(0, frames, 16, (row, at, i) => {
      writeU32(row, at, FCC['00dc']);
      writeU32(row, at + 4, AVIIF_KEYFRAME);
      writeU32(row, at + 8, (this.offsets[i] as number) - 8 - movi);
      writeU32(row, at + 12, this.sizes[i] as number);
    });
  }

  /** Appends one index row per frame first..first+frames-1, a slab at a time (never the whole index at once). */
  private appendRows(
    first: number,
    frames: number,
    rowBytes: number,
    fill: (slab: Uint8Array, at: number, frame: number) => void,
  ): void {
    for (let s = 0; s < frames; s += SLAB) {
      const k = Math.min(SLAB, frames - s);
      const slab = new Uint8Array(rowBytes * k);
      for (let j = 0; j < k; j++) fill(slab, rowBytes * j, first + s + j);
      this.append(slab);
    }
  }

  /** The first 8192 bytes: placeholders while writing, the final values once closed. */
  private header(): Uint8Array {
    const b = new Uint8Array(L.firstChunk);
    const u32 = (at: number, v: number): void => writeU32(b, at, Math.min(0xffffffff, Math.max(0, v)));
    const final = this.firstRiff.size > 0; // the first RIFF is closed: idx1 exists
    const timing = aviTiming(this.n, Math.round(this.totalUs), this.fps);
    const fps = timing.rate / timing.scale;
    const bufferSize = this.maxFrame > 0 ? padded(this.maxFrame) + 8 : 0;

    u32(0, FCC.RIFF);
    u32(4, this.firstRiff.size);
    u32(8, FCC.AVI);
    u32(12, FCC.LIST);
    u32(16, L.junk - 20);
    u32(20, FCC.hdrl);
    u32(24, FCC.avih);
    u32(28, 56);
    u32(L.avih, timing.usPerFrame);
    u32(L.avih + 4, Math.ceil(bufferSize * fps)); // dwMaxBytesPerSec
    u32(L.avih + 12, final ? AVIF.HASINDEX | AVIF.ISINTERLEAVED | AVIF.TRUSTCKTYPE : 0);
    u32(L.avih + 16, this.firstRiff.frames); // dwTotalFrames: the first RIFF's frames (OpenDML)
    u32(L.avih + 24, 1); // dwStreams
    u32(L.avih + 28, bufferSize);
    u32(L.avih + 32, this.width);
    u32(L.avih + 36, this.height);

    u32(88, FCC.LIST);
    u32(92, L.odml - 96);
    u32(96, FCC.strl);
    u32(100, FCC.strh);
    u32(104, 56);
    u32(L.strh, FCC.vids);
    u32(L.strh + 4, FCC.MJPG);
    u32(L.strh + 20, timing.scale);
    u32(L.strh + 24, timing.rate);
    u32(L.strh + 32, this.n); // dwLength: every frame
    u32(L.strh + 36, bufferSize);
    u32(L.strh + 40, 0xffffffff); // dwQuality: default
    writeU16(b, L.strh + 52, this.width); // rcFrame right
    writeU16(b, L.strh + 54, this.height); // rcFrame bottom

    u32(164, FCC.strf);
    u32(168, 40);
    u32(L.strf, 40);
    u32(L.strf + 4, this.width);
    u32(L.strf + 8, this.height);
    writeU16(b, L.strf + 12, 1); // biPlanes
    writeU16(b, L.strf + 14, 24); // biBitCount
    u32(L.strf + 16, FCC.MJPG);
    u32(L.strf + 20, this.width * this.height * 3); // biSizeImage

    u32(L.indx, FCC.indx);
    u32(L.indx + 4, INDX_BYTES);
    writeU16(b, L.indx + 8, 4); // wLongsPerEntry
    b[L.indx + 11] = AVI_INDEX.OF_INDEXES;
    u32(L.indx + 12, this.done.length);
    u32(L.indx + 16, FCC['00dc']);
    for (const [k, s] of this.done.entries()) {
      const at = L.superIndexEntries + 16 * k;
      writeU64(b, at, s.ixOffset);
      u32(at + 8, s.ixSize);
      u32(at + 12, s.frames);
    }

    u32(L.odml, FCC.LIST);
    u32(L.odml + 4, L.junk - L.odml - 8);
    u32(L.odml + 8, FCC.odml);
    u32(L.odml + 12, FCC.dmlh);
    u32(L.odml + 16, 248);
    u32(L.odml + 20, this.n); // dmlh dwTotalFrames: every frame

    u32(L.junk, FCC.JUNK);
    u32(L.junk + 4, L.movi - L.junk - 8);
    u32(L.movi, FCC.LIST);
    u32(L.movi + 4, this.firstRiff.movi);
    u32(L.movi + 8, FCC.movi);
    return b;
  }

  private append(data: Uint8Array): void {
    if (this.staged + data.length <= this.staging.length) {
      this.staging.set(data, this.staged);
      this.staged += data.length;
    } else {
      this.flushStaging();
      if (data.length >= this.staging.length >> 2) {
        this.store.write(this.pos, data); // large frames go straight through, uncopied
      } else {
        this.staging.set(data, 0);
        this.staged = data.length;
      }
    }
    this.pos += data.length;
  }

  private flushStaging(): void {
    if (this.staged === 0) return;
    this.store.write(this.pos - this.staged, this.staging.subarray(0, this.staged));
    this.staged = 0;
  }

  private grow(): void {
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const sizes = new Uint32Array(this.sizes.length * 2);
    sizes.set(this.sizes);
    this.sizes = sizes;
  }
}
