/**
 * Packet layer of the channel protocol (protocol.md §2.1, §2.2, §2.7, §2.8): the 10-byte header, CRCs, flag bits,
 * opcodes, status codes, an encoder and an incremental, resynchronising stream parser. Pure: no I/O, no timers.
 */
import { crc16, crc32 } from './crc';

/** Header bytes: SYNC(2) SEQ CHAN FLAGS OPCODE LENGTH(2) HCRC(2). */
export const HEADER_SIZE = 10;
/** Payload CRC-32 trailer size (present only when LENGTH > 0). */
export const PCRC_SIZE = 4;
/** The sync word on the wire (u16 0xD5AA little-endian). */
export const SYNC0 = 0xaa;
export const SYNC1 = 0xd5;

/** FLAGS bits (§2.2). Bits 6-7 are reserved. */
export const FLAG = { ACK: 0x01, NAK: 0x02, RTX: 0x04, ACK_REQ: 0x08, FRAGMENT: 0x10, EVENT: 0x20 } as const;

/** Opcodes (§2.7), firmware names. */
export const OPCODE = {
  PROTO_SYNC: 0x00,
  PROTO_GET_CAPS: 0x01,
  PROTO_SET_CAPS: 0x02,
  PROTO_STATS: 0x03,
  PROTO_VERSION: 0x04,
  SYS_RESET: 0x10,
  SYS_BOOT: 0x11,
  SYS_INFO: 0x12,
  SYS_EVENT: 0x13,
  SYS_MEMORY: 0x14,
  CHANNEL_LIST: 0x20,
  CHANNEL_POLL: 0x21,
  CHANNEL_LOCK: 0x22,
  CHANNEL_UNLOCK: 0x23,
  CHANNEL_SHAPE: 0x24,
  CHANNEL_SIZE: 0x25,
  CHANNEL_READ: 0x26,
  CHANNEL_WRITE: 0x27,
  CHANNEL_IOCTL: 0x28,
  CHANNEL_EVENT: 0x29,
} as const;

/** Highest opcode that must be sent on channel 0 (§2.1). */
export const MAX_SYSTEM_OPCODE = 0x14;

/** Status codes carried as a u16 in NAK payloads (§2.8). */
export const STATUS = {
  SUCCESS: 0,
  FAILED: 1,
  INVALID: 2,
  TIMEOUT: 3,
  BUSY: 4,
  CHECKSUM: 5,
  SEQUENCE: 6,
  OVERFLOW: 7,
  FRAGMENT: 8,
  UNKNOWN: 9,
} as const;

