/** The two checksums PNG needs: CRC-32 (chunks, ISO 3309 / ITU-T V.42) and Adler-32 (zlib streams). */

let crcTable: Uint32Array | undefined;

function table(): Uint32Array {
  if (crcTable) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  crcTable = t;
  return t;
}

/**
 * CRC-32 of `bytes[start, end)`, continuing from `crc` (the value a previous call returned; 0 to start).
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const t = table();
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 of `bytes[start, end)`, continuing from `adler` (1 to start). */
export function adler32(bytes: Uint8Array, start = 0, end = bytes.length, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  let i = start;
  while (i < end) {
    // 5552 is the largest n for which 255*n*(n+1)/2 + (n+1)*(65520) stays below 2^32 (zlib's NMAX).
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
