/**
 * The stream channel of the channel-protocol host session (protocol.md §2.12): enabling it, reading one frame
 * (LOCK, SIZE, READ, UNLOCK, with the 10 ms LOCK spacing and BUSY retries), checking it, and handing it to the
 * `frames()` consumers; the frame accounting behind `stats()` (every locked frame ends delivered, dropped by a slow
 * consumer, corrupt or lost). Pure: no DOM, no Node.
 */
import type { CameraFrame, CameraStats } from './camera';
import { OPCODE, STATUS, statusName } from './packet';
import {
  decodeFrameHeader,
  decodeU32,
  encodeIoctl,
  encodeReadRequest,
  frameDataLength,
  IOCTL,
  isCompressed,
  STREAM_PIXFORMAT,
} from './payloads';
import { ProtocolError, SessionLink, type Reply } from './session-link';

/** Device minimum spacing of successful LOCKs is > 10 ms (§2.12, §2.15); keep a margin. */
const MIN_LOCK_INTERVAL_MS = 11;
/** LOCK attempts answered BUSY before waiting for the next stream event. */
const MAX_BUSY_RETRIES = 2;

type FrameSink = (f: CameraFrame | null) => void;

/** Streaming on top of the session's transport. */
export abstract class StreamSession extends SessionLink {
  /** frames() was called: STREAM_CTRL(1) is (re-)sent after every resync. */
  protected streaming = false;
  /** A stream event (or poll bit) said a frame may be waiting. */
  protected frameReady = false;
  private nextLockAt = -Infinity;
  private busyRetries = 0;
  private readonly sinks = new Set<FrameSink>();
  private st = { frames: 0, bytes: 0, dropped: 0, corrupt: 0, lost: 0, cameraFps: null as number | null };
  private arrivals: number[] = [];
  private frameSeq = 0;

  protected async streamIoctls(): Promise<void> {
    const stream = this.chanId('stream');
    await this.ok(OPCODE.CHANNEL_IOCTL, stream, encodeIoctl(IOCTL.STREAM_RAW_CTRL, [0]));
    await this.ok(OPCODE.CHANNEL_IOCTL, stream, encodeIoctl(IOCTL.STREAM_CTRL, [1]));
  }

  protected async readFrame(): Promise<void> {
    const ch = this.chanId('stream');
    // The device refuses a LOCK less than 10 ms after the previous successful one (§2.12): wait that out first.
    const wait = this.nextLockAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
    let lock: Reply;
    try {
      lock = await this.request(OPCODE.CHANNEL_LOCK, ch);
    } catch (e) {
      // No answer: the device may have locked the frame and only the reply got lost. Find out before the resync
      // (which releases the lock and clears the frame) so that such a frame is counted as lost.
      if (e instanceof ProtocolError && (e.kind === 'timeout' || e.kind === 'sequence'))
        await this.probeLock(ch);
      throw e;
    }
    if (lock.nak !== null) {
      this.nextLockAt = this.clock.now() + MIN_LOCK_INTERVAL_MS;
      // BUSY is a normal answer (camera writing, lock spacing): retry a couple of times ≥ 10 ms apart, then wait
      // for the next stream event or the idle poll.
      if (lock.nak === STATUS.BUSY && ++this.busyRetries <= MAX_BUSY_RETRIES) return;
      this.frameReady = false;
      this.busyRetries = 0;
      if (lock.nak === STATUS.BUSY) return;
      throw new ProtocolError(`CHANNEL_LOCK: NAK ${statusName(lock.nak)}`, 'nak', lock.nak);
    }
    this.nextLockAt = this.clock.now() + MIN_LOCK_INTERVAL_MS;
    this.busyRetries = 0;
    this.frameReady = false;
    // From here the frame is ours and is accounted for exactly once: delivered (`frames`), failed a check after
    // being read in full (`corrupt`), or abandoned (`lost`). An abandoned read is never retried: the resync that
    // follows a protocol error re-sends STREAM_CTRL, which clears the stream buffer (§2.12), so the same frame cannot
    // come back; a NAKed read is followed by UNLOCK, which clears it too.
    let data: Uint8Array | null = null;
    let total = 0;
    try {
      total = decodeU32(await this.ok(OPCODE.CHANNEL_SIZE, ch));
      if (total > 0) {
        const r = await this.request(OPCODE.CHANNEL_READ, ch, encodeReadRequest(0, total));
        if (r.nak !== null) {
          this.recordError(
            `stream CHANNEL_READ of ${total} bytes: NAK ${statusName(r.nak)} after ${r.partial.length} bytes`,
          );
        } else data = r.payload;
      }
      await this.ok(OPCODE.CHANNEL_UNLOCK, ch);
    } finally {
      // A frame read in full is delivered even when the UNLOCK after it failed.
      if (data) this.deliver(data, total);
      else this.st.lost++;
    }
  }

