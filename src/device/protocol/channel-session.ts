/**
 * Host session of the channel protocol (firmware ≥ 5.0, protocol.md §2): handshake, the single sequence counter of
 * §2.4, ACKs for ACK_REQ packets, RTX duplicates, fragment reassembly with interleaved events, the stream channel
 * (§2.12), stdin/stdout (§2.13), timeouts/retries (§2.15) and resync (§6). Pure: no DOM, no Node.
 */
import { systemClock, type Clock } from '../../format/clock';
import type { Camera, CameraFrame, CameraInfo, CameraStats } from './camera';
import type { ByteLink } from './link';
import {
  encodePacket,
  FLAG,
  formatParseError,
  MAX_SYSTEM_OPCODE,
  OPCODE,
  opcodeName,
  PacketParser,
  STATUS,
  statusName,
  type Packet,
} from './packet';
import {
  type Caps,
  type ChannelEntry,
  decodeCaps,
  decodeChannelList,
  decodeEventCode,
  decodeFrameHeader,
  decodeSysInfo,
  decodeU32,
  decodeVersion,
  encodeCaps,
  encodeIoctl,
  encodeReadRequest,
  encodeWriteRequest,
  frameDataLength,
  IOCTL,
  isCompressed,
  STREAM_PIXFORMAT,
  SYS_EVENT,
  type SysInfo,
  type VersionInfo,
  versionString,
} from './payloads';
import { utf8Encode, Utf8Decoder } from './utf8';

export interface ChannelSessionOptions {
  clock?: Clock;
  /** Negotiate ACK off (default true: USB, §2.5). ACK_REQ packets are ACKed either way. */
  ackOff?: boolean;
  /** Upper bound for the negotiated max payload (default: the device's). */
  maxPayload?: number;
  /** Reply timeout (default 1000 ms, §2.15). */
  replyTimeoutMs?: number;
  /** SYNC attempts per resync (default 3). */
  syncAttempts?: number;
  /**
   * Consecutive failed resyncs without any answer from the camera before the session gives up (default 5). A camera
   * that still answers (a noisy link) is never given up on.
   */
  maxResyncs?: number;
  /** Poll CHANNEL_POLL when no event arrived for this long while streaming (default 1000 ms, IDE behaviour). */
  idlePollMs?: number;
  /** Frames kept for a slow `frames()` consumer before the oldest is dropped (default 8). */
  maxQueuedFrames?: number;
  /** Bytes already read from the link (after a probe) to parse first. */
  initialBytes?: Uint8Array;
  /** Wait for the SOFT_REBOOT event after STDIN_STOP (default 500 ms, PY CLI). */
  stopWaitMs?: number;
  /**
   * How long a stopped script may take to actually end (its stdin POLL bit to clear) before stopScript / runScript
   * fail (default 5000 ms). A script ends when the VM takes the interrupt, e.g. after a long C call.
   */
  scriptStopTimeoutMs?: number;
}

/** Largest max payload of any known board (AE3/N6, §2.6): the parser's size until caps are known. */
const DEFAULT_PARSER_MAX = 8178;
const MAX_ERRORS = 20;
/** Device minimum spacing of successful LOCKs is > 10 ms (§2.12, §2.15); keep a margin. */
const MIN_LOCK_INTERVAL_MS = 11;
/** LOCK attempts answered BUSY before waiting for the next stream event. */
const MAX_BUSY_RETRIES = 2;
/** CHANNEL_POLL period while waiting for a stopped script to end (the device's own poll period, §2.15). */
const STOP_POLL_MS = 50;

interface Reply {
  /** Last packet's flags (ACK / NAK / data). */
  flags: number;
  /** Reassembled payload (data), or the NAK status payload. */
  payload: Uint8Array;
  /** Data collected before a NAK that ended a run of fragments. */
  partial: Uint8Array;
  nak: number | null;
}

interface Pending {
  opcode: number;
  chan: number;
  parts: Uint8Array[];
  resolve(r: Reply): void;
  reject(e: Error): void;
}

