/**
 * A fake 5.x camera for host tests that serves the data of a golden transcript (caps, channel list, version, sys
 * info, the frames' stream buffers, the stdout text) with the firmware's sequence/ACK/event rules (protocol.md
 * §2.4-§2.13), and records everything the host sent. Not an emulator: just enough device for the host session.
 */
import { concatBytes } from '../../../format/bytes';
import type { ByteLink } from '../link';
import { encodePacket, FLAG, OPCODE, PacketParser, STATUS, type Packet } from '../packet';
import {
  decodeCaps,
  decodeIoctl,
  decodeReadRequest,
  decodeWriteRequest,
  encodeU16,
  encodeU32,
  IOCTL,
  SYS_EVENT,
} from '../payloads';
import type { Transcript } from './transcript';

const STDIN = 1;
const STDOUT = 2;
const STREAM = 3;

export interface DeviceFaults {
  /** Called with every packet the device is about to send; may return altered bytes. */
  mutate?: (bytes: Uint8Array, index: number) => Uint8Array;
  /** Also send an RTX copy of every n-th ACK_REQ data packet right after it (as a device that missed the ACK). */
  rtxEvery?: number;
}

export class TranscriptDevice {
  readonly received: Packet[] = [];
  readonly receivedBytes: Uint8Array[] = [];
  readonly sent: Packet[] = [];
  readonly frames: Uint8Array[] = [];
  stdoutText: Uint8Array = new Uint8Array(0);
  script: Uint8Array = new Uint8Array(0);
  /** ACK_REQ packets sent and not (yet) ACKed by the host: `seq/opcode`. */
  readonly unacked = new Set<string>();
  readonly problems: string[] = [];

  private parser = new PacketParser({ maxPayload: 4096 });
  private seq = 0;
  private ack = true;
  private maxPayload: number;
  private readonly devMax: number;
  private readonly payloads = new Map<number, Uint8Array>();
  private frameIndex = 0;
  private available = false;
  private locked = false;
  private streamOn = false;
  private running = false;
  private stdinBuf: number[] = [];
  private stdoutPos = 0;
  private sendCount = 0;
  private ackReqCount = 0;
  rtxSent = 0;
  private link: ByteLink | null = null;