  /**
   * After a CHANNEL_LOCK without a valid answer: UNLOCK succeeds only if the device holds the lock for us, i.e. the
   * LOCK went through and its reply was lost. Then the frame is gone (UNLOCK clears it) and counted as lost. A
   * SEQUENCE NAK (the device consumed the LOCK, its counter is one ahead) re-aligns the counter; try once more.
   * Any other outcome (BUSY: not locked; no answer) leaves the count alone and the caller resyncs.
   */
  private async probeLock(ch: number): Promise<void> {
    for (let i = 0; i < 2; i++) {
      let r: Reply;
      try {
        r = await this.request(OPCODE.CHANNEL_UNLOCK, ch);
      } catch {
        return;
      }
      if (r.nak === null) {
        this.st.lost++;
        this.recordError('stream frame locked but the LOCK reply was lost: frame lost');
        return;
      }
      if (r.nak !== STATUS.SEQUENCE) return;
    }
  }

  private deliver(buf: Uint8Array, total: number): void {
    const now = this.clock.now();
    const bad = (why: string): void => {
      this.st.corrupt++;
      this.recordError(`corrupt frame (${total} bytes): ${why}`);
    };
    if (buf.length !== total) return bad(`read ${buf.length} bytes, CHANNEL_SIZE said ${total}`);
    if (buf.length < 16) return bad('shorter than the frame header');
    const h = decodeFrameHeader(buf);
    const len = frameDataLength(h);
    if (len === null) return bad(`unknown pixel format 0x${h.pixformat.toString(16)}`);
    if (h.width === 0 || h.height === 0) return bad('zero width or height');
    if (h.offset + len !== total) return bad(`header offset ${h.offset} + data ${len} != ${total}`);
    const data = buf.slice(h.offset, h.offset + len);
    if (h.pixformat === STREAM_PIXFORMAT.JPEG) {
      if (len < 4 || data[0] !== 0xff || data[1] !== 0xd8) return bad('JPEG without SOI marker');
      if (data[len - 2] !== 0xff || data[len - 1] !== 0xd9) return bad('JPEG without EOI marker');
    }
    this.st.frames++;
    this.st.bytes += total;
    if (h.fps !== null) this.st.cameraFps = h.fps;
    this.arrivals.push(now);
    while (this.arrivals.length > 1 && now - this.arrivals[0]! > 2000) this.arrivals.shift();
    const frame: CameraFrame = {
      width: h.width,
      height: h.height,
      pixformat: h.pixformat,
      data,
      size: isCompressed(h.pixformat) ? h.size : len,
      cameraFps: h.fps,
      receivedAt: now,
      seq: this.frameSeq++,
    };
    for (const s of this.sinks) s(frame);
  }

  stats(): CameraStats {
    const a = this.arrivals;
    const span = a.length > 1 ? a[a.length - 1]! - a[0]! : 0;
    return {
      ...this.st,
      receivedFps: span > 0 ? ((a.length - 1) * 1000) / span : 0,
      errors: this.errors.slice(-10),
    };
  }

  frames(): AsyncIterable<CameraFrame> {
    const queue: CameraFrame[] = [];
    let ended = this.closed || !!this.linkLost;
    let notify: (() => void) | null = null;
    const sink: FrameSink = (f) => {
      if (f === null) ended = true;
      else {
        queue.push(f);
        if (queue.length > this.o.maxQueuedFrames) {
          queue.shift();
          this.st.dropped++;
        }
      }
      const n = notify;
      notify = null;
      n?.();
    };
    if (!ended) {
      this.sinks.add(sink);
      if (!this.streaming) {
        this.streaming = true;
        this.enqueue(async () => {
          await this.streamIoctls();
          this.setState('streaming');
        }).catch((e: unknown) =>
          this.recordError(`enable streaming: ${e instanceof Error ? e.message : String(e)}`),
        );
      }
    }
    const sinks = this.sinks;
    return {
      [Symbol.asyncIterator](): AsyncIterator<CameraFrame> {
        return {
          async next(): Promise<IteratorResult<CameraFrame>> {
            for (;;) {
              const f = queue.shift();
              if (f) return { value: f, done: false };
              if (ended) return { value: undefined, done: true };
              await new Promise<void>((r) => (notify = r));
            }
          },
          async return(): Promise<IteratorResult<CameraFrame>> {
            sinks.delete(sink);
            ended = true;
            // A consumer that stops while a next() waits for a frame must not leave that next() hanging.
            const n = notify;
            notify = null;
            n?.();
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  /** Ends every `frames()` iteration (the session is over). */
  protected endFrames(): void {
    for (const s of this.sinks) s(null);
    this.sinks.clear();
  }
}
