import { describe, expect, it } from 'vitest';
import { crc16, crc32 } from './crc';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('crc (protocol.md §2.3)', () => {
  it('check values of "123456789"', () => {
    expect(crc16(ascii('123456789'))).toBe(0xe541);
    expect(crc32(ascii('123456789'))).toBe(0x41b403d3);
  });
  it('empty input gives the seed', () => {
    expect(crc16(new Uint8Array(0))).toBe(0xffff);
    expect(crc32(new Uint8Array(0))).toBe(0xffffffff);
  });
  it('table entries (CRC of one byte, zero seed)', () => {
    expect([0, 1, 2, 3].map((i) => crc16(Uint8Array.of(i), 0))).toEqual([0x0000, 0xf94f, 0x0bd1, 0xf29e]);
    expect([0, 1, 2, 3].map((i) => crc32(Uint8Array.of(i), 0))).toEqual([
      0x00000000, 0xfa567d89, 0x0efa869b, 0xf4acfb12,
    ]);
  });
  it('worked vectors', () => {
    expect(crc16(Uint8Array.of(0xaa, 0xd5, 0, 0, 0, 0, 0, 0))).toBe(0xacb0);
    expect(crc32(Uint8Array.of(1, 2, 3))).toBe(0x0ac39a9a);
    expect(crc16(Uint8Array.of(0xaa, 0xd5, 0, 0, 0, 0, 4, 0))).toBe(0xb504);
    expect(crc32(new Uint8Array(4))).toBe(0xff70ca75);
  });
  it('seed chaining equals one pass', () => {
    const a = ascii('1234');
    const b = ascii('56789');
    expect(crc16(b, crc16(a))).toBe(0xe541);
    expect(crc32(b, crc32(a))).toBe(0x41b403d3);
  });
});
