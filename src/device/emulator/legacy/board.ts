/**
 * Emulated legacy OpenMV board (firmware ≤ 4.8.1, "usbdbg"; protocol.md §3, §7 item 13) behind either USB framing:
 *
 * - `stm32`: every host write is one USB OUT transfer, cut into 64-byte packets; each packet is handled as a unit
 *   (command if byte 0 is 0x30 and no data phase is pending, otherwise data; a zero-length packet re-runs the stale
 *   command in the packet buffer; an over-long data write wraps the remaining-length counter; a D→H length more than
 *   one packet beyond the reply swallows the following OUT bytes as data).
 * - `tinyusb`: a 512-byte RX FIFO read in 6-byte chunks, one chunk per USB event (OUT transfer received, IN reply
 *   completed, or SOF during the ~16 ms after DTR rises); chunks whose byte 0 is not 0x30 are dropped; the OUT endpoint
 *   is re-armed only when the FIFO is empty, so leftover bytes block every later host write; a data phase stalled for
 *   1 s is abandoned; SCRIPT_EXEC while a script runs leaves its data in the FIFO.
 *
 * Recovery is modelled by `setBaud()`: any baud other than 921600 / 12 000 000 turns debug mode off (FIFO flushed to
 * the "REPL", pending data phase cleared, text buffer cleared); `closePort()` discards host writes not yet taken.
 *
 * The camera is a frame source callback; the VM is a fake that prints the literal `print("...")` lines of a script,
 * keeps running if the script has a `while` loop, and prints a KeyboardInterrupt + soft reboot on SCRIPT_STOP.
 */
import { systemClock, type Clock } from '../../../format/clock';
import type { ByteLink } from '../../protocol/link';
import { utf8Encode, Utf8Decoder } from '../../protocol/utf8';
import { CMD, OP, STATE, readU32, sizeField, u32 } from '../../protocol/legacy/wire';

export interface LegacyBoardFrame {
  width: number;
  height: number;
  pixformat: number;
  data: Uint8Array;
}

export interface LegacyBoardOptions {
  framing: 'stm32' | 'tinyusb';
  /** Called when the board needs a new frame (script running, stream enabled); null = none yet. */
  frameSource: () => LegacyBoardFrame | null;
  clock?: Clock;
  firmware?: [number, number, number];
  /** ARCH_STR text (without NUL). */
  arch?: string;
  sensorId?: number;
  /** Text ring size (holds size − 1 bytes). */
  textRing?: number;
  /** Minimum spacing of frames reported by GET_STATE (firmware: 50 ms, "limit to 20 Hz"). */
  frameIntervalMs?: number;
}

const DEBUG_BAUDS = new Set([921600, 12000000]);
const STM32_PACKET = 64;
const TUSB_FIFO = 512;
const TUSB_SOF_WINDOW_MS = 16;
const TUSB_DATA_TIMEOUT_MS = 1000;

export class LegacyBoard {
  readonly framing: 'stm32' | 'tinyusb';
  /** Device→host bytes (one call per reply). */
  onTx: (bytes: Uint8Array) => void = () => undefined;
  /** Script lines printed by the fake VM (for tests). */
  readonly log: string[] = [];

  private readonly clock: Clock;
  private readonly opts: LegacyBoardOptions;
  private readonly fw: [number, number, number];
  private readonly arch: string;

  // protocol state (usbdbg.c)
  debugMode = true;
  running = false;
  fbEnabled = false;
  private cmd = 0;
  private xferLength = 0;
  private xferTotal = 0;
  private xferData: number[] = [];
  private xferStarted = 0;
  private lastPacket = new Uint8Array(0);
  private frame: LegacyBoardFrame | null = null;
  private frameSize = { w: 0, h: 0, size: 0 };
  private locked = false;
  private lastReport = -Infinity;
  private staleBuffer = new Uint8Array(0);

  // text ring
  private ring: Uint8Array;
  private head = 0;
  private tail = 0;

  // TinyUSB
  private fifo: number[] = [];
  private pending: Uint8Array[] = [];
  private dtrAt = -Infinity;

