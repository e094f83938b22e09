/**
 * Payload layouts of the channel protocol (protocol.md §2.9, §2.10, §2.11, §2.12) as small pure encode/decode
 * helpers. All integers little-endian.
 */

import { utf8Decode, utf8Encode } from './utf8';

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function need(b: Uint8Array, n: number, what: string): void {
  if (b.length < n) throw new RangeError(`${what}: payload of ${b.length} bytes, expected at least ${n}`);
}

// ---- capabilities ----------------------------------------------------------------------------------------------

/** CAPS flags word bits (§2.9). */
export const CAPS_FLAG = { CRC: 0x01, SEQ: 0x02, ACK: 0x04, EVENTS: 0x08 } as const;
export const CAPS_SIZE = 16;
/** Firmware minimum for SET_CAPS max_payload (§2.6). */
export const MIN_PAYLOAD = 50;

export interface Caps {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
}

export function encodeCaps(c: Caps): Uint8Array {
  const out = new Uint8Array(CAPS_SIZE);
  const dv = view(out);
  const flags =
    (c.crc ? CAPS_FLAG.CRC : 0) |
    (c.seq ? CAPS_FLAG.SEQ : 0) |
    (c.ack ? CAPS_FLAG.ACK : 0) |
    (c.events ? CAPS_FLAG.EVENTS : 0);
  dv.setUint32(0, flags, true);
  dv.setUint16(4, c.maxPayload, true);
  return out;
}

export function decodeCaps(b: Uint8Array): Caps {
  need(b, CAPS_SIZE, 'CAPS');
  const dv = view(b);
  const f = dv.getUint32(0, true);
  return {
    crc: !!(f & CAPS_FLAG.CRC),
    seq: !!(f & CAPS_FLAG.SEQ),
    ack: !!(f & CAPS_FLAG.ACK),
    events: !!(f & CAPS_FLAG.EVENTS),
    maxPayload: dv.getUint16(4, true),
  };
}

// ---- version ---------------------------------------------------------------------------------------------------

export interface VersionInfo {
  protocol: [number, number, number];
  bootloader: [number, number, number];
  firmware: [number, number, number];
}

export const VERSION_SIZE = 16;

export function encodeVersion(v: VersionInfo): Uint8Array {
  const out = new Uint8Array(VERSION_SIZE);
  out.set(v.protocol, 0);
  out.set(v.bootloader, 3);
  out.set(v.firmware, 6);
  return out;
}

export function decodeVersion(b: Uint8Array): VersionInfo {
  need(b, 9, 'VERSION');
  const t = (i: number): [number, number, number] => [b[i]!, b[i + 1]!, b[i + 2]!];
  return { protocol: t(0), bootloader: t(3), firmware: t(6) };
}

export function versionString(v: [number, number, number]): string {
  return v.join('.');
}

// ---- sys info --------------------------------------------------------------------------------------------------

/** hw_caps[0] bits (§2.9). */
export const HW_CAP = {
  GPU: 1 << 0,
  NPU: 1 << 1,
  ISP: 1 << 2,
  VIDEO_ENCODER: 1 << 3,
  JPEG_ENCODER: 1 << 4,
  DRAM: 1 << 5,
  HW_CRC: 1 << 6,
  PMU: 1 << 7,
  WIFI: 1 << 16,
  BLUETOOTH: 1 << 17,
  SD: 1 << 18,
  ETHERNET: 1 << 19,
  USB_HS: 1 << 20,
  MULTICORE: 1 << 21,
} as const;

export const SYS_INFO_SIZE = 76;

export interface SysInfo {
  cpuId: number;
  /** Device UID words as they appear at +4, +8, +12. */
  uid: [number, number, number];
  usbVid: number;
  usbPid: number;
  /** Detected sensor chip IDs (0 = none). */
  sensorIds: [number, number, number];
  hwCaps: [number, number];
  flashKb: number;
  ramKb: number;
  framebufferKb: number;
  streamBufferKb: number;
}

export function encodeSysInfo(s: SysInfo): Uint8Array {
  const out = new Uint8Array(SYS_INFO_SIZE);
  const dv = view(out);
  dv.setUint32(0, s.cpuId >>> 0, true);
  s.uid.forEach((w, i) => dv.setUint32(4 + 4 * i, w >>> 0, true));
  dv.setUint32(16, ((s.usbVid << 16) | s.usbPid) >>> 0, true);
  s.sensorIds.forEach((w, i) => dv.setUint32(20 + 4 * i, w >>> 0, true));
  dv.setUint32(40, s.hwCaps[0] >>> 0, true);
  dv.setUint32(44, s.hwCaps[1] >>> 0, true);
  dv.setUint32(48, s.flashKb >>> 0, true);
  dv.setUint32(52, s.ramKb >>> 0, true);
  dv.setUint32(56, s.framebufferKb >>> 0, true);
  dv.setUint32(60, s.streamBufferKb >>> 0, true);
  return out;
}

