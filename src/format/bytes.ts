/**
 * Little-endian integer access on byte arrays. Every call is explicit about byte order and works on
 * views with any byteOffset (architecture.md: never `new DataView(u8.buffer)` without the offset).
 */

/** Reads an unsigned 32-bit little-endian integer at `at`. */
export function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) |
      ((bytes[at + 1] ?? 0) << 8) |
      ((bytes[at + 2] ?? 0) << 16) |
      ((bytes[at + 3] ?? 0) << 24)) >>>
    0
  );
}

/** Writes `value` (taken modulo 2^32) as an unsigned 32-bit little-endian integer at `at`. */
export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  const v = value >>> 0;
  bytes[at] = v & 0xff;
  bytes[at + 1] = (v >>> 8) & 0xff;
  bytes[at + 2] = (v >>> 16) & 0xff;
  bytes[at + 3] = v >>> 24;
}

/** Writes an unsigned 16-bit little-endian integer at `at`. */
export function writeU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
}

/** Rounds up to a multiple of 16 (chunk padding, formats.md B §2.3). */
/** The parts joined into one array (the part itself when there is only one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const ceil16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Rounds up to a multiple of 32 (memory slots, formats.md B §3.1). */
export const ceil32 = (n: number): number => Math.ceil(n / 32) * 32;

/** ASCII text of bytes (headers and magics only; no TextDecoder in pure code). */
export function ascii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Bytes of an ASCII string. */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Hex dump of up to `max` bytes, for error messages ("4F 4D 56 20"). */
export function hex(bytes: Uint8Array, max = 16): string {
  return Array.from(bytes.subarray(0, max), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
