/**
 * The opcodes of the emulated board (protocol.md §2.7, §2.9) and its channels (§2.10): usb, stdin (script upload),
 * stdout (the console ring, read in copy-style chunks), stream (§2.12, see board-stream.ts) and user channels a script
 * registers. The script lifecycle behind STDIN_STOP / STDIN_EXEC is the subclass's (board.ts).
 */
import { FLAG, OPCODE, STATUS, type Packet } from '../protocol/packet';
import { BoardLink } from './board-link';
import { StreamBuffer } from './board-stream';
import { CAP, CH, CH_FLAG, capsFlags, u32, view } from './board-wire';

/** A user channel a "script" registers (§2.10 `protocol.register`). */
export interface UserChannel {
  name: string;
  flags: number;
  poll?(): boolean;
  size?(): number;
  read?(offset: number, length: number): Uint8Array;
  write?(offset: number, data: Uint8Array): number;
}

/** The board's request handling on top of its transport. */
export abstract class BoardChannels extends BoardLink {
  protected readonly stream = new StreamBuffer(this.profile);
  /** stdin upload buffer (§2.13). */
  protected upload: number[] = [];
  // stdout ring (§2.10): holds ring − 1 bytes, survives soft reboots
  protected stdout: number[] = [];
  protected stdoutHalfNotified = false;
  protected userChannels = new Map<number, UserChannel>();

  abstract get scriptRunning(): boolean;
  /** STDIN_STOP (after its ACK). */
  protected abstract stopScript(): void;
  /** STDIN_EXEC (after its ACK). */
  protected abstract execUpload(): void;

  protected releaseLocks(): void {
    this.stream.releaseHostLock();
  }

  // ---------------------------------------------------------------- opcodes (§2.7, §2.9)

  protected async execute(req: Packet): Promise<void> {
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
        if (this.scriptRunning) mask |= 1 << CH.STDIN;
        if (this.stdout.length) mask |= 1 << CH.STDOUT;
        if (this.stream.frame) mask |= 1 << CH.STREAM;
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
        const locked = this.stream.lock(this.clock.now());
        if (!locked) return void (await NAK(STATUS.BUSY));
        if (locked.fresh) this.stats.framesLocked++;
        await this.reply(req, { ack: true });
        return;
      }
      case OPCODE.CHANNEL_UNLOCK: {
        if (ch !== CH.STREAM || !this.stream.unlock()) return void (await NAK(STATUS.BUSY));
        await this.reply(req, { ack: true });
        return;
      }
      case OPCODE.CHANNEL_SHAPE: {
        if (ch !== CH.STREAM || !this.stream.frame) return void (await NAK(STATUS.INVALID));
        const out = new Uint8Array(this.stream.shape.length * 4);
        this.stream.shape.forEach((v, i) => view(out).setUint32(i * 4, v, true));
        await this.reply(req, { data: out });
        return;
      }
      case OPCODE.CHANNEL_SIZE: {
        let n: number;
        if (ch === CH.STREAM) n = this.stream.frame?.length ?? 0;
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
          const f = this.stream.frame;
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
      this.stream.control(code, arg);
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
}
