/**
 * The board side of the 5.x channel protocol (protocol.md §2), written against the spec, not against our host code:
 * receive state machine (§2.14), one sequence counter (§2.4), ACK/NAK/RTX and protocol reset (§2.5), capabilities,
 * fragmentation (§2.6), opcodes (§2.7, §2.9), channels (§2.10), events (§2.11), the stream channel (§2.12) and the
 * script lifecycle with soft reboot (§2.13). Pure: no DOM, no Node; time comes from the injected Clock.
 */
import { crc16, crc32 } from '../protocol/crc';
import { encodePacket, FLAG, OPCODE, STATUS, type Packet } from '../protocol/packet';
import type { ByteLink } from '../protocol/link';
import { utf8Decode, utf8Encode } from '../protocol/utf8';
import type { Clock } from '../../format/clock';
import { systemClock } from '../../format/clock';
import { Image } from '../../format/image';
import { PIXFORMAT } from '../../format/pixformat';
import { encodeJpeg } from '../../format/jpeg/index';
import { PROFILES, type BoardModel, type BoardProfile } from './profiles';
import { parseScript, type Script } from './script';
import type { FrameSource } from './frames';

export { PROFILES, type BoardModel, type BoardProfile };

const CH = { USB: 0, STDIN: 1, STDOUT: 2, STREAM: 3 } as const;
const CH_FLAG = {
  READ: 0x01,
  WRITE: 0x02,
  EXEC: 0x04,
  LOCK: 0x08,
  STREAM: 0x10,
  DYNAMIC: 0x20,
  PHYSICAL: 0x40,
};
const CAP = { CRC: 1, SEQ: 2, ACK: 4, EVENTS: 8 } as const;
/** §2.5 / §2.15. */
const RTX_TIMEOUT_MS = 500;
const RTX_RETRIES = 3;
const MIN_LOCK_INTERVAL_MS = 10;
const STDOUT_NOTIFY_MS = 50;
const FRAME_HEADER_SIZE = 32;
/** Queue marker: re-initialise after the soft-reboot events went out with the old counter. */
const REINIT_MARKER = 0x100;
const SYS_EVENT = { CHANNEL_REGISTERED: 0, SOFT_REBOOT: 2 } as const;

interface Caps {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
}

/** A user channel a "script" registers (§2.10 `protocol.register`). */
export interface UserChannel {
  name: string;
  flags: number;
  poll?(): boolean;
  size?(): number;
  read?(offset: number, length: number): Uint8Array;
  write?(offset: number, data: Uint8Array): number;
}

export interface BoardOptions {
  model?: BoardModel;
  clock?: Clock;
  /** Frames for scripts that call `snapshot()`/`flush()`. */
  source?: FrameSource;
  /**
   * When true (default) the board runs scripts, the stdout 50 ms NOTIFY tick and its own frame timing. When false
   * the test drives everything (`pushFrame`, `print`, `notifyStdout`, `scriptStarted/Ended`): used for transcripts.
   */
  autonomous?: boolean;
  /** Start as if main.py were running (its end sends stdin event 0 only, no soft reboot; §2.13). */
  mainPyRunning?: boolean;
  /** A main.py to run at boot (autonomous only), e.g. STREAMING_SCRIPT: the camera streams without an upload. */
  mainPy?: string;
  /** §7.1 activation gate: inactive until `setLineState(921600, true)` when false. Default true. */
  active?: boolean;
  /** With `active: false`: the first bytes received activate the protocol (links without line state). */
  activateOnFirstBytes?: boolean;
  /** Called with every frame written to the stream buffer (header + data). */
  onFrame?: (frame: Uint8Array) => void;
}

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

/**
 * The emulated camera. Attach it to the board end of a ByteLink; the other end is what a host session talks to.
 */
export class EmulatedBoard {
  readonly profile: BoardProfile;
  private readonly clock: Clock;
  private readonly autonomous: boolean;
  private link: ByteLink | null = null;
  private active: boolean;
  private closed = false;