export function decodeSysInfo(b: Uint8Array): SysInfo {
  need(b, 64, 'SYS_INFO');
  const dv = view(b);
  const u = (o: number): number => dv.getUint32(o, true);
  const usb = u(16);
  return {
    cpuId: u(0),
    uid: [u(4), u(8), u(12)],
    usbVid: usb >>> 16,
    usbPid: usb & 0xffff,
    sensorIds: [u(20), u(24), u(28)],
    hwCaps: [u(40), u(44)],
    flashKb: u(48),
    ramKb: u(52),
    framebufferKb: u(56),
    streamBufferKb: u(60),
  };
}

// ---- stats -----------------------------------------------------------------------------------------------------

export interface ProtoStats {
  sent: number;
  received: number;
  checksumErrors: number;
  sequenceErrors: number;
  retransmits: number;
  transportErrors: number;
  eventsSent: number;
}

export function decodeStats(b: Uint8Array): ProtoStats {
  need(b, 28, 'STATS');
  const dv = view(b);
  const u = (i: number): number => dv.getUint32(4 * i, true);
  return {
    sent: u(0),
    received: u(1),
    checksumErrors: u(2),
    sequenceErrors: u(3),
    retransmits: u(4),
    transportErrors: u(5),
    eventsSent: u(6),
  };
}

export function encodeStats(s: ProtoStats): Uint8Array {
  const out = new Uint8Array(32);
  const dv = view(out);
  [
    s.sent,
    s.received,
    s.checksumErrors,
    s.sequenceErrors,
    s.retransmits,
    s.transportErrors,
    s.eventsSent,
  ].forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  return out;
}

// ---- channels --------------------------------------------------------------------------------------------------

/** Channel flag bits (§2.10). */
export const CHANNEL_FLAG = {
  READ: 0x01,
  WRITE: 0x02,
  EXEC: 0x04,
  LOCK: 0x08,
  STREAM: 0x10,
  DYNAMIC: 0x20,
  PHYSICAL: 0x40,
} as const;

export const CHANNEL_ENTRY_SIZE = 16;
/** Longest channel name (14-byte NUL-padded field). */
export const CHANNEL_NAME_MAX = 13;

export interface ChannelEntry {
  id: number;
  flags: number;
  name: string;
}

export function encodeChannelList(entries: ChannelEntry[]): Uint8Array {
  const out = new Uint8Array(CHANNEL_ENTRY_SIZE * entries.length);
  entries.forEach((e, i) => {
    const o = i * CHANNEL_ENTRY_SIZE;
    out[o] = e.id;
    out[o + 1] = e.flags;
    out.set(utf8Encode(e.name).subarray(0, CHANNEL_NAME_MAX), o + 2);
  });
  return out;
}

export function decodeChannelList(b: Uint8Array): ChannelEntry[] {
  const out: ChannelEntry[] = [];
  for (let o = 0; o + CHANNEL_ENTRY_SIZE <= b.length; o += CHANNEL_ENTRY_SIZE) {
    const raw = b.subarray(o + 2, o + CHANNEL_ENTRY_SIZE);
    const nul = raw.indexOf(0);
    out.push({ id: b[o]!, flags: b[o + 1]!, name: utf8Decode(nul >= 0 ? raw.subarray(0, nul) : raw) });
  }
  return out;
}

// ---- small request/reply payloads ------------------------------------------------------------------------------

export function encodeU32(v: number): Uint8Array {
  const out = new Uint8Array(4);
  view(out).setUint32(0, v >>> 0, true);
  return out;
}

export function decodeU32(b: Uint8Array): number {
  need(b, 4, 'u32');
  return view(b).getUint32(0, true);
}

export function encodeU16(v: number): Uint8Array {
  const out = new Uint8Array(2);
  view(out).setUint16(0, v & 0xffff, true);
  return out;
}

export function decodeU16(b: Uint8Array): number {
  need(b, 2, 'u16');
  return view(b).getUint16(0, true);
}

/** CHANNEL_READ request: u32 offset, u32 length. */
export function encodeReadRequest(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const dv = view(out);
  dv.setUint32(0, offset >>> 0, true);
  dv.setUint32(4, length >>> 0, true);
  return out;
}

export function decodeReadRequest(b: Uint8Array): { offset: number; length: number } {
  need(b, 8, 'CHANNEL_READ');
  const dv = view(b);
  return { offset: dv.getUint32(0, true), length: dv.getUint32(4, true) };
}

/** CHANNEL_WRITE request: u32 offset, u32 length, bytes. */
export function encodeWriteRequest(offset: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const dv = view(out);
  dv.setUint32(0, offset >>> 0, true);
  dv.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

export function decodeWriteRequest(b: Uint8Array): { offset: number; length: number; data: Uint8Array } {
  need(b, 8, 'CHANNEL_WRITE');
  const dv = view(b);
  const length = dv.getUint32(4, true);
  return { offset: dv.getUint32(0, true), length, data: b.subarray(8, 8 + length) };
}

/** CHANNEL_IOCTL request: u32 request code, then u32 arguments. */
export function encodeIoctl(request: number, args: number[] = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * args.length);
  const dv = view(out);
  dv.setUint32(0, request >>> 0, true);
  args.forEach((a, i) => dv.setUint32(4 + 4 * i, a >>> 0, true));
  return out;
}

