/**
 * The two CRCs of the channel protocol (protocol.md §2.3): MSB-first ("non-reflected") table CRCs with no input or
 * output reflection and no final XOR. CRC-16 (poly 0xF94F) covers the 8 header bytes, CRC-32 (poly 0xFA567D89) the
 * payload. Check values for ASCII "123456789": 0xE541 and 0x41B403D3.
 */

const CRC16_POLY = 0xf94f;
const CRC32_POLY = 0xfa567d89;

function makeTable16(): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ CRC16_POLY) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
}

function makeTable32(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = (i << 24) >>> 0;
    for (let b = 0; b < 8; b++) c = c & 0x80000000 ? ((c << 1) ^ CRC32_POLY) >>> 0 : (c << 1) >>> 0;
    t[i] = c;
  }
  return t;
}

const T16 = makeTable16();
const T32 = makeTable32();

/** CRC-16 (poly 0xF94F, MSB first, no reflection, no final XOR) of `data`, starting from `seed`. */
export function crc16(data: Uint8Array, seed = 0xffff): number {
  let crc = seed & 0xffff;
  for (let i = 0; i < data.length; i++) {
    crc = ((crc << 8) ^ T16[((crc >>> 8) ^ data[i]!) & 0xff]!) & 0xffff;
  }
  return crc;
}

/** CRC-32 (poly 0xFA567D89, MSB first, no reflection, no final XOR) of `data`, starting from `seed`. */
export function crc32(data: Uint8Array, seed = 0xffffffff): number {
  let crc = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = ((crc << 8) ^ T32[((crc >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  }
  return crc;
}
