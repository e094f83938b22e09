/**
 * The transport half of the emulated board (protocol.md §2.4, §2.5, §2.14): the receive state machine, the single
 * sequence counter, ACK/NAK/RTX and protocol reset, capabilities, fragmented replies and the event queue. Opcodes are
 * left to the subclass (`execute`). Pure: no DOM, no Node; time comes from the injected Clock.
 */
import { crc16, crc32 } from '../protocol/crc';
import { encodePacket, FLAG, OPCODE, STATUS, type Packet } from '../protocol/packet';
import type { ByteLink } from '../protocol/link';
import type { Clock } from '../../format/clock';
import type { BoardProfile } from './profiles';
import { REINIT_MARKER, u16, type Caps } from './board-wire';

/** §2.5 / §2.15. */
const RTX_TIMEOUT_MS = 500;
const RTX_RETRIES = 3;

export interface BoardStats {
  sent: number;
  received: number;
  checksum: number;
  sequence: number;
  retransmits: number;
  transport: number;
  events: number;
  framesWritten: number;
  framesSkipped: number;
  /** Distinct frames the host locked (CHANNEL_LOCK ACKed): each frame counts once, however often it is locked. */
  framesLocked: number;
  softReboots: number;
  protocolResets: number;
}

type AckResult = 'ack' | 'nak' | 'sync' | 'timeout' | 'closed';

/** The board end of the 5.x protocol, below the opcodes. */
export abstract class BoardLink {
  readonly profile: BoardProfile;
  protected readonly clock: Clock;
  protected link: ByteLink | null = null;
  protected active: boolean;
  protected closed = false;
  private readonly activateOnFirstBytes: boolean;

  // receive state (§2.14)
  private rx: Uint8Array;
  private rxLen = 0;
  private busy = false;
  protected readonly outEvents: Packet[] = [];
  private ackWait: { opcode: number; seq: number; resolve: (r: AckResult) => void } | null = null;

  // protocol state
  protected caps!: Caps;
  protected sequence = 0;
  readonly stats: BoardStats = {
    sent: 0,
    received: 0,
    checksum: 0,
    sequence: 0,
    retransmits: 0,
    transport: 0,
    events: 0,
    framesWritten: 0,
    framesSkipped: 0,
    framesLocked: 0,
    softReboots: 0,
    protocolResets: 0,
  };

  constructor(profile: BoardProfile, clock: Clock, active: boolean, activateOnFirstBytes: boolean) {
    this.profile = profile;
    this.clock = clock;
    this.active = active;
    this.activateOnFirstBytes = activateOnFirstBytes;
    this.rx = new Uint8Array(this.profile.bufferSize);
    this.initDefaults();
  }

  /** Executes one request (§2.7): every request gets exactly one reply (data, ACK or NAK), SYS_RESET aside. */
  protected abstract execute(req: Packet): Promise<void>;
  /** The soft-reboot re-init, run once the events queued before it went out (`REINIT_MARKER`). */
  protected abstract reinitAfterReboot(): void;
  /** A protocol reset releases every channel lock (§2.12). */
  protected abstract releaseLocks(): void;

  /** Listens on the board end of a link. */
  protected listenTo(link: ByteLink): void {
    this.link = link;
    link.listen(
      (bytes) => this.onBytes(bytes),
      () => {
        this.closed = true;
        this.ackWait?.resolve('closed');
      },
    );
  }

  /** §1.2 / §7.1: the protocol is active only at 921600 baud with DTR asserted. Dropping it clears RX. */
  setLineState(baud: number, dtr: boolean): void {
    const next = baud === 921600 && dtr;
    if (!next) this.rxLen = 0;
    this.active = next;
  }

  /** Stops timers and scripts; does not close the link. */
  stop(): void {
    this.closed = true;
    this.ackWait?.resolve('closed');
  }

  get sequenceCounter(): number {
    return this.sequence;
  }
  get capabilities(): Readonly<Caps> {
    return this.caps;
  }

  // ---------------------------------------------------------------- defaults / resets

  protected initDefaults(): void {
    this.caps = { crc: true, seq: true, ack: true, events: true, maxPayload: this.profile.maxPayload };
    this.sequence = 0;
  }

  /** Protocol reset (§2.5): SYNC or exhausted retransmissions. */
  protected protocolReset(clearRx = true): void {
    this.initDefaults();
    this.releaseLocks();
    if (clearRx) this.rxLen = 0;
    this.stats.protocolResets++;
  }

  // ---------------------------------------------------------------- receive (§2.14)