const OPCODE_NAMES = new Map<number, string>(Object.entries(OPCODE).map(([k, v]) => [v, k]));
const STATUS_NAMES = new Map<number, string>(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** Firmware name of an opcode, or `0xNN` when unknown. */
export function opcodeName(op: number): string {
  return OPCODE_NAMES.get(op) ?? `0x${hex2(op)}`;
}

/** Name of a status code, or the number when unknown. */
export function statusName(code: number): string {
  return STATUS_NAMES.get(code) ?? String(code);
}

/** Readable flag list, e.g. `ACK_REQ|FRAGMENT`, or `-` when none. */
export function flagNames(flags: number): string {
  const names = Object.entries(FLAG)
    .filter(([, bit]) => flags & bit)
    .map(([k]) => k);
  return names.length ? names.join('|') : '-';
}

export interface Packet {
  seq: number;
  chan: number;
  flags: number;
  opcode: number;
  payload: Uint8Array;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** Encodes header + HCRC + payload + PCRC (the PCRC is absent when the payload is empty). */
export function encodePacket(p: Packet): Uint8Array {
  const n = p.payload.length;
  if (n > 0xffff) throw new RangeError(`payload of ${n} bytes does not fit a u16 length`);
  for (const [name, v] of [
    ['seq', p.seq],
    ['chan', p.chan],
    ['flags', p.flags],
    ['opcode', p.opcode],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${name} ${v} is not a byte`);
  }
  const out = new Uint8Array(HEADER_SIZE + (n > 0 ? n + PCRC_SIZE : 0));
  const dv = new DataView(out.buffer);
  out[0] = SYNC0;
  out[1] = SYNC1;
  out[2] = p.seq;
  out[3] = p.chan;
  out[4] = p.flags;
  out[5] = p.opcode;
  dv.setUint16(6, n, true);
  dv.setUint16(8, crc16(out.subarray(0, 8)), true);
  if (n > 0) {
    out.set(p.payload, HEADER_SIZE);
    dv.setUint32(HEADER_SIZE + n, crc32(p.payload), true);
  }
  return out;
}

export type ParseEvent =
  | { kind: 'packet'; packet: Packet; /** Stream offset of the packet's first byte. */ offset?: number }
  | { kind: 'error'; offset: number; byte: number; state: string; reason: string }; // offset = stream byte offset

/** Formats a parse error the way sessions record it: "offset N: byte 0xXX in state S: reason". */
export function formatParseError(e: { offset: number; byte: number; state: string; reason: string }): string {
  return `offset ${e.offset}: byte 0x${hex2(e.byte)} in state ${e.state}: ${e.reason}`;
}

/**
 * Incremental packet parser. Feed arbitrary chunks; complete packets and errors come back in stream order.
 *
 * States: SYNC (scanning for `AA D5`), HEADER (10 bytes: CRC-16 and LENGTH ≤ maxPayload), PAYLOAD (LENGTH bytes +
 * CRC-32). A bad header CRC, an oversized LENGTH or a bad payload CRC drops the first byte of the candidate packet and
 * rescans from the next byte for `AA D5` (so a real packet starting inside a corrupt one is still found). Bytes
 * skipped while looking for sync are reported once per loss of sync (state SYNC), not once per byte.
 *
 * Memory: one fixed buffer of HEADER_SIZE + maxPayload + 4 bytes, allocated up front; LENGTH is checked against
 * maxPayload before anything waits for the payload.
 */
export class PacketParser {
  private readonly maxPayload: number;
  private readonly buf: Uint8Array;
  private len = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  /** True after an error until the next good packet: skipped bytes are not reported again. */
  private lost = false;

  constructor(opts: {
    maxPayload: number;
    /** Stream offset of the first byte pushed (default 0). */ startOffset?: number;
  }) {
    this.base = opts.startOffset ?? 0;
    const m = opts.maxPayload;
    if (!Number.isInteger(m) || m < 0 || m > 0xffff) throw new RangeError(`maxPayload ${m} out of range`);
    this.maxPayload = m;
    this.buf = new Uint8Array(HEADER_SIZE + m + PCRC_SIZE);
  }

  /** Total bytes consumed so far (for offsets in errors). */
  get offset(): number {
    return this.base + this.len;
  }

  /** Bytes held waiting for the rest of a packet. */
  get pending(): number {
    return this.len;
  }

  /** Forgets buffered bytes (a resync); offsets keep counting. */
  reset(): void {
    this.base += this.len;
    this.len = 0;
    this.lost = false;
  }

  /**
   * Feeds bytes; returns every complete packet and every error found. Resyncs on the next AA D5 after a bad
   * header/CRC. Never buffers more than one max-size packet; never allocates by a length field before checking it
   * against maxPayload.
   */
  push(chunk: Uint8Array): ParseEvent[] {
    const events: ParseEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(this.buf.length - this.len, chunk.length - i);
      this.buf.set(chunk.subarray(i, i + n), this.len);
      this.len += n;
      i += n;
      this.drain(events);
    }
    return events;
  }

  private drop(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.base += n;
  }

  private fail(events: ParseEvent[], at: number, state: string, reason: string): void {
    events.push({ kind: 'error', offset: this.base + at, byte: this.buf[at] ?? 0, state, reason });
    this.lost = true;
  }

  private drain(events: ParseEvent[]): void {
    const b = this.buf;
    for (;;) {
      // SYNC: find AA D5.
      let p = 0;
      while (p < this.len && !(b[p] === SYNC0 && (p + 1 >= this.len || b[p + 1] === SYNC1))) p++;
      if (p > 0) {
        if (!this.lost) this.fail(events, 0, 'SYNC', `${p} byte(s) before the sync word skipped`);
        this.drop(p);
      }
      if (this.len < HEADER_SIZE) return;
      // HEADER
      const hcrc = b[8]! | (b[9]! << 8);
      const calc = crc16(b.subarray(0, 8));
      if (hcrc !== calc) {
        this.fail(
          events,
          8,
          'HEADER',
          `header CRC 0x${hcrc.toString(16).padStart(4, '0')} != 0x${calc.toString(16).padStart(4, '0')}`,
        );
        this.drop(1);
        continue;
      }
      const n = b[6]! | (b[7]! << 8);
      if (n > this.maxPayload) {
        this.fail(events, 6, 'HEADER', `length ${n} > max payload ${this.maxPayload}`);
        this.drop(1);
        continue;
      }
      const total = HEADER_SIZE + (n > 0 ? n + PCRC_SIZE : 0);
      if (this.len < total) return;
      // PAYLOAD
      if (n > 0) {
        const pcrc =
          (b[HEADER_SIZE + n]! |
            (b[HEADER_SIZE + n + 1]! << 8) |
            (b[HEADER_SIZE + n + 2]! << 16) |
            (b[HEADER_SIZE + n + 3]! << 24)) >>>
          0;
        const pcalc = crc32(b.subarray(HEADER_SIZE, HEADER_SIZE + n));
        if (pcrc !== pcalc) {
          this.fail(
            events,
            HEADER_SIZE + n,
            'PAYLOAD',
            `payload CRC 0x${pcrc.toString(16).padStart(8, '0')} != 0x${pcalc.toString(16).padStart(8, '0')} (${opcodeName(b[5]!)}, ${n} bytes)`,
          );
          this.drop(1);
          continue;
        }
      }
      const at = this.base;
      const packet: Packet = {
        seq: b[2]!,
        chan: b[3]!,
        flags: b[4]!,
        opcode: b[5]!,
        payload: b.slice(HEADER_SIZE, HEADER_SIZE + n),
      };
      this.drop(total);
      this.lost = false;
      events.push({ kind: 'packet', packet, offset: at });
    }
  }
}
