/**
 * Legacy "usbdbg" wire constants and helpers shared by the host session and the board emulator
 * (protocol.md §3.1–§3.3). Pure: no DOM, no Node.
 */
import { PIXFORMAT } from '../../../format/pixformat';

/** Opcodes (protocol.md §3.2). Bit 7 set = device→host data phase. */
export const OP = {
  SCRIPT_EXEC: 0x05,
  SCRIPT_STOP: 0x06,
  SYS_RESET: 0x0c,
  FB_ENABLE: 0x0d,
  SYS_RESET_TO_BL: 0x0e,
  PROFILE_MODE: 0x16,
  PROFILE_EVENT: 0x17,
  PROFILE_RESET: 0x18,
  FW_VERSION: 0x80,
  FRAME_SIZE: 0x81,
  FRAME_DUMP: 0x82,
  ARCH_STR: 0x83,
  LEARN_MTU: 0x84,
  SCRIPT_RUNNING: 0x87,
  TX_BUF_LEN: 0x8e,
  TX_BUF: 0x8f,
  SENSOR_ID: 0x90,
  GET_STATE: 0x93,
  PROFILE_SIZE: 0x94,
  PROFILE_DUMP: 0x95,
} as const;

/** Command header byte 0. */
export const CMD = 0x30;

/** GET_STATE flag bits (FW481 usbdbg.h). */
export const STATE = { RUNNING: 1, TEXT: 2, FRAME: 4, PROFILE: 8, PMU: 16 } as const;

/** The IDE never sends or requests a transfer whose size is a multiple of this (protocol.md §3.1 ZLP trap). */
export const TABOO = 64;

/** A 6-byte command header: 0x30, opcode, u32 LE length. */
export function command(op: number, length: number): Uint8Array {
  const b = new Uint8Array(6);
  b[0] = CMD;
  b[1] = op;
  writeU32(b, 2, length);
  return b;
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  writeU32(b, 0, v);
  return b;
}

/** The 24-byte IDE protocol probe (protocol.md §1.3). */
const PROBE = [
  0x30, 0x87, 0x04, 0x00, 0x00, 0x00, 0xaa, 0xd5, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0xb5, 0x00, 0x00,
  0x00, 0x00, 0x75, 0xca, 0x70, 0xff,
];

/**
 * The §1.3 detection probe as four 6-byte writes, to be sent in order as separate `send()` calls. A single 24-byte
 * write leaves 12 bytes in a legacy TinyUSB board's RX FIFO that block its next command; a bare PROTO_SYNC blocks it
 * for good. Read 4 bytes back (≈1 s timeout) and pass them to `classifyProbeReply`.
 */
export function legacyProbeWrites(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < PROBE.length; i += 6) out.push(Uint8Array.from(PROBE.slice(i, i + 6)));
  return out;
}

/**
 * Classifies the first bytes read after the probe: `AA D5` → channel protocol (firmware ≥ 5); a u32 LE 0 or 1 →
 * legacy (firmware ≤ 4.8.1; the value is "script running"); anything else, or fewer than 4 bytes → unknown.
 */
export function classifyProbeReply(bytes: Uint8Array): 'channel' | 'legacy' | 'unknown' {
  if (bytes.length >= 2 && bytes[0] === 0xaa && bytes[1] === 0xd5) return 'channel';
  if (bytes.length < 4) return 'unknown';
  const v = readU32(bytes, 0);
  return v === 0 || v === 1 ? 'legacy' : 'unknown';
}

export interface LegacyFrameLayout {
  pixformat: number;
  /** Bytes of frame data to keep. */
  bytes: number;
  /** Compressed (JPEG or PNG, decided from the data); otherwise raw. */
  compressed: boolean;
  /** Old (< 4.1.3) RGB565 byte order: bytes of each pixel swapped. */
  byteReversed: boolean;
}

/**
 * Frame size encoding (protocol.md §3.3): `size` > 2 → JPEG/PNG of `size` bytes (firmware ≥ 4.1.3); 0/1/2 → raw
 * binary/grayscale/RGB565 of w·h·bpp bytes (binary rows padded to 32 bits). Firmware < 4.1.3 (`oldRule`): > 3 →
 * compressed, 3 → bayer, 2 = byte-reversed RGB565. Returns null for an impossible header (w or h 0).
 */
export function frameLayout(w: number, h: number, size: number, oldRule = false): LegacyFrameLayout | null {
  if (w === 0 || h === 0) return null;
  const limit = oldRule ? 3 : 2;
  if (size > limit) return { pixformat: PIXFORMAT.JPEG, bytes: size, compressed: true, byteReversed: false };
  switch (size) {
    case 0:
      return {
        pixformat: PIXFORMAT.BINARY,
        bytes: Math.ceil(w / 32) * 4 * h,
        compressed: false,
        byteReversed: false,
      };
    case 1:
      return { pixformat: PIXFORMAT.GRAYSCALE, bytes: w * h, compressed: false, byteReversed: false };
    case 2:
      return { pixformat: PIXFORMAT.RGB565, bytes: w * h * 2, compressed: false, byteReversed: oldRule };
    default:
      return { pixformat: PIXFORMAT.BAYER_BGGR, bytes: w * h, compressed: false, byteReversed: false };
  }
}

/** Inverse of `frameLayout` for the emulator: the `size` field a ≥ 4.1.3 board reports. */
export function sizeField(pixformat: number, dataLength: number): number {
  switch (pixformat) {
    case PIXFORMAT.BINARY:
      return 0;
    case PIXFORMAT.GRAYSCALE:
      return 1;
    case PIXFORMAT.RGB565:
      return 2;
    default:
      return dataLength;
  }
}