  constructor(
    t: Transcript,
    private readonly faults: DeviceFaults = {},
  ) {
    const lines = t.lines;
    for (const l of lines) {
      const p = l.packet;
      if (
        l.dir === 'D>H' &&
        !(p.flags & (FLAG.EVENT | FLAG.NAK)) &&
        p.payload.length &&
        !this.payloads.has(p.opcode)
      ) {
        this.payloads.set(p.opcode, p.payload);
      }
    }
    this.devMax = decodeCaps(this.payloads.get(OPCODE.PROTO_GET_CAPS)!).maxPayload;
    this.maxPayload = this.devMax;
    // Reply groups of CHANNEL_READ on the stream and stdout channels.
    const stdout: Uint8Array[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.dir !== 'H>D' || l.packet.opcode !== OPCODE.CHANNEL_READ || l.packet.flags) continue;
      const ch = l.packet.chan;
      const parts: Uint8Array[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const r = lines[j]!;
        const p = r.packet;
        if (r.dir !== 'D>H' || p.flags & FLAG.EVENT || p.opcode !== OPCODE.CHANNEL_READ || p.chan !== ch)
          continue;
        if (p.flags & FLAG.NAK) break;
        parts.push(p.payload);
        if (!(p.flags & FLAG.FRAGMENT)) break;
      }
      const all = concatBytes(parts);
      if (ch === STREAM) this.frames.push(all);
      else if (ch === STDOUT) stdout.push(all);
    }
    this.stdoutText = concatBytes(stdout);
  }

  /** Attaches to one end of a link pair. */
  attach(link: ByteLink): void {
    this.link = link;
    link.listen(
      (b) => this.onBytes(b),
      () => undefined,
    );
  }

  get remainingFrames(): number {
    return this.frames.length - this.frameIndex;
  }

  private out(p: Omit<Packet, 'seq'>, isEvent = false): void {
    const flags = p.flags | (this.ack && !isEvent && !(p.flags & (FLAG.ACK | FLAG.NAK)) ? FLAG.ACK_REQ : 0);
    const packet = { ...p, flags, seq: this.seq };
    if (flags & FLAG.ACK_REQ) this.unacked.add(`${packet.seq}/${packet.opcode}`);
    if (!isEvent) this.seq = (this.seq + 1) & 0xff;
    this.sent.push(packet);
    let bytes = encodePacket(packet);
    if (this.faults.mutate) bytes = this.faults.mutate(bytes, this.sendCount);
    this.sendCount++;
    void this.link?.send(bytes).catch(() => undefined);
    if (flags & FLAG.ACK_REQ && this.faults.rtxEvery && ++this.ackReqCount % this.faults.rtxEvery === 0) {
      this.rtxSent++;
      void this.link?.send(encodePacket({ ...packet, flags: flags | FLAG.RTX })).catch(() => undefined);
    }
  }

  private reply(req: Packet, payload: Uint8Array): void {
    for (let o = 0; o < payload.length || o === 0; o += this.maxPayload) {
      const part = payload.subarray(o, o + this.maxPayload);
      const more = o + this.maxPayload < payload.length;
      this.out({ chan: req.chan, opcode: req.opcode, flags: more ? FLAG.FRAGMENT : 0, payload: part });
      if (!more) break;
    }
  }

  private ackOk(req: Packet): void {
    this.out({ chan: req.chan, opcode: req.opcode, flags: FLAG.ACK, payload: new Uint8Array(0) });
  }

  private nak(req: Packet, status: number): void {
    this.out({ chan: req.chan, opcode: req.opcode, flags: FLAG.NAK, payload: encodeU16(status) });
  }

  event(chan: number, opcode: number, code?: number): void {
    this.out(
      { chan, opcode, flags: FLAG.EVENT, payload: code === undefined ? new Uint8Array(0) : encodeU16(code) },
      true,
    );
  }

  private notifyFrameLater(): void {
    setTimeout(() => {
      if (this.streamOn && !this.available && !this.locked && this.frameIndex < this.frames.length) {
        this.available = true;
        this.event(STREAM, OPCODE.CHANNEL_EVENT);
      } else if (this.stdoutPos < this.stdoutText.length) {
        this.event(STDOUT, OPCODE.CHANNEL_EVENT);
      }
    }, 1);
  }

  private onBytes(b: Uint8Array): void {
    this.receivedBytes.push(b.slice());
    for (const ev of this.parser.push(b)) {
      if (ev.kind === 'error') this.problems.push(`device parser: ${ev.reason}`);
      else this.onPacket(ev.packet);
    }
  }

  private onPacket(p: Packet): void {
    this.received.push(p);
    if (p.flags & FLAG.ACK) {
      const k = `${p.seq}/${p.opcode}`;
      if (!this.unacked.delete(k)) this.problems.push(`host ACKed ${k}, which was not waiting`);
      return;
    }
    if (p.flags & FLAG.NAK) {
      this.problems.push(`host sent a NAK (${p.seq}/${p.opcode})`);
      return;
    }
    if (p.opcode === OPCODE.PROTO_SYNC) {
      this.seq = 0;
      this.ack = true;
      this.maxPayload = this.devMax;
      this.locked = false;
      this.unacked.clear();
      this.ackOk(p);
      this.seq = 0;
      return;
    }
    if (p.seq !== this.seq) {
      this.problems.push(`host SEQ ${p.seq} != device ${this.seq} (op ${p.opcode})`);
      this.nak(p, STATUS.SEQUENCE);
      return;
    }
    switch (p.opcode) {
      case OPCODE.PROTO_GET_CAPS:
      case OPCODE.CHANNEL_LIST:
      case OPCODE.PROTO_VERSION:
      case OPCODE.SYS_INFO:
        this.reply(p, this.payloads.get(p.opcode)!);
        return;
      case OPCODE.PROTO_SET_CAPS: {
        this.ackOk(p);
        const c = decodeCaps(p.payload);
        this.ack = c.ack;
        this.maxPayload = c.maxPayload;
        return;
      }
      case OPCODE.CHANNEL_POLL: {
        const bits =
          (this.running ? 1 << STDIN : 0) |
          (this.stdoutPos < this.stdoutText.length ? 1 << STDOUT : 0) |
          (this.available ? 1 << STREAM : 0);
        this.reply(p, encodeU32(bits));
        return;
      }
      case OPCODE.CHANNEL_IOCTL: {
        const { request, args } = decodeIoctl(p.payload);
        this.ackOk(p);
        if (p.chan === STREAM && request === IOCTL.STREAM_CTRL) {
          this.streamOn = args[0] === 1;
          this.locked = false;
          this.notifyFrameLater();
        } else if (p.chan === STDIN && request === IOCTL.STDIN_RESET) {
          this.stdinBuf = [];
        } else if (p.chan === STDIN && request === IOCTL.STDIN_EXEC) {
          this.script = Uint8Array.from(this.stdinBuf);
          this.running = true;
          setTimeout(() => this.event(STDIN, OPCODE.CHANNEL_EVENT, 1), 1);
        } else if (p.chan === STDIN && request === IOCTL.STDIN_STOP && this.running) {
          this.running = false;
          setTimeout(() => {
            this.event(STDIN, OPCODE.CHANNEL_EVENT, 0);
            this.event(0, OPCODE.SYS_EVENT, SYS_EVENT.SOFT_REBOOT);
            this.seq = 0;
            this.ack = true;
            this.maxPayload = this.devMax;
          }, 1);
        }
        return;
      }
      case OPCODE.CHANNEL_WRITE: {
        const w = decodeWriteRequest(p.payload);
        if (w.offset === 0) this.stdinBuf = [];
        this.stdinBuf.push(...w.data);
        this.ackOk(p);
        return;
      }
      case OPCODE.CHANNEL_LOCK:
        if (p.chan !== STREAM || !this.available || this.locked) return this.nak(p, STATUS.BUSY);
        this.locked = true;
        return this.ackOk(p);
      case OPCODE.CHANNEL_UNLOCK:
        if (!this.locked) return this.nak(p, STATUS.BUSY);
        this.locked = false;
        this.available = false;
        this.frameIndex++;
        this.ackOk(p);
        this.notifyFrameLater();
        return;
      case OPCODE.CHANNEL_SIZE:
        if (p.chan === STREAM)
          return this.reply(p, encodeU32(this.locked ? this.frames[this.frameIndex]!.length : 0));
        if (p.chan === STDOUT) return this.reply(p, encodeU32(this.stdoutText.length - this.stdoutPos));
        return this.nak(p, STATUS.INVALID);
      case OPCODE.CHANNEL_READ: {
        const { offset, length } = decodeReadRequest(p.payload);
        if (p.chan === STREAM) {
          const f = this.frames[this.frameIndex];
          if (!this.locked || !f || offset + length > f.length) return this.nak(p, STATUS.FAILED);
          return this.reply(p, f.subarray(offset, offset + length));
        }
        if (p.chan === STDOUT) {
          const n = Math.min(length, this.stdoutText.length - this.stdoutPos);
          const chunk = Math.min(512, this.maxPayload);
          const data = this.stdoutText.subarray(this.stdoutPos, this.stdoutPos + n);
          this.stdoutPos += n;
          for (let o = 0; o < n; o += chunk) {
            const more = o + chunk < n;
            this.out({
              chan: p.chan,
              opcode: p.opcode,
              flags: more ? FLAG.FRAGMENT : 0,
              payload: data.subarray(o, o + chunk),
            });
          }
          if (n === 0) this.nak(p, STATUS.FAILED);
          return;
        }
        return this.nak(p, STATUS.INVALID);
      }
      default:
        this.nak(p, STATUS.INVALID);
    }
  }
}