  private onBytes(bytes: Uint8Array): void {
    if (!this.active && this.activateOnFirstBytes && !this.closed) this.active = true;
    if (!this.active || this.closed) return;
    if (this.rxLen + bytes.length > this.rx.length) {
      // The firmware reads only what fits (back-pressure); the link model already delivered, so grow instead.
      const next = new Uint8Array(Math.max(this.rx.length * 2, this.rxLen + bytes.length));
      next.set(this.rx.subarray(0, this.rxLen));
      this.rx = next;
    }
    this.rx.set(bytes, this.rxLen);
    this.rxLen += bytes.length;
    if (this.ackWait) this.scanWaitAck();
    this.kick();
  }

  private drop(n: number): void {
    this.rx.copyWithin(0, n, this.rxLen);
    this.rxLen -= n;
  }

  private headerOk(at: number): boolean {
    if (!this.caps.crc) return true;
    const want = this.rx[at + 8]! | (this.rx[at + 9]! << 8);
    return crc16(this.rx.subarray(at, at + 8)) === want;
  }

  private isZeroSync(at: number): boolean {
    const b = this.rx;
    return (
      b[at] === 0xaa &&
      b[at + 1] === 0xd5 &&
      b[at + 5] === OPCODE.PROTO_SYNC &&
      b[at + 6] === 0 &&
      b[at + 7] === 0 &&
      (b[at + 4]! & (FLAG.ACK | FLAG.NAK)) === 0 &&
      crc16(b.subarray(at, at + 8)) === (b[at + 8]! | (b[at + 9]! << 8))
    );
  }

  /** WAIT_ACK scan: a zero-length SYNC aborts the send; a matching ACK/NAK ends the wait. */
  private scanWaitAck(): void {
    const w = this.ackWait;
    if (!w) return;
    for (let i = 0; i + 10 <= this.rxLen; i++) {
      if (this.rx[i] !== 0xaa || this.rx[i + 1] !== 0xd5) continue;
      if (this.isZeroSync(i)) {
        this.drop(i); // the SYNC stays at offset 0 and is processed by the receive loop
        w.resolve('sync');
        return;
      }
      const flags = this.rx[i + 4]!;
      if (
        flags & (FLAG.ACK | FLAG.NAK) &&
        this.rx[i + 5] === w.opcode &&
        this.rx[i + 2] === w.seq &&
        this.headerOk(i)
      ) {
        if (i === 0) this.drop(10); // else: ends the wait, parsed (and ignored) later
        w.resolve(flags & FLAG.ACK ? 'ack' : 'nak');
        return;
      }
    }
  }