  constructor(opts: LegacyBoardOptions) {
    this.opts = opts;
    this.framing = opts.framing;
    this.clock = opts.clock ?? systemClock;
    this.fw = opts.firmware ?? [4, 8, 1];
    this.arch =
      opts.arch ??
      (opts.framing === 'stm32'
        ? 'OMV4 H7 1024 [H7:CCBBAA998877665544332211]'
        : 'OMVRT1060 32768 SDRAM [IMXRT1060:0D0C0B0A01F0EEDD44332211]');
    this.ring = new Uint8Array(opts.textRing ?? 512);
  }

  /** Connects the board to a link: every received chunk is one host write, replies are sent back. */
  attach(link: ByteLink): void {
    this.onTx = (b) => void link.send(b).catch(() => undefined);
    link.listen(
      (b) => this.write(b),
      () => this.closePort(),
    );
  }

  // ---------------------------------------------------------------- line state

  /** Host opened the port / raised DTR (TinyUSB: SOF events run the debug task for ~16 ms). */
  openPort(): void {
    this.dtrAt = this.clock.now();
    if (this.framing === 'tinyusb') this.runTask(Infinity);
  }

  /** Host closed the port: writes not yet taken by the device are discarded (URBs cancelled). */
  closePort(): void {
    this.pending = [];
  }

  /** SET_LINE_CODING. */
  setBaud(baud: number): void {
    const on = DEBUG_BAUDS.has(baud);
    if (!on) {
      // debug mode off: RX FIFO consumed as REPL input, data phase cleared
      this.fifo = [];
      this.xferLength = 0;
      this.xferData = [];
      if (this.framing === 'tinyusb') this.acceptPending();
    }
    this.clearText();
    this.debugMode = on;
  }

  // ---------------------------------------------------------------- text / VM

  /** Appends script output to the text ring (characters beyond its capacity are lost). */
  print(text: string): void {
    for (const b of utf8Encode(text)) {
      const next = (this.head + 1) % this.ring.length;
      if (next === this.tail) return;
      this.ring[this.head] = b;
      this.head = next;
    }
  }

  private clearText(): void {
    this.head = this.tail = 0;
  }

  private textLen(): number {
    return (this.head - this.tail + this.ring.length) % this.ring.length;
  }

  /** STM32 reports only the contiguous part up to the ring end. */
  private textContiguous(): number {
    return this.head >= this.tail ? this.head - this.tail : this.ring.length - this.tail;
  }

  private takeText(n: number): Uint8Array {
    const k = Math.min(n, this.textLen());
    const out = new Uint8Array(k);
    for (let i = 0; i < k; i++) {
      out[i] = this.ring[this.tail]!;
      this.tail = (this.tail + 1) % this.ring.length;
    }
    return out;
  }