  // receive state (§2.14)
  private rx: Uint8Array;
  private rxLen = 0;
  private busy = false;
  private readonly outEvents: Packet[] = [];
  private ackWait: { opcode: number; seq: number; resolve: (r: AckResult) => void } | null = null;

  // protocol state
  private caps!: Caps;
  private sequence = 0;
  private lastLockAt = -Infinity;
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

  // stdin / script
  private upload: number[] = [];
  private scriptState: 'none' | 'main' | 'stdin' = 'none';
  private stopRequested = false;
  private runGen = 0;
  private readonly source: FrameSource | undefined;

  // stdout ring (§2.10): holds ring − 1 bytes, survives soft reboots
  private stdout: number[] = [];
  private stdoutHalfNotified = false;
  private stdoutTicking = false;

  // stream (§2.12)
  private streamEnabled = false;
  private raw = { enabled: false, w: 0, h: 0 };
  private frame: Uint8Array | null = null;
  /** The frame last counted in `stats.framesLocked`. */
  private lockedFrame: Uint8Array | null = null;
  private frameShape: number[] = [];
  private hostLocked = false;
  private cameraLastOwner = false;
  private quality: number;
  private lowQualityFrames = 0;
  private fps = 0;
  private lastPreviewAt = -1;

  private userChannels = new Map<number, UserChannel>();

  constructor(opts: BoardOptions = {}) {
    this.profile = PROFILES[opts.model ?? 'H7 Plus'];
    this.clock = opts.clock ?? systemClock;
    this.autonomous = opts.autonomous ?? true;
    this.active = opts.active ?? true;
    this.source = opts.source;
    this.rx = new Uint8Array(this.profile.bufferSize);
    this.quality = (this.profile.jpeg.low + this.profile.jpeg.high) >> 1;
    this.initDefaults();
    if (opts.mainPyRunning) this.scriptState = 'main';
    this.mainPy = opts.mainPy;
    this.activateOnFirstBytes = opts.activateOnFirstBytes ?? false;
    this.onFrame = opts.onFrame;
  }
  private readonly activateOnFirstBytes: boolean;
  private readonly onFrame: ((frame: Uint8Array) => void) | undefined;
  private readonly mainPy: string | undefined;

  /** Connects the board end of a link. */
  attach(link: ByteLink): this {
    this.link = link;
    link.listen(
      (bytes) => this.onBytes(bytes),
      () => {
        this.closed = true;
        this.ackWait?.resolve('closed');
      },
    );
    if (this.mainPy !== undefined && this.autonomous && this.scriptState === 'none')
      this.startScript(this.mainPy, 'main');
    return this;
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
    this.runGen++;
    this.ackWait?.resolve('closed');
  }

  get sequenceCounter(): number {
    return this.sequence;
  }
  get capabilities(): Readonly<Caps> {
    return this.caps;
  }
  get streaming(): boolean {
    return this.streamEnabled;
  }
  get scriptRunning(): boolean {
    return this.scriptState !== 'none';
  }

  // ---------------------------------------------------------------- defaults / resets

  private initDefaults(): void {
    this.caps = { crc: true, seq: true, ack: true, events: true, maxPayload: this.profile.maxPayload };
    this.sequence = 0;
  }