/** Error of one request: recoverable ones (timeout, checksum, sequence) trigger a resync. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'nak' | 'sequence' | 'closed' | 'unexpected',
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function isRecoverable(status: number | null): boolean {
  return status === STATUS.CHECKSUM || status === STATUS.SEQUENCE || status === STATUS.TIMEOUT;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const BOARDS: Record<number, string> = {
  0x1202: 'OpenMV Cam M4',
  0x1203: 'OpenMV Cam M7',
  0x1204: 'OpenMV Cam H7',
  0x124a: 'OpenMV Cam H7 Plus',
  0x1205: 'OpenMV Pure Thermal',
  0x1060: 'OpenMV Cam RT1062',
  0x16e3: 'OpenMV AE3',
  0x1206: 'OpenMV N6',
};

function boardName(s: SysInfo | null): string {
  if (!s) return 'unknown';
  const id = `${s.usbVid.toString(16).toUpperCase().padStart(4, '0')}:${s.usbPid.toString(16).toUpperCase().padStart(4, '0')}`;
  const known = s.usbVid === 0x37c5 ? BOARDS[s.usbPid] : undefined;
  return known ? `${known} (${id})` : `USB ${id}`;
}

type FrameSink = (f: CameraFrame | null) => void;

export class ChannelSession implements Camera {
  readonly info: CameraInfo = {
    protocol: 'channel',
    firmware: '',
    board: '',
    maxPayload: null,
    channels: [],
  };
  version: VersionInfo | null = null;
  sysInfo: SysInfo | null = null;
  caps: Caps | null = null;
  channels: ChannelEntry[] = [];

  private readonly clock: Clock;
  private readonly o: Required<Omit<ChannelSessionOptions, 'clock' | 'initialBytes' | 'maxPayload'>> & {
    maxPayload?: number;
  };
  private parser = new PacketParser({ maxPayload: DEFAULT_PARSER_MAX });
  private seq = 0;
  private pending: Pending | null = null;
  /** Serialises requests: one outstanding request at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private linkLost: Error | null = null;

  private streaming = false;
  private frameReady = false;
  private stdoutReady = false;
  private channelsChanged = false;
  private resyncNeeded: string | null = null;
  private scriptRunning = false;
  private softRebootSeen = false;
  private lastEventAt = 0;
  private nextLockAt = -Infinity;
  private busyRetries = 0;
  private tasks: Array<() => Promise<void>> = [];
  private wakeUp: (() => void) | null = null;
  private pumpDone: Promise<void> | null = null;

  private readonly outListeners = new Set<(t: string) => void>();
  private readonly stateListeners = new Set<(s: string, d?: string) => void>();
  private readonly sinks = new Set<FrameSink>();
  private readonly decoder = new Utf8Decoder();
  private st = { frames: 0, bytes: 0, dropped: 0, corrupt: 0, lost: 0, cameraFps: null as number | null };
  private errors: string[] = [];
  /** Valid non-event packets received: any sign that the camera answers requests. */
  private answers = 0;
  private arrivals: number[] = [];
  private frameSeq = 0;

  constructor(
    private readonly link: ByteLink,
    opts: ChannelSessionOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.o = {
      ackOff: opts.ackOff ?? true,
      maxPayload: opts.maxPayload,
      replyTimeoutMs: opts.replyTimeoutMs ?? 1000,
      syncAttempts: opts.syncAttempts ?? 3,
      maxResyncs: opts.maxResyncs ?? 5,
      idlePollMs: opts.idlePollMs ?? 1000,
      maxQueuedFrames: opts.maxQueuedFrames ?? 8,
      stopWaitMs: opts.stopWaitMs ?? 500,
      scriptStopTimeoutMs: opts.scriptStopTimeoutMs ?? 5000,
    };
    link.listen(
      (b) => this.onBytes(b),
      (e) => this.onLinkClosed(e),
    );
    if (opts.initialBytes?.length) this.onBytes(opts.initialBytes);
  }

  // ---- receive path -------------------------------------------------------------------------------------------

  private recordError(msg: string): void {
    this.errors.push(msg);
    if (this.errors.length > MAX_ERRORS) this.errors.splice(0, this.errors.length - MAX_ERRORS);
  }

  private onBytes(bytes: Uint8Array): void {
    for (const ev of this.parser.push(bytes)) {
      if (ev.kind === 'error') this.recordError(formatParseError(ev));
      else this.onPacket(ev.packet, ev.offset ?? this.parser.offset);
    }
  }

  private sendRaw(bytes: Uint8Array): void {
    this.link
      .send(bytes)
      .catch((e: unknown) => this.onLinkClosed(e instanceof Error ? e : new Error(String(e))));
  }

  private onPacket(p: Packet, offset: number): void {
    // Always ACK ACK_REQ packets (also after a device reset put ACK back on, and for RTX duplicates): §2.5.
    if (p.flags & FLAG.ACK_REQ) {
      this.sendRaw(
        encodePacket({
          seq: p.seq,
          chan: p.chan,
          flags: FLAG.ACK,
          opcode: p.opcode,
          payload: new Uint8Array(0),
        }),
      );
    }
    if (p.flags & FLAG.EVENT) {
      this.onEvent(p);
      return;
    }
    this.answers++;
    if (p.flags & FLAG.RTX && p.seq !== this.seq) return; // duplicate of a packet already received: re-ACKed, dropped
    const w0 = this.pending;
    if (p.opcode === OPCODE.PROTO_SYNC) {
      // The device's counter is 0 after any SYNC it answered (§2.4 rule 4), also after a SYNC ACK we no longer wait
      // for (e.g. the reply to an earlier, timed-out attempt).
      this.seq = 0;
      if (w0?.opcode === OPCODE.PROTO_SYNC && p.flags & FLAG.ACK) {
        this.pending = null;
        w0.resolve({ flags: p.flags, payload: p.payload, partial: p.payload, nak: null });
      }
      return;
    }
    if (w0?.opcode === OPCODE.PROTO_SYNC) return; // stale replies while resynchronising: drop without accounting
    if (p.seq !== this.seq) {
      if (p.flags & FLAG.NAK) {
        // A SEQUENCE NAK carries the device's counter (§2.7): accept it whatever its SEQ.
        this.seq = (p.seq + 1) & 0xff;
      } else {
        this.recordError(
          `offset ${offset + 2}: byte 0x${hex2(p.seq)} in state SEQUENCE: expected SEQ ${this.seq} (${opcodeName(p.opcode)} ch ${p.chan})`,
        );
        this.seq = (p.seq + 1) & 0xff; // IDE re-align
        this.failPending(new ProtocolError(`sequence mismatch on ${opcodeName(p.opcode)}`, 'sequence'));
        return;
      }
    } else {
      this.seq = (this.seq + 1) & 0xff;
    }
    const w = this.pending;
    if (!w || w.opcode !== p.opcode) {
      this.recordError(
        `offset ${offset + 5}: byte 0x${hex2(p.opcode)} in state REPLY: unexpected ${opcodeName(p.opcode)} reply on ch ${p.chan} (SEQ ${p.seq}, flags 0x${hex2(p.flags)})`,
      );
      return;
    }
    if (p.flags & FLAG.NAK) {
      const code = p.payload.length >= 2 ? p.payload[0]! | (p.payload[1]! << 8) : STATUS.UNKNOWN;
      this.pending = null;
      w.resolve({
        flags: p.flags,
        payload: p.payload,
        partial: concat(w.parts.length ? w.parts : [new Uint8Array(0)]),
        nak: code,
      });
      return;
    }
    w.parts.push(p.payload);
    if (p.flags & FLAG.FRAGMENT) return;
    this.pending = null;
    const payload = concat(w.parts);
    w.resolve({ flags: p.flags, payload, partial: payload, nak: null });
  }

  private onEvent(p: Packet): void {
    this.lastEventAt = this.clock.now();
    const code = decodeEventCode(p.payload);
    if (p.opcode === OPCODE.SYS_EVENT) {
      if (code === SYS_EVENT.SOFT_REBOOT) {
        this.softRebootSeen = true;
        this.scriptRunning = false;
        this.requestResync('soft reboot');
        // The device restarts with SEQ 0 and default caps: a reply still awaited will not come.
        if (this.pending && this.pending.opcode !== OPCODE.PROTO_SYNC) {
          this.failPending(new ProtocolError('soft reboot while waiting for a reply', 'unexpected'));
        }
      } else if (code === SYS_EVENT.CHANNEL_REGISTERED) {
        this.channelsChanged = true;
      }
    } else if (p.opcode === OPCODE.CHANNEL_EVENT) {
      const name =
        this.channels.find((c) => c.id === p.chan)?.name ??
        ['usb', 'stdin', 'stdout', 'stream'][p.chan] ??
        '';
      if (name === 'stream') this.frameReady = true;
      else if (name === 'stdout') this.stdoutReady = true;
      else if (name === 'stdin') this.scriptRunning = code === 1;
    }
    this.wake();
  }

  private onLinkClosed(e?: Error): void {
    if (this.linkLost) return;
    this.linkLost = e ?? new Error('link closed');
    this.failPending(new ProtocolError(this.linkLost.message, 'closed'));
    this.wake();
  }

  private failPending(e: Error): void {
    const w = this.pending;
    this.pending = null;
    w?.reject(e);
  }

  // ---- requests ----------------------------------------------------------------------------------------------

  /** Sends one request and waits for its (reassembled) reply. Resolves with NAKs too; rejects on timeout/sequence/close. */
  request(
    opcode: number,
    chan = 0,
    payload: Uint8Array = new Uint8Array(0),
    timeoutMs = this.o.replyTimeoutMs,
  ): Promise<Reply> {
    const run = async (): Promise<Reply> => {
      if (this.linkLost) throw new ProtocolError(this.linkLost.message, 'closed');
      if (opcode <= MAX_SYSTEM_OPCODE && chan !== 0)
        throw new RangeError(`${opcodeName(opcode)} must use channel 0`);
      const bytes = encodePacket({ seq: this.seq, chan, flags: 0, opcode, payload });
      const reply = new Promise<Reply>((resolve, reject) => {
        this.pending = { opcode, chan, parts: [], resolve, reject };
      });
      const mine = this.pending;
      let timedOut = false;
      const timer = this.clock.sleep(timeoutMs).then(() => {
        timedOut = true;
      });
      try {
        await this.link.send(bytes);
      } catch (e) {
        this.pending = null;
        this.onLinkClosed(e instanceof Error ? e : new Error(String(e)));
        throw new ProtocolError('link lost while sending', 'closed');
      }
      const r = await Promise.race([reply, timer.then(() => null)]);
      if (r === null || timedOut) {
        if (this.pending === mine) this.pending = null;
        if (r === null)
          throw new ProtocolError(`timeout waiting for ${opcodeName(opcode)} reply (ch ${chan})`, 'timeout');
      }
      return r!;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** request() that turns a NAK into a ProtocolError. */
  private async ok(opcode: number, chan = 0, payload?: Uint8Array): Promise<Uint8Array> {
    const r = await this.request(opcode, chan, payload);
    if (r.nak !== null) {
      throw new ProtocolError(`${opcodeName(opcode)} on ch ${chan}: NAK ${statusName(r.nak)}`, 'nak', r.nak);
    }
    return r.payload;
  }

  private chanId(name: string): number {
    const c = this.channels.find((x) => x.name === name);
    if (!c) throw new ProtocolError(`camera has no "${name}" channel`, 'unexpected');
    return c.id;
  }

  // ---- handshake / resync ------------------------------------------------------------------------------------

  private async sync(): Promise<void> {
    let last: unknown = null;
    for (let i = 0; i < this.o.syncAttempts; i++) {
      this.parser.reset();
      this.failPending(new ProtocolError('resync', 'unexpected'));
      this.seq = 0;
      try {
        const r = await this.request(OPCODE.PROTO_SYNC);
        if (r.nak === null) {
          this.seq = 0;
          return;
        }
        last = new ProtocolError(`PROTO_SYNC: NAK ${statusName(r.nak)}`, 'nak', r.nak);
      } catch (e) {
        last = e;
        if (this.linkLost) throw e;
      }
    }
    throw last instanceof Error ? last : new Error('PROTO_SYNC failed');
  }

  private async negotiate(): Promise<void> {
    const dev = decodeCaps(await this.ok(OPCODE.PROTO_GET_CAPS));
    const max = Math.max(50, Math.min(dev.maxPayload, this.o.maxPayload ?? dev.maxPayload));
    const want: Caps = { crc: true, seq: true, ack: !this.o.ackOff, events: true, maxPayload: max };
    await this.ok(OPCODE.PROTO_SET_CAPS, 0, encodeCaps(want));
    this.caps = want;
    this.info.maxPayload = max;
    if (this.parser.pending === 0 && max !== DEFAULT_PARSER_MAX) {
      this.parser = new PacketParser({
        maxPayload: Math.max(max, dev.maxPayload),
        startOffset: this.parser.offset,
      });
    }
  }

  private async readChannels(): Promise<void> {
    this.channels = decodeChannelList(await this.ok(OPCODE.CHANNEL_LIST));
    this.info.channels = this.channels.map((c) => c.name);
    this.channelsChanged = false;
  }

  private async streamIoctls(): Promise<void> {
    const stream = this.chanId('stream');
    await this.ok(OPCODE.CHANNEL_IOCTL, stream, encodeIoctl(IOCTL.STREAM_RAW_CTRL, [0]));
    await this.ok(OPCODE.CHANNEL_IOCTL, stream, encodeIoctl(IOCTL.STREAM_CTRL, [1]));
  }

  /** SYNC, GET_CAPS, SET_CAPS, CHANNEL_LIST, VERSION, SYS_INFO (§2.16). */
  async handshake(): Promise<void> {
    await this.sync();
    await this.negotiate();
    await this.readChannels();
    this.version = decodeVersion(await this.ok(OPCODE.PROTO_VERSION));
    this.info.firmware = versionString(this.version.firmware);
    try {
      this.sysInfo = decodeSysInfo(await this.ok(OPCODE.SYS_INFO));
    } catch (e) {
      if (!(e instanceof ProtocolError && e.kind === 'nak')) throw e;
    }
    this.info.board = boardName(this.sysInfo);
    this.setState(
      'connected',
      `firmware ${this.info.firmware}, protocol ${versionString(this.version.protocol)}`,
    );
    this.pumpDone = this.pump();
  }

  /** SYNC and renegotiate (§6 resync procedure). */
  private async resync(reason: string): Promise<void> {
    this.setState('recovering', reason);
    await this.sync();
    await this.negotiate();
    await this.readChannels();
    if (this.streaming) await this.streamIoctls();
    this.frameReady = this.streaming; // a frame may be waiting; LOCK will tell
    this.stdoutReady = true;
    this.setState(this.streaming ? 'streaming' : 'connected', 'resynchronised');
  }

  private requestResync(reason: string): void {
    if (!this.resyncNeeded) this.resyncNeeded = reason;
    this.wake();
  }

  // ---- the pump ----------------------------------------------------------------------------------------------

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private async idle(ms: number): Promise<void> {
    await Promise.race([new Promise<void>((r) => (this.wakeUp = r)), this.clock.sleep(ms)]);
    this.wakeUp = null;
  }

  private async pump(): Promise<void> {
    let failedResyncs = 0;
    let answersAtFailure = this.answers;
    while (!this.closed && !this.linkLost) {
      try {
        if (this.resyncNeeded) {
          const why = this.resyncNeeded;
          this.resyncNeeded = null;
          await this.resync(why);
          failedResyncs = 0;
        } else if (this.tasks.length) {
          await this.tasks.shift()!();
        } else if (this.channelsChanged) {
          await this.readChannels();
        } else if (this.streaming && this.frameReady) {
          await this.readFrame();
        } else if (this.stdoutReady) {
          await this.readStdout();
        } else if (this.streaming && this.clock.now() - this.lastEventAt >= this.o.idlePollMs) {
          await this.poll();
        } else {
          await this.idle(this.streaming ? this.o.idlePollMs : 1000);
        }
      } catch (e) {
        if (this.closed || this.linkLost) break;
        const msg = e instanceof Error ? e.message : String(e);
        this.recordError(msg);
        if (this.resyncNeeded === null && e instanceof ProtocolError && e.kind !== 'nak') {
          // Give up only on a camera that stopped answering: any packet since the last failure (a reply, a NAK, a
          // fragment of a read cut short by a corrupted byte) shows a camera behind a noisy link, which recovers.
          if (this.answers !== answersAtFailure) failedResyncs = 0;
          answersAtFailure = this.answers;
          failedResyncs++;
          if (failedResyncs > this.o.maxResyncs) {
            this.linkLost = new Error(`camera stopped answering: ${msg}`);
            break;
          }
          this.resyncNeeded = msg;
        } else if (
          e instanceof ProtocolError &&
          e.kind === 'nak' &&
          (e.status === STATUS.SEQUENCE || e.status === STATUS.CHECKSUM || e.status === STATUS.TIMEOUT)
        ) {
          this.resyncNeeded = msg;
        }
      }
    }
    this.finish();
  }

  private finish(): void {
    for (const s of this.sinks) s(null);
    this.sinks.clear();
    this.setState('disconnected', this.linkLost && !this.closed ? this.linkLost.message : undefined);
  }

  private async poll(): Promise<void> {
    const bits = decodeU32(await this.ok(OPCODE.CHANNEL_POLL));
    this.lastEventAt = this.clock.now();
    const bit = (name: string): boolean => {
      const c = this.channels.find((x) => x.name === name);
      return !!c && !!(bits & (1 << c.id));
    };
    if (bit('stream')) this.frameReady = true;
    if (bit('stdout')) this.stdoutReady = true;
    this.scriptRunning = bit('stdin');
  }

  private async readStdout(): Promise<void> {
    this.stdoutReady = false;
    const ch = this.chanId('stdout');
    const size = decodeU32(await this.ok(OPCODE.CHANNEL_SIZE, ch));
    if (size === 0) return;
    const r = await this.request(OPCODE.CHANNEL_READ, ch, encodeReadRequest(0, size));
    const data = r.nak === null ? r.payload : r.partial; // NAK FAILED mid-read = short read (§6)
    if (data.length) {
      const text = this.decoder.decode(data);
      if (text) for (const l of this.outListeners) l(text);
    }
  }

  private async readFrame(): Promise<void> {
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

  // ---- scripts -----------------------------------------------------------------------------------------------

  private enqueue(task: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed || this.linkLost) {
        reject(new Error('camera is disconnected'));
        return;
      }
      this.tasks.push(async () => {
        try {
          await task();
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
          throw e;
        }
      });
      this.wake();
    });
  }

  private async doStop(): Promise<void> {
    const stdin = this.chanId('stdin');
    this.softRebootSeen = false;
    await this.ok(OPCODE.CHANNEL_IOCTL, stdin, encodeIoctl(IOCTL.STDIN_STOP));
    // A stdin-launched script ends with SOFT_REBOOT (§2.13); main.py scripts do not. Wait, then resync either way.
    const deadline = this.clock.now() + this.o.stopWaitMs;
    while (!this.softRebootSeen && this.clock.now() < deadline && !this.linkLost) {
      await this.idle(Math.min(20, this.o.stopWaitMs));
    }
    this.resyncNeeded = null;
    await this.resync(this.softRebootSeen ? 'soft reboot after stop' : 'after stop');
    await this.awaitScriptEnd();
    this.scriptRunning = false;
  }

  /**
   * Polls until the stdin bit clears: STDIN_STOP only takes effect when the VM accepts the interrupt (§2.10), which a
   * script inside a long C call does later. Uploading before that end runs into the §2.13 trap: the end of a stdin
   * script wipes the upload buffer, and the new script never runs. The soft reboot that follows a stdin script's end
   * is resynchronised here, so the session is in step when this returns.
   */
  private async awaitScriptEnd(): Promise<void> {
    const deadline = this.clock.now() + this.o.scriptStopTimeoutMs;
    for (;;) {
      if (this.resyncNeeded) {
        const why = this.resyncNeeded;
        this.resyncNeeded = null;
        await this.resync(why);
      }
      let running = true;
      try {
        await this.poll();
        running = this.scriptRunning;
      } catch (e) {
        // The script ended meanwhile: its soft reboot answered the poll with NAK SEQUENCE or cut it off; resync.
        if (
          !(e instanceof ProtocolError) ||
          e.kind === 'closed' ||
          (e.kind === 'nak' && !isRecoverable(e.status))
        )
          throw e;
        this.resyncNeeded ??= e.message;
      }
      if (!running && !this.resyncNeeded) return;
      if (this.linkLost) throw new ProtocolError(this.linkLost.message, 'closed');
      if (this.clock.now() >= deadline) {
        // Not a ProtocolError: the session is in step, nothing to resync or retry.
        throw new Error(`the running script did not stop within ${this.o.scriptStopTimeoutMs / 1000} s`);
      }
      if (running) await this.idle(STOP_POLL_MS);
    }
  }

  stopScript(): Promise<void> {
    return this.enqueue(() => this.retryOnce('stop script', () => this.doStop()));
  }

  /** §6: after a timeout/CRC/sequence error, resync and run `step` once more from its start. */
  private async retryOnce(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (e) {
      if (
        !(e instanceof ProtocolError) ||
        e.kind === 'closed' ||
        (e.kind === 'nak' && !isRecoverable(e.status))
      ) {
        throw e;
      }
      this.recordError(`${what}: ${e.message}; resync and retry`);
      await this.resync(`retry after ${e.message}`);
      await step();
    }
  }

  runScript(source: string): Promise<void> {
    const bytes = utf8Encode(source);
    const upload = async (): Promise<void> => {
      if (!this.scriptRunning) await this.poll();
      if (this.scriptRunning) await this.doStop();
      const stdin = this.chanId('stdin');
      await this.ok(OPCODE.CHANNEL_IOCTL, stdin, encodeIoctl(IOCTL.STDIN_RESET));
      const chunk = (this.caps?.maxPayload ?? 498) - 8;
      for (let off = 0; off < bytes.length; off += chunk) {
        await this.ok(OPCODE.CHANNEL_WRITE, stdin, encodeWriteRequest(off, bytes.subarray(off, off + chunk)));
      }
      await this.ok(OPCODE.CHANNEL_IOCTL, stdin, encodeIoctl(IOCTL.STDIN_EXEC));
      this.scriptRunning = true;
      // Stream settings only change at a soft reboot, and every soft reboot leads to a resync that re-sends them.
    };
    // A failed upload restarts from STDIN_RESET (never resumes mid-way, §6).
    return this.enqueue(() => this.retryOnce('run script', upload));
  }

  // ---- Camera surface ----------------------------------------------------------------------------------------

  private setState(state: string, detail?: string): void {
    for (const l of this.stateListeners) l(state, detail);
  }

  onOutput(listener: (text: string) => void): () => void {
    this.outListeners.add(listener);
    return () => void this.outListeners.delete(listener);
  }

  onState(listener: (state: string, detail?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failPending(new ProtocolError('closed', 'closed'));
    this.wake();
    await this.pumpDone?.catch(() => undefined);
    if (!this.pumpDone) this.finish();
    await this.link.close().catch(() => undefined);
  }
}

/** Opens a channel-protocol session: handshake (§2.16); streaming starts on the first `frames()` call. */
export async function openChannelSession(
  link: ByteLink,
  opts: ChannelSessionOptions = {},
): Promise<ChannelSession> {
  const s = new ChannelSession(link, opts);
  try {
    await s.handshake();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}
