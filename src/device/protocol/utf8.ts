/** UTF-8 without TextEncoder/TextDecoder (not available to pure modules, see src/pure-env.d.ts). */

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    let c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Streaming UTF-8 decoder: keeps an incomplete trailing sequence for the next chunk; bad bytes become U+FFFD. */
export class Utf8Decoder {
  private carry: number[] = [];

  decode(chunk: Uint8Array, final = false): string {
    const b = this.carry.length ? Uint8Array.from([...this.carry, ...chunk]) : chunk;
    this.carry = [];
    let s = '';
    let i = 0;
    while (i < b.length) {
      const c = b[i]!;
      const n =
        c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
      if (n === 0) {
        s += '\ufffd';
        i++;
        continue;
      }
      if (n === 1) {
        s += String.fromCharCode(c);
        i++;
        continue;
      }
      if (i + n > b.length) {
        let ok = true;
        for (let k = i + 1; k < b.length; k++) if ((b[k]! & 0xc0) !== 0x80) ok = false;
        if (ok && !final) {
          this.carry = Array.from(b.subarray(i));
          break;
        }
        s += '\ufffd';
        i++;
        continue;
      }
      let cp = c & (0xff >> (n + 1));
      let ok = true;
      for (let k = 1; k < n; k++) {
        const d = b[i + k]!;
        if ((d & 0xc0) !== 0x80) ok = false;
        cp = (cp << 6) | (d & 0x3f);
      }
      if (!ok || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < [0, 0, 0x80, 0x800, 0x10000][n]!) {
        s += '\ufffd';
        i++;
        continue;
      }
      s += String.fromCodePoint(cp);
      i += n;
    }
    return s;
  }
}

/** One-shot decode. */
export function utf8Decode(b: Uint8Array): string {
  return new Utf8Decoder().decode(b, true);
}
