/**
 * Wire constants and byte helpers shared by the emulated board's modules (protocol.md §2.9–§2.11): channel ids and
 * flags, capability bits, system event codes.
 */

import { CHANNEL_FLAG } from '../protocol/payloads';

export const CH = { USB: 0, STDIN: 1, STDOUT: 2, STREAM: 3 } as const;
/** Channel flag bits (§2.10): the one table of protocol/payloads.ts. */
export const CH_FLAG = CHANNEL_FLAG;
export const CAP = { CRC: 1, SEQ: 2, ACK: 4, EVENTS: 8 } as const;
export const SYS_EVENT = { CHANNEL_REGISTERED: 0, SOFT_REBOOT: 2 } as const;
/** Queue marker: re-initialise after the soft-reboot events went out with the old counter. */
export const REINIT_MARKER = 0x100;

export interface Caps {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
}

export function capsFlags(c: Caps): number {
  return (c.crc ? CAP.CRC : 0) | (c.seq ? CAP.SEQ : 0) | (c.ack ? CAP.ACK : 0) | (c.events ? CAP.EVENTS : 0);
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function u16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff);
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  view(b).setUint32(0, v >>> 0, true);
  return b;
}