  /** Protocol reset (§2.5): SYNC or exhausted retransmissions. */
  private protocolReset(clearRx = true): void {
    this.initDefaults();
    this.hostLocked = false;
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

  private kick(): void {
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
  private async transmit(p: Packet): Promise<boolean> {
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
  private async reply(
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

  private queueEvent(chan: number, opcode: number, payload?: Uint8Array): void {
    if (!this.caps.events || !this.active || !this.link) return;
    this.outEvents.push({ seq: 0, chan, flags: FLAG.EVENT, opcode, payload: payload ?? new Uint8Array(0) });
    this.kick();
  }

  // ---------------------------------------------------------------- opcodes (§2.7, §2.9)

  private async execute(req: Packet): Promise<void> {
    const P = this.profile;
    switch (req.opcode) {
      case OPCODE.PROTO_SYNC: {
        this.sequence = 0;
        await this.reply(req, { ack: true });
        // Bytes pipelined after a normal SYNC are kept; a recovery SYNC already dropped what preceded it.
        this.protocolReset(false);
        return;
      }
      case OPCODE.PROTO_GET_CAPS: {
        const c = new Uint8Array(16);
        const dv = view(c);
        dv.setUint32(0, capsFlags(this.caps), true);
        dv.setUint16(4, this.caps.maxPayload, true);
        await this.reply(req, { data: c });
        return;
      }
      case OPCODE.PROTO_SET_CAPS: {
        const pl = req.payload;
        if (pl.length !== 16) return void (await this.reply(req, { nak: STATUS.INVALID }));
        const dv = view(pl);
        const flags = dv.getUint32(0, true);
        const mp = dv.getUint16(4, true);
        if (mp < 50 || mp > P.maxPayload) return void (await this.reply(req, { nak: STATUS.INVALID }));
        await this.reply(req, { ack: true }); // ACK first, with the old settings
        this.caps = {
          crc: !!(flags & CAP.CRC),
          seq: !!(flags & CAP.SEQ),
          ack: !!(flags & CAP.ACK),
          events: !!(flags & CAP.EVENTS),
          maxPayload: mp,
        };
        return;
      }
      case OPCODE.PROTO_STATS: {
        const s = new Uint8Array(32);
        const dv = view(s);
        const st = this.stats;
        [st.sent, st.received, st.checksum, st.sequence, st.retransmits, st.transport, st.events, 0].forEach(
          (v, i) => dv.setUint32(i * 4, v >>> 0, true),
        );
        await this.reply(req, { data: s });
        return;
      }
      case OPCODE.PROTO_VERSION: {
        const v = new Uint8Array(16);
        v.set(P.version.protocol, 0);
        v.set(P.version.bootloader, 3);
        v.set(P.version.firmware, 6);
        await this.reply(req, { data: v });
        return;
      }
      case OPCODE.SYS_RESET:
      case OPCODE.SYS_BOOT:
        // No reply; the USB device disappears (§2.13 Reset).
        this.stop();
        await this.link?.close();
        return;
      case OPCODE.SYS_INFO: {
        const s = new Uint8Array(76);
        const dv = view(s);
        dv.setUint32(0, P.cpuId, true);
        P.uid.forEach((w, i) => dv.setUint32(4 + i * 4, w, true));
        dv.setUint32(16, P.usbId, true);
        P.chipIds.forEach((w, i) => dv.setUint32(20 + i * 4, w, true));
        dv.setUint32(40, P.hwCaps[0], true);
        dv.setUint32(44, P.hwCaps[1], true);
        dv.setUint32(60, P.streamKiB, true);
        await this.reply(req, { data: s });
        return;
      }
      case OPCODE.SYS_MEMORY: {
        const m = new Uint8Array(4 + 2 * 24);
        const dv = view(m);
        m[0] = 2;
        const heaps = [
          [0, 0, 256 * 1024, 64 * 1024],
          [1, 0, 4 * 1024 * 1024, 1024 * 1024],
        ] as const;
        heaps.forEach(([type, flags, total, used], i) => {
          const o = 4 + i * 24;
          m[o] = type;
          dv.setUint16(o + 2, flags, true);
          dv.setUint32(o + 4, total, true);
          dv.setUint32(o + 8, used, true);
          dv.setUint32(o + 12, total - used, true);
          dv.setUint32(o + 16, 0, true);
          dv.setUint32(o + 20, used, true);
        });
        await this.reply(req, { data: m });
        return;
      }
      case OPCODE.CHANNEL_LIST: {
        const list = this.channelList();
        const out = new Uint8Array(list.length * 16);
        list.forEach(([id, flags, name], i) => {
          out[i * 16] = id;
          out[i * 16 + 1] = flags;
          for (let k = 0; k < Math.min(13, name.length); k++) out[i * 16 + 2 + k] = name.charCodeAt(k);
        });
        await this.reply(req, { data: out });
        return;
      }
      case OPCODE.CHANNEL_POLL: {
        let mask = 0;
        if (this.scriptState !== 'none') mask |= 1 << CH.STDIN;
        if (this.stdout.length) mask |= 1 << CH.STDOUT;
        if (this.frame) mask |= 1 << CH.STREAM;
        for (const [id, ch] of this.userChannels) if (ch.poll?.()) mask |= 1 << id;
        await this.reply(req, { data: u32(mask) });
        return;
      }
      default:
        if (req.opcode >= OPCODE.CHANNEL_LOCK && req.opcode <= OPCODE.CHANNEL_IOCTL)
          return this.channelOp(req);
        await this.reply(req, { nak: STATUS.INVALID });
    }
  }

  private channelList(): [number, number, string][] {
    const l: [number, number, string][] = [
      [CH.USB, CH_FLAG.PHYSICAL, 'usb'],
      [CH.STDIN, CH_FLAG.WRITE | CH_FLAG.EXEC, 'stdin'],
      [CH.STDOUT, CH_FLAG.READ, 'stdout'],
      [CH.STREAM, CH_FLAG.READ | CH_FLAG.LOCK | CH_FLAG.STREAM, 'stream'],
    ];
    for (const [id, ch] of this.userChannels) l.push([id, ch.flags | CH_FLAG.DYNAMIC, ch.name]);
    return l;
  }

  private async channelOp(req: Packet): Promise<void> {
    const ch = req.chan;
    const NAK = (s: number): Promise<boolean> => this.reply(req, { nak: s });
    if (ch === CH.USB || (ch > CH.STREAM && !this.userChannels.has(ch)))
      return void (await NAK(STATUS.INVALID));
    const user = this.userChannels.get(ch);
    const pl = req.payload;
    switch (req.opcode) {
      case OPCODE.CHANNEL_LOCK: {
        if (ch !== CH.STREAM) return void (await NAK(STATUS.BUSY));
        const now = this.clock.now();
        if (this.hostLocked || !this.frame || now - this.lastLockAt < MIN_LOCK_INTERVAL_MS)
          return void (await NAK(STATUS.BUSY));
        this.hostLocked = true;
        this.cameraLastOwner = false;
        this.lastLockAt = now;
        if (this.lockedFrame !== this.frame) {
          this.lockedFrame = this.frame;
          this.stats.framesLocked++;
        }
        await this.reply(req, { ack: true });
        return;
      }
      case OPCODE.CHANNEL_UNLOCK: {
        if (ch !== CH.STREAM || !this.hostLocked) return void (await NAK(STATUS.BUSY));
        this.hostLocked = false;
        this.frame = null; // unlock zeroes the header: SIZE 0 until the next frame
        await this.reply(req, { ack: true });
        return;
      }
      case OPCODE.CHANNEL_SHAPE: {
        if (ch !== CH.STREAM || !this.frame) return void (await NAK(STATUS.INVALID));
        const out = new Uint8Array(this.frameShape.length * 4);
        this.frameShape.forEach((v, i) => view(out).setUint32(i * 4, v, true));
        await this.reply(req, { data: out });
        return;
      }
      case OPCODE.CHANNEL_SIZE: {
        let n: number;
        if (ch === CH.STREAM) n = this.frame?.length ?? 0;
        else if (ch === CH.STDOUT) n = this.stdout.length;
        else if (user?.size) n = user.size();
        else return void (await NAK(STATUS.INVALID));
        await this.reply(req, { data: u32(n) });
        return;
      }
      case OPCODE.CHANNEL_READ: {
        const dv = view(pl);
        const offset = pl.length >= 4 ? dv.getUint32(0, true) : 0;
        const length = pl.length >= 8 ? dv.getUint32(4, true) : 0;
        if (length === 0) return void (await NAK(STATUS.INVALID));
        if (ch === CH.STREAM) {
          const f = this.frame;
          if (!f || offset + length > f.length) return void (await NAK(STATUS.FAILED));
          await this.reply(req, { data: f.subarray(offset, offset + length) });
          return;
        }
        if (ch === CH.STDOUT) return void (await this.readStdout(req, length));
        if (user?.read) {
          const d = user.read(offset, length);
          await (d.length ? this.reply(req, { data: d }) : NAK(STATUS.FAILED));
          return;
        }
        return void (await NAK(STATUS.INVALID));
      }
      case OPCODE.CHANNEL_WRITE: {
        if (pl.length < 8) return void (await NAK(STATUS.INVALID));
        const dv = view(pl);
        const offset = dv.getUint32(0, true);
        const len = dv.getUint32(4, true);
        const data = pl.subarray(8, 8 + len);
        let ret: number;
        if (ch === CH.STDIN) {
          if (offset === 0) this.upload = [];
          for (const x of data) this.upload.push(x);
          ret = data.length;
        } else if (user?.write) ret = user.write(offset, data);
        else return void (await NAK(STATUS.INVALID));
        // Success whenever the write returns non-zero, −1 included (§2.7 quirk).
        await (ret !== 0 ? this.reply(req, { ack: true }) : NAK(STATUS.FAILED));
        return;
      }
      case OPCODE.CHANNEL_IOCTL:
        return this.ioctl(req);
    }
  }

  private async ioctl(req: Packet): Promise<void> {
    const pl = req.payload;
    const NAK = (s: number): Promise<boolean> => this.reply(req, { nak: s });
    if (pl.length < 4) return void (await NAK(STATUS.INVALID));
    const dv = view(pl);
    const code = dv.getUint32(0, true);
    const args = (pl.length - 4) / 4;
    const arg = (i: number): number => dv.getUint32(4 + i * 4, true);
    if (req.chan === CH.STDIN) {
      if (code < 1 || code > 3 || pl.length !== 4) return void (await NAK(STATUS.INVALID));
      if (code === 2 && this.upload.length === 0) return void (await NAK(STATUS.FAILED));
      await this.reply(req, { ack: true });
      if (code === 1) this.stopScript();
      else if (code === 3) this.upload = [];
      else this.execUpload();
      return;
    }
    if (req.chan === CH.STREAM) {
      const want = [1, 1, 2, 1][code];
      if (want === undefined || args !== want) return void (await NAK(STATUS.INVALID));
      await this.reply(req, { ack: true });
      if (code === 0) {
        this.streamEnabled = arg(0) !== 0;
        this.hostLocked = false;
        this.cameraLastOwner = false;
        this.frame = null;
      } else if (code === 1) this.raw.enabled = arg(0) !== 0;
      else if (code === 2) {
        this.raw.w = arg(0);
        this.raw.h = arg(1);
      }
      return;
    }
    await NAK(STATUS.INVALID);
  }

  private async readStdout(req: Packet, length: number): Promise<void> {
    // Copy-style channel: chunks of min(512, max_payload), FRAGMENT set by hand; a read past the data ends in
    // NAK FAILED after the fragments (§2.6, verification notes).
    const chunk = Math.min(512, this.caps.maxPayload);
    let left = length;
    while (left > 0) {
      const n = Math.min(chunk, left);
      const got = this.stdout.splice(0, n);
      if (got.length === 0) return void (await this.reply(req, { nak: STATUS.FAILED }));
      left -= n;
      const ok = await this.transmit({
        seq: 0,
        chan: req.chan,
        opcode: req.opcode,
        flags: left > 0 ? FLAG.FRAGMENT : 0,
        payload: Uint8Array.from(got),
      });
      if (!ok) return;
    }
    if (this.stdout.length === 0) this.stdoutHalfNotified = false;
  }

  // ---------------------------------------------------------------- stdout (§2.10, §2.11)

  /** Appends console text as the script's `print` does (UTF-8). */
  print(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? utf8Encode(text) : text;
    const cap = this.profile.stdoutRing - 1;
    if (this.stdout.length + bytes.length > cap) {
      // Unread text is discarded and only the tail of the new text is kept.
      this.stdout = Array.from(bytes.subarray(Math.max(0, bytes.length - cap)));
    } else for (const x of bytes) this.stdout.push(x);
    if (!this.stdoutHalfNotified && this.stdout.length * 2 > cap) {
      this.stdoutHalfNotified = true;
      this.notifyStdout();
    }
    if (this.autonomous) this.startStdoutTick();
  }

  /** Bytes of console text waiting to be read. */
  get stdoutPending(): number {
    return this.stdout.length;
  }

  /** Sends the stdout NOTIFY event (also what the 50 ms tick does while text is pending). */
  notifyStdout(): void {
    this.queueEvent(CH.STDOUT, OPCODE.CHANNEL_EVENT);
  }

  private startStdoutTick(): void {
    if (this.stdoutTicking || this.closed) return;
    this.stdoutTicking = true;
    void (async () => {
      while (!this.closed && this.stdout.length) {
        const t0 = this.clock.now();
        await this.clock.sleep(STDOUT_NOTIFY_MS);
        if (this.clock.now() <= t0) break; // a clock that does not move: no tick
        if (this.stdout.length) this.notifyStdout();
      }
      this.stdoutTicking = false;
    })();
  }

  // ---------------------------------------------------------------- stream producer (§2.12)

  /**
   * `framebuffer_update_preview`: offers a frame to the stream. Returns false when skipped (disabled, or the host
   * has not taken the previous frame: strict alternation). JPEG images are copied as is; raw images go raw when raw
   * preview is on, else through the JPEG encoder at the adaptive quality.
   */
  pushFrame(img: Image): boolean {
    const now = this.clock.now();
    if (this.lastPreviewAt >= 0) {
      const dt = now - this.lastPreviewAt;
      if (dt > 0) this.fps = this.fps === 0 ? 1000 / dt : this.fps * 0.9 + (1000 / dt) * 0.1;
    }
    this.lastPreviewAt = now;
    if (!this.streamEnabled || this.hostLocked || this.cameraLastOwner) {
      this.stats.framesSkipped++;
      return false;
    }
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
        this.print('\x1b[40O\n');
        this.stats.framesSkipped++;
        return false;
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
          this.stats.framesSkipped++;
          return false;
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
    this.frameShape =
      pixformat === PIXFORMAT.JPEG || pixformat === PIXFORMAT.PNG ? [data.length] : [w, h, sizeField];
    this.cameraLastOwner = true;
    this.stats.framesWritten++;
    this.onFrame?.(f);
    this.queueEvent(CH.STREAM, OPCODE.CHANNEL_EVENT);
    return true;
  }

  /** The bytes currently in the stream buffer (header + data), or null. For tests. */
  get streamBuffer(): Uint8Array | null {
    return this.frame;
  }

  // ---------------------------------------------------------------- scripts (§2.13)

  /** Registers a user channel as `protocol.register()` does; sends CHANNEL_REGISTERED. */
  registerChannel(ch: UserChannel): number {
    let id = 5;
    while (this.userChannels.has(id)) id++;
    this.userChannels.set(id, ch);
    this.queueEvent(0, OPCODE.SYS_EVENT, u16(SYS_EVENT.CHANNEL_REGISTERED));
    return id;
  }

  /** stdin event 1 (a Python execution started). */
  scriptStarted(kind: 'main' | 'stdin' = 'stdin'): void {
    this.scriptState = kind;
    this.stopRequested = false;
    this.queueEvent(CH.STDIN, OPCODE.CHANNEL_EVENT, u16(1));
  }

  /** A script ended (by itself or stopped): stdin event 0, and for a stdin script SOFT_REBOOT + re-init. */
  scriptEnded(): void {
    const was = this.scriptState;
    if (was === 'none') return;
    this.scriptState = 'none';
    this.runGen++;
    this.queueEvent(CH.STDIN, OPCODE.CHANNEL_EVENT, u16(0));
    if (was === 'stdin') this.softReboot();
  }

  /** §2.13: after every soft reboot SEQ 0, default caps, user channels gone, raw default; stream enable and stdout kept. */
  softReboot(): void {
    if (this.scriptState !== 'none') {
      this.scriptState = 'none';
      this.runGen++;
    }
    this.queueEvent(0, OPCODE.SYS_EVENT, u16(SYS_EVENT.SOFT_REBOOT));
    this.upload = []; // the buffer-wipe trap: a script uploaded while the old one ran is gone
    this.print('MPY: soft reboot\n');
    // Re-init happens after the queued events went out with the old counter.
    this.outEvents.push({ seq: 0, chan: 0, flags: 0, opcode: REINIT_MARKER, payload: new Uint8Array(0) });
    this.kick();
  }

  private reinitAfterReboot(): void {
    this.initDefaults();
    this.userChannels.clear();
    this.raw = { ...this.profile.rawDefault };
    this.hostLocked = false;
    this.cameraLastOwner = false;
    this.stats.softReboots++;
  }

  private stopScript(): void {
    if (this.scriptState === 'none') return;
    this.stopRequested = true;
    if (!this.autonomous || this.scriptState === 'main') this.scriptEnded();
  }

  private execUpload(): void {
    const text = utf8Decode(Uint8Array.from(this.upload));
    if (this.scriptState === 'stdin') {
      // The running stdin script is interrupted; its end wipes the buffer, so this upload never runs (§2.13 trap).
      this.stopScript();
      return;
    }
    if (this.scriptState === 'main') this.scriptEnded();
    this.startScript(text, 'stdin');
  }

  /** Starts a script as the firmware's main loop does (stdin event 1), interpreted when autonomous. */
  startScript(text: string, kind: 'main' | 'stdin'): void {
    this.scriptStarted(kind);
    if (!this.autonomous) return;
    const script = parseScript(text);
    this.source?.configure?.({ pixformat: script.pixformat, ...script.size });
    void this.runScript(script, ++this.runGen);
  }

  private async runScript(script: Script, gen: number): Promise<void> {
    const alive = (): boolean => gen === this.runGen && !this.closed && !this.stopRequested;
    const fps = this.source?.fps ?? 30;
    const runLines = async (lines: Script['setup']): Promise<void> => {
      for (const l of lines) {
        if (!alive()) return;
        if (l.kind === 'print') this.print(l.text(this.fps) + '\n');
        else if (l.kind === 'sleep') await this.clock.sleep(l.ms);
        else if (l.kind === 'snapshot' && this.source) {
          const t0 = this.clock.now();
          const img = this.source.next(t0);
          if (l.stream) this.pushFrame(img);
          const wait = 1000 / fps - (this.clock.now() - t0);
          await this.clock.sleep(Math.max(1, wait));
        }
      }
    };
    await runLines(script.setup);
    if (script.loop) {
      while (alive()) {
        const t0 = this.clock.now();
        await runLines(script.loop);
        if (this.clock.now() === t0) await this.clock.sleep(1); // a loop that takes no time still yields
      }
    }
    if (gen === this.runGen && !this.closed) this.scriptEnded();
  }
}

function capsFlags(c: Caps): number {
  return (c.crc ? CAP.CRC : 0) | (c.seq ? CAP.SEQ : 0) | (c.ack ? CAP.ACK : 0) | (c.events ? CAP.EVENTS : 0);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff);
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  view(b).setUint32(0, v >>> 0, true);
  return b;
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