export function decodeIoctl(b: Uint8Array): { request: number; args: number[] } {
  need(b, 4, 'CHANNEL_IOCTL');
  const dv = view(b);
  const args: number[] = [];
  for (let o = 4; o + 4 <= b.length; o += 4) args.push(dv.getUint32(o, true));
  return { request: dv.getUint32(0, true), args };
}

/** CHANNEL_SHAPE reply: 1-4 u32. */
export function decodeShape(b: Uint8Array): number[] {
  const dv = view(b);
  const out: number[] = [];
  for (let o = 0; o + 4 <= b.length; o += 4) out.push(dv.getUint32(o, true));
  return out;
}

/** IOCTL request codes per channel (§2.10). */
export const IOCTL = {
  STDIN_STOP: 0x01,
  STDIN_EXEC: 0x02,
  STDIN_RESET: 0x03,
  STREAM_CTRL: 0x00,
  STREAM_RAW_CTRL: 0x01,
  STREAM_RAW_CFG: 0x02,
  STREAM_SOURCE: 0x03,
  PROFILE_MODE: 0x00,
  PROFILE_SET_EVENT: 0x01,
  PROFILE_RESET: 0x02,
} as const;

/** SYS_EVENT codes (§2.11). */
export const SYS_EVENT = {
  CHANNEL_REGISTERED: 0x0000,
  CHANNEL_UNREGISTERED: 0x0001,
  SOFT_REBOOT: 0x0002,
} as const;
/** Event payload value meaning "no payload" (NOTIFY). */
export const EVENT_NOTIFY = 0xffff;

/** Event code of an event payload: the u16, or NOTIFY (0xFFFF) when the payload is empty. */
export function decodeEventCode(b: Uint8Array): number {
  return b.length >= 2 ? b[0]! | (b[1]! << 8) : EVENT_NOTIFY;
}

// ---- stream frame header (§2.12) -------------------------------------------------------------------------------

export const FRAME_HEADER_SIZE = 32;

export interface FrameHeader {
  width: number;
  height: number;
  pixformat: number;
  /** JPEG/PNG: data bytes; raw: bytes per pixel. */
  size: number;
  /** Offset of the pixel data (32 on current builds; 0 on builds before 2025-12-14 — then 20 is assumed). */
  offset: number;
  /** Camera-side FPS, or null when absent / 0. */
  fps: number | null;
}

export function encodeFrameHeader(h: FrameHeader): Uint8Array {
  const out = new Uint8Array(Math.max(h.offset, 24));
  const dv = view(out);
  dv.setUint32(0, h.width >>> 0, true);
  dv.setUint32(4, h.height >>> 0, true);
  dv.setUint32(8, h.pixformat >>> 0, true);
  dv.setUint32(12, h.size >>> 0, true);
  dv.setUint32(16, h.offset >>> 0, true);
  dv.setFloat32(20, h.fps ?? 0, true);
  return out;
}

/**
 * Decodes the embedded stream header. `fps` is read only when the data offset is ≥ 24 (as the IDE does) and is
 * null when 0. Builds without the offset field are treated as a 16-byte header. Throws on a too-short buffer.
 */
export function decodeFrameHeader(b: Uint8Array): FrameHeader {
  need(b, 16, 'frame header');
  const dv = view(b);
  const raw = b.length >= 20 ? dv.getUint32(16, true) : 0;
  const offset = raw >= 20 && raw <= 4096 ? raw : 16;
  let fps: number | null = null;
  if (offset >= 24 && b.length >= 24) {
    const f = dv.getFloat32(20, true);
    fps = Number.isFinite(f) && f > 0 ? f : null;
  }
  return {
    width: dv.getUint32(0, true),
    height: dv.getUint32(4, true),
    pixformat: dv.getUint32(8, true),
    size: dv.getUint32(12, true),
    offset,
    fps,
  };
}

/** Pixel format codes that arrive on the stream (§2.12). */
export const STREAM_PIXFORMAT = {
  JPEG: 0x06060000,
  PNG: 0x06070000,
  GRAYSCALE: 0x08020001,
  RGB565: 0x0c030002,
  BINARY: 0x08010000,
  ARGB8: 0x0c080004,
} as const;

/** True for compressed formats (bit 25), where `size` is the byte count. */
export function isCompressed(pixformat: number): boolean {
  return (pixformat & (1 << 25)) !== 0;
}

/** Expected data length of a frame described by `h` (§2.12), or null when it cannot be known. */
export function frameDataLength(h: FrameHeader): number | null {
  if (isCompressed(h.pixformat)) return h.size;
  if (h.pixformat === STREAM_PIXFORMAT.BINARY) return Math.ceil(h.width / 32) * 4 * h.height;
  const bpp = h.pixformat & 0xff;
  if (bpp === 0) return null;
  return h.width * h.height * bpp;
}