  protected kick(): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    void this.loop().catch(() => {
      this.busy = false;
    });
  }

  /**
   * Processes queued events and complete packets one at a time. `busy` is cleared in the same synchronous step
   * that finds no work, so bytes arriving afterwards always start a new loop.
   */
  private async loop(): Promise<void> {
    for (;;) {
      if (this.closed) break;
      const ev = this.outEvents.shift();
      if (ev) {
        if (ev.opcode === REINIT_MARKER) this.reinitAfterReboot();
        else await this.transmit(ev);
        continue;
      }
      const p = this.nextPacket();
      if (!p) break;
      if ('nak' in p) await this.reply(p.req, { nak: p.nak });
      else await this.execute(p.req);
    }
    this.busy = false;
  }

  /** One step of the receive state machine; returns work to do, or null when more bytes are needed. */
  private nextPacket(): { req: Packet } | { req: Packet; nak: number } | null {
    const b = this.rx;
    for (;;) {
      let p = 0;
      while (p < this.rxLen && !(b[p] === 0xaa && (p + 1 >= this.rxLen || b[p + 1] === 0xd5))) p++;
      if (p) this.drop(p);
      if (this.rxLen < 10) return null;
      const hdr = { seq: b[2]!, chan: b[3]!, flags: b[4]!, opcode: b[5]!, payload: new Uint8Array(0) };
      const n = b[6]! | (b[7]! << 8);
      if (!this.headerOk(0)) {
        this.stats.checksum++;
        this.drop(1);
        continue;
      }
      if (n > this.caps.maxPayload) {
        this.drop(1);
        return { req: hdr, nak: STATUS.OVERFLOW };
      }
      const statusPkt = (hdr.flags & (FLAG.ACK | FLAG.NAK)) !== 0;
      const seqFree =
        hdr.opcode === OPCODE.PROTO_SYNC ||
        hdr.opcode === OPCODE.SYS_EVENT ||
        hdr.opcode === OPCODE.CHANNEL_EVENT;
      if (this.caps.seq && !statusPkt && !seqFree && hdr.seq !== this.sequence) {
        this.stats.sequence++;
        this.drop(1);
        return { req: hdr, nak: STATUS.SEQUENCE };
      }
      const total = 10 + (n > 0 ? n + 4 : 0);
      if (this.rxLen < total) {
        // SYNC_RECOVERY: an embedded zero-length SYNC wins over a packet that never completes.
        for (let i = 1; i + 10 <= this.rxLen; i++) {
          if (this.isZeroSync(i)) {
            this.drop(i);
            return this.nextPacket();
          }
        }
        return null;
      }
      hdr.payload = b.slice(10, 10 + n);
      const pcrc =
        n > 0 ? (b[10 + n]! | (b[11 + n]! << 8) | (b[12 + n]! << 16) | (b[13 + n]! << 24)) >>> 0 : 0;
      this.drop(total);
      this.stats.received++;
      if (n > 0 && this.caps.crc && crc32(hdr.payload) !== pcrc) {
        this.stats.checksum++;
        return { req: hdr, nak: STATUS.CHECKSUM };
      }
      if (hdr.opcode <= 0x14 && hdr.chan !== 0) return { req: hdr, nak: STATUS.INVALID };
      if (statusPkt) continue; // ACK/NAK outside a wait: ignored
      return { req: hdr };
    }
  }

  // ---------------------------------------------------------------- send (§2.4, §2.5)

  private async rawSend(bytes: Uint8Array): Promise<boolean> {
    if (!this.link || this.closed) return false;
    try {
      await this.link.send(bytes);
      return true;
    } catch {
      this.stats.transport++;
      return false;
    }
  }

  private encode(p: Packet): Uint8Array {
    const bytes = encodePacket(p);
    if (!this.caps.crc) {
      bytes[8] = 0;
      bytes[9] = 0;
    }
    return bytes;
  }

  /** Sends one packet with the current counter; waits for the ACK when ACK_REQ. False = transfer abandoned. */
  protected async transmit(p: Packet): Promise<boolean> {
    const event = (p.flags & FLAG.EVENT) !== 0;
    const status = (p.flags & (FLAG.ACK | FLAG.NAK)) !== 0;
    const wantAck = this.caps.ack && !event && !status;
    const pkt: Packet = { ...p, seq: this.sequence, flags: p.flags | (wantAck ? FLAG.ACK_REQ : 0) };
    const bytes = this.encode(pkt);
    const ok = await this.rawSend(bytes);
    if (event) this.stats.events++;
    else {
      this.stats.sent++;
      this.sequence = (this.sequence + 1) & 0xff;
    }
    if (!ok || !wantAck) return ok;
    const crcAtSend = this.caps.crc;
    const rtxBytes = crcAtSend ? this.encode({ ...pkt, flags: pkt.flags | FLAG.RTX }) : bytes;
    let timeout = RTX_TIMEOUT_MS;
    let nakked = false;
    for (let attempt = 0; ; attempt++) {
      const r = nakked ? 'nak' : await this.waitAck(pkt.opcode, pkt.seq, timeout);
      if (r === 'ack') return true;
      if (r === 'sync' || r === 'closed') return false;
      // 'nak': the firmware never clears the failed state, so the remaining retries go out back to back.
      if (r === 'nak') nakked = true;
      if (attempt >= RTX_RETRIES) {
        this.protocolReset();
        return false;
      }
      this.stats.retransmits++;
      await this.rawSend(rtxBytes);
      timeout *= 2;
    }
  }

  private waitAck(opcode: number, seq: number, timeoutMs: number): Promise<AckResult> {
    return new Promise<AckResult>((resolve) => {
      let done = false;
      const finish = (r: AckResult): void => {
        if (done) return;
        done = true;
        this.ackWait = null;
        resolve(r);
      };
      this.ackWait = { opcode, seq, resolve: finish };
      this.scanWaitAck();
      if (!done) void this.clock.sleep(timeoutMs).then(() => finish('timeout'));
    });
  }

  /** A reply (ACK, NAK or data) to `req`; data is fragmented at `chunk` (default max_payload). */
  protected async reply(
    req: Packet,
    r: { ack: true } | { nak: number } | { data: Uint8Array; chunk?: number },
  ): Promise<boolean> {
    const base = { seq: 0, chan: req.chan, opcode: req.opcode };
    if ('ack' in r) return this.transmit({ ...base, flags: FLAG.ACK, payload: new Uint8Array(0) });
    if ('nak' in r) return this.transmit({ ...base, flags: FLAG.NAK, payload: u16(r.nak) });
    const chunk = r.chunk ?? this.caps.maxPayload;
    const d = r.data;
    if (d.length <= chunk) return this.transmit({ ...base, flags: 0, payload: d });
    for (let o = 0; o < d.length; o += chunk) {
      const last = o + chunk >= d.length;
      const ok = await this.transmit({
        ...base,
        flags: last ? 0 : FLAG.FRAGMENT,
        payload: d.subarray(o, o + chunk),
      });
      if (!ok) return false;
    }
    return true;
  }

  protected queueEvent(chan: number, opcode: number, payload?: Uint8Array): void {
    if (!this.caps.events || !this.active || !this.link) return;
    this.outEvents.push({ seq: 0, chan, flags: FLAG.EVENT, opcode, payload: payload ?? new Uint8Array(0) });
    this.kick();
  }
}