  private startScript(source: Uint8Array): void {
    const text = new Utf8Decoder().decode(source, true);
    this.running = true;
    this.log.push(`script starts (${source.length} B)`);
    for (const m of text.matchAll(/print\(\s*"([^"]*)"\s*\)/g)) this.print(m[1] + '\r\n');
    if (!/\bwhile\b/.test(text)) this.softReboot();
  }

  private softReboot(): void {
    this.running = false;
    this.releaseFrame();
    this.print('MPY: soft reboot\r\n');
  }

  private stopScript(): void {
    if (!this.running) return;
    this.clearText();
    this.print(
      'Traceback (most recent call last):\r\n  File "<stdin>", in <module>\r\nKeyboardInterrupt: \r\n',
    );
    this.softReboot();
  }

  // ---------------------------------------------------------------- frames

  private releaseFrame(): void {
    this.locked = false;
    this.frameSize = { w: 0, h: 0, size: 0 };
  }

  /** Tries to lock a fresh frame for the host; `limit` applies the 20 Hz rule of GET_STATE. */
  private lockFrame(limit: boolean): boolean {
    if (this.locked || !this.fbEnabled || !this.running) return false;
    const now = this.clock.now();
    if (limit && now - this.lastReport < (this.opts.frameIntervalMs ?? 50)) return false;
    const f = this.opts.frameSource();
    if (!f) return false;
    this.frame = f;
    this.frameSize = { w: f.width, h: f.height, size: sizeField(f.pixformat, f.data.length) };
    this.locked = true;
    this.lastReport = now;
    return true;
  }

  private dump(n: number): Uint8Array {
    const out = new Uint8Array(n);
    if (this.frame) {
      const d = this.frame.data;
      if (this.staleBuffer.length < d.length) this.staleBuffer = new Uint8Array(d.length);
      this.staleBuffer.set(d);
    }
    out.set(this.staleBuffer.subarray(0, Math.min(n, this.staleBuffer.length)));
    this.frame = null;
    this.releaseFrame();
    return out;
  }

  // ---------------------------------------------------------------- command handling (usbdbg.c)

  /** usbdbg_control + data_in: returns the reply for a D→H command (null if none), or arms a H→D data phase. */
  private control(op: number, length: number): Uint8Array | null {
    this.cmd = op;
    if (op & 0x80) {
      switch (op) {
        case OP.FW_VERSION:
          return Uint8Array.from([...u32(this.fw[0]), ...u32(this.fw[1]), ...u32(this.fw[2])]);
        case OP.FRAME_SIZE: {
          this.lockFrame(false);
          const { w, h, size } = this.locked ? this.frameSize : { w: 0, h: 0, size: 0 };
          return Uint8Array.from([...u32(w), ...u32(h), ...u32(size)]);
        }
        case OP.FRAME_DUMP:
          return this.dump(length);
        case OP.ARCH_STR: {
          const b = new Uint8Array(64);
          b.set(utf8Encode(this.arch).subarray(0, 63));
          return b;
        }
        case OP.SCRIPT_RUNNING:
          return u32(this.running ? 1 : 0);
        case OP.TX_BUF_LEN:
          return u32(this.framing === 'stm32' ? this.textContiguous() : this.textLen());
        case OP.TX_BUF: {
          const t = this.takeText(length);
          if (this.framing === 'tinyusb' || t.length === length) return t;
          const out = new Uint8Array(length); // STM32 over-read: stale bytes, as many future ones lost
          out.set(t);
          return out;
        }
        case OP.SENSOR_ID:
          return u32(this.opts.sensorId ?? 0x77);
        case OP.GET_STATE: {
          const n = this.framing === 'tinyusb' ? Math.min(length, 512) : Math.min(length, STM32_PACKET);
          if (n < 16) return new Uint8Array(n);
          const out = new Uint8Array(n);
          const fresh = this.lockFrame(true);
          const text = this.takeText(n - 17);
          let flags = 0;
          if (this.running) flags |= STATE.RUNNING;
          if (text.length) flags |= STATE.TEXT;
          if (fresh) {
            flags |= STATE.FRAME;
            out.set(u32(this.frameSize.w), 4);
            out.set(u32(this.frameSize.h), 8);
            out.set(u32(this.frameSize.size), 12);
          }
          out.set(u32(flags), 0);
          out.set(text, 16);
          return out;
        }
        default:
          return null; // unknown D→H: no reply (LEARN_MTU, PROFILE_*)
      }
    }
    switch (op) {
      case OP.SCRIPT_STOP:
        this.stopScript();
        break;
      case OP.SYS_RESET:
      case OP.SYS_RESET_TO_BL:
        this.stopScript();
        this.clearText();
        break;
    }
    this.xferLength = length;
    this.xferTotal = length;
    this.xferData = [];
    this.xferStarted = this.clock.now();
    return null;
  }

  /** usbdbg_data_out: the complete data phase of a H→D command. */
  private dataDone(op: number, data: Uint8Array): void {
    switch (op) {
      case OP.SCRIPT_EXEC:
        if (!this.running) this.startScript(data);
        break;
      case OP.FB_ENABLE:
        this.fbEnabled = readU32(Uint8Array.from([...data, 0, 0, 0, 0]), 0) !== 0;
        if (!this.fbEnabled) this.releaseFrame();
        break;
    }
  }

  private reply(b: Uint8Array | null): void {
    if (b && b.length) this.onTx(b);
  }

  // ---------------------------------------------------------------- host writes

  /** One host write (= one USB OUT transfer). */
  write(bytes: Uint8Array): void {
    if (this.framing === 'stm32') this.writeStm32(bytes);
    else this.writeTinyUsb(bytes);
  }

  private writeStm32(bytes: Uint8Array): void {
    if (bytes.length === 0) return this.packetStm32(bytes);
    for (let i = 0; i < bytes.length; i += STM32_PACKET)
      this.packetStm32(bytes.subarray(i, i + STM32_PACKET));
  }

  private packetStm32(p: Uint8Array): void {
    if (!this.debugMode) return;
    if (this.xferLength > 0) {
      // data phase: the whole packet is data; the u32 counter wraps on an over-long write
      for (const b of p) this.xferData.push(b);
      const before = this.xferLength;
      this.xferLength = (this.xferLength - p.length) >>> 0;
      if (p.length >= before) {
        const data = Uint8Array.from(this.xferData.slice(0, this.xferTotal));
        this.xferData = [];
        if (p.length === before) this.xferLength = 0;
        this.dataDone(this.cmd, data);
      }
      return;
    }
    // a zero-length packet leaves the previous packet in the buffer: the stale command runs again
    const pkt = p.length === 0 ? this.lastPacket : p;
    if (p.length) this.lastPacket = Uint8Array.from(p);
    if (pkt.length < 6 || pkt[0] !== CMD) return;
    const op = pkt[1]!;
    const length = readU32(pkt, 2);
    const r = this.control(op, length);
    if (op & 0x80) {
      this.xferLength = 0;
      this.reply(r);
      const written = r ? r.length : 0;
      // Variable-length handlers (GET_STATE, unknown opcodes) leave the rest of the requested length pending: when
      // the next IN packet gets nothing the chain stalls and that many later OUT bytes are taken as data.
      // Fixed-size replies (FW_VERSION, FRAME_SIZE, ...) zero the counter instead.
      const variable = op === OP.GET_STATE || r === null;
      if (variable && length > written + STM32_PACKET) {
        this.cmd = 0;
        this.xferLength = length - written - STM32_PACKET;
        this.xferData = [];
      }
    }
    // SCRIPT_EXEC while a script runs: the data phase is consumed and ignored (dataDone)
  }

  private writeTinyUsb(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.acceptPending();
  }

  /** The OUT endpoint is armed only while the RX FIFO is empty. */
  private acceptPending(): void {
    while (this.fifo.length === 0 && this.pending.length) {
      const w = this.pending.shift() ?? new Uint8Array(0);
      for (const b of w.subarray(0, TUSB_FIFO)) this.fifo.push(b);
      if (w.length > TUSB_FIFO) this.pending.unshift(w.subarray(TUSB_FIFO));
      if (!this.debugMode) {
        this.fifo = [];
        continue;
      }
      this.runTask(this.clock.now() - this.dtrAt < TUSB_SOF_WINDOW_MS ? Infinity : 1);
    }
  }

  /** Runs the debug task for `events` USB events (each reads one 6-byte chunk or streams a data phase). */
  private runTask(events: number): void {
    let budget = events;
    while (budget > 0 && this.fifo.length > 0) {
      budget--;
      if (this.xferLength > 0 && !(this.cmd & 0x80)) {
        if (this.clock.now() - this.xferStarted > TUSB_DATA_TIMEOUT_MS) {
          this.xferLength = 0; // stalled data phase abandoned
          budget++;
          continue;
        }
        if (this.cmd === OP.SCRIPT_EXEC && this.running) {
          // usbdbg_data_out consumed 0 bytes: they stay in the FIFO and are parsed as headers later
          this.xferLength = 0;
          continue;
        }
        const k = Math.min(this.xferLength, this.fifo.length);
        for (const b of this.fifo.splice(0, k)) this.xferData.push(b);
        this.xferLength -= k;
        if (this.xferLength === 0) {
          const data = Uint8Array.from(this.xferData);
          this.xferData = [];
          this.dataDone(this.cmd, data);
        }
        continue;
      }
      if (this.fifo.length < 6) break;
      const chunk = Uint8Array.from(this.fifo.splice(0, 6));
      if (chunk[0] !== CMD) continue;
      const op = chunk[1]!;
      const r = this.control(op, readU32(chunk, 2));
      if (op & 0x80) {
        this.xferLength = 0;
        if (r && r.length) {
          this.reply(r);
          budget++; // the IN transfer completing is another USB event
        }
      }
    }
    if (this.fifo.length === 0) this.acceptPending();
  }
}
