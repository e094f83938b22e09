/**
 * Transport layer of the channel-protocol host session (protocol.md §2.4–§2.6, §2.15): packet parsing, the single
 * sequence counter, ACKs for ACK_REQ packets, RTX duplicates, fragment reassembly with interleaved events, one
 * outstanding request at a time with its reply timeout, SYNC and capability negotiation, and the task queue and
 * wake-up the session's pump runs on. Events go to the subclass (`onEvent`). Pure: no DOM, no Node.
 */
import { concatBytes } from '../../format/bytes';
import { systemClock, type Clock } from '../../format/clock';
import type { CameraInfo } from './camera';
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
import { type Caps, type ChannelEntry, decodeCaps, encodeCaps } from './payloads';

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

type ResolvedOptions = Required<Omit<ChannelSessionOptions, 'clock' | 'initialBytes' | 'maxPayload'>> & {
  maxPayload?: number;
};

/** Largest max payload of any known board (AE3/N6, §2.6): the parser's size until caps are known. */
const DEFAULT_PARSER_MAX = 8178;
const MAX_ERRORS = 20;

export interface Reply {
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

export function isRecoverable(status: number | null): boolean {
  return status === STATUS.CHECKSUM || status === STATUS.SEQUENCE || status === STATUS.TIMEOUT;
}

/** The host end of the 5.x protocol, below streams and scripts. */
export abstract class SessionLink {
  readonly info: CameraInfo = {
    protocol: 'channel',
    firmware: '',
    board: '',
    maxPayload: null,
    channels: [],
  };
  caps: Caps | null = null;
  channels: ChannelEntry[] = [];

  protected readonly clock: Clock;
  protected readonly o: ResolvedOptions;
  private parser = new PacketParser({ maxPayload: DEFAULT_PARSER_MAX });
  private seq = 0;
  protected pending: Pending | null = null;
  /** Serialises requests: one outstanding request at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  protected closed = false;
  protected linkLost: Error | null = null;
  /** Work for the pump (script run/stop, stream enable), run between its own steps. */
  protected tasks: Array<() => Promise<void>> = [];
  private wakeUp: (() => void) | null = null;
  private readonly stateListeners = new Set<(s: string, d?: string) => void>();
  protected errors: string[] = [];
  /** Valid non-event packets received: any sign that the camera answers requests. */
  protected answers = 0;

  constructor(
    protected readonly link: ByteLink,
    opts: ChannelSessionOptions,
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
  }

  /** Starts receiving; called once the whole session is constructed (a link may deliver bytes synchronously). */
  protected listen(initialBytes?: Uint8Array): void {
    this.link.listen(
      (b) => this.onBytes(b),
      (e) => this.onLinkClosed(e),
    );
    if (initialBytes?.length) this.onBytes(initialBytes);
  }

  /** An EVENT packet (§2.11), already ACKed if it asked for it. */
  protected abstract onEvent(p: Packet): void;

  // ---- receive path -------------------------------------------------------------------------------------------

  protected recordError(msg: string): void {
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
        partial: concatBytes(w.parts.length ? w.parts : [new Uint8Array(0)]),
        nak: code,
      });
      return;
    }
    w.parts.push(p.payload);
    if (p.flags & FLAG.FRAGMENT) return;
    this.pending = null;
    const payload = concatBytes(w.parts);
    w.resolve({ flags: p.flags, payload, partial: payload, nak: null });
  }

  protected onLinkClosed(e?: Error): void {
    if (this.linkLost) return;
    this.linkLost = e ?? new Error('link closed');
    this.failPending(new ProtocolError(this.linkLost.message, 'closed'));
    this.wake();
  }

  protected failPending(e: Error): void {
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
  protected async ok(opcode: number, chan = 0, payload?: Uint8Array): Promise<Uint8Array> {
    const r = await this.request(opcode, chan, payload);
    if (r.nak !== null) {
      throw new ProtocolError(`${opcodeName(opcode)} on ch ${chan}: NAK ${statusName(r.nak)}`, 'nak', r.nak);
    }
    return r.payload;
  }

  protected chanId(name: string): number {
    const c = this.channels.find((x) => x.name === name);
    if (!c) throw new ProtocolError(`camera has no "${name}" channel`, 'unexpected');
    return c.id;
  }

  protected async sync(): Promise<void> {
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

  protected async negotiate(): Promise<void> {
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

  protected enqueue(task: () => Promise<void>): Promise<void> {
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

  protected wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  protected async idle(ms: number): Promise<void> {
    await Promise.race([new Promise<void>((r) => (this.wakeUp = r)), this.clock.sleep(ms)]);
    this.wakeUp = null;
  }

  protected setState(state: string, detail?: string): void {
    for (const l of this.stateListeners) l(state, detail);
  }

  onState(listener: (state: string, detail?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
  }
}
