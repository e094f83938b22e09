/**
 * DEFLATE (RFC 1951) and zlib (RFC 1950) compression in pure TypeScript, for PNG output without relying
 * on `CompressionStream`.
 *
 * LZ77 over a 32 KiB window with hash chains (keyed on 4 bytes) and zlib-style lazy matching (the
 * per-level parameters are zlib's `configuration_table`), then, per block of up to 16 Ki symbols, whichever of a dynamic-Huffman,
 * fixed-Huffman or stored encoding is smallest. Huffman codes are length-limited (15 bits, 7 for the
 * code-length code). The output depends only on the input and the level: no clocks, no randomness.
 */
import { ValueError } from '../errors';
import { adler32 } from './checksum';
import { CL_ORDER, DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA } from './deflate-tables';

/** Options of {@link deflateRaw} and {@link zlibDeflate}. */
export interface DeflateOptions {
  /** 0 (stored only) to 9 (slowest, smallest), as zlib. Default 6. */
  level?: number;
}

const WSIZE = 32768;
const WMASK = WSIZE - 1;
const HASH_BITS = 15;
const HASH_SIZE = 1 << HASH_BITS;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
/** zlib's TOO_FAR: a 3-byte match further back than this costs more than three literals. */
const TOO_FAR = 4096;
/** Symbols per block (zlib's lit_bufsize at the default memLevel). */
const BLOCK_SYMBOLS = 16384;

/** zlib's configuration_table: good_length, max_lazy, nice_length, max_chain; `lazy` = deflate_slow. */
const LEVELS: readonly { good: number; lazy: number; nice: number; chain: number; slow: boolean }[] = [
  { good: 0, lazy: 0, nice: 0, chain: 0, slow: false },
  { good: 4, lazy: 4, nice: 8, chain: 4, slow: false },
  { good: 4, lazy: 5, nice: 16, chain: 8, slow: false },
  { good: 4, lazy: 6, nice: 32, chain: 32, slow: false },
  { good: 4, lazy: 4, nice: 16, chain: 16, slow: true },
  { good: 8, lazy: 16, nice: 32, chain: 32, slow: true },
  { good: 8, lazy: 16, nice: 128, chain: 128, slow: true },
  { good: 8, lazy: 32, nice: 128, chain: 256, slow: true },
  { good: 32, lazy: 128, nice: 258, chain: 1024, slow: true },
  { good: 32, lazy: 258, nice: 258, chain: 4096, slow: true },
];

/** `LENGTH_CODE[len]` (3..258): the length symbol minus 257. */
const LENGTH_CODE = new Uint8Array(MAX_MATCH + 1);
/** `DIST_CODE[d - 1]` (d = 1..32768): the distance symbol. */
const DIST_CODE = new Uint8Array(WSIZE);
for (let c = 0; c < 29; c++) {
  const top = c === 28 ? 258 : (LEN_BASE[c] as number) + (1 << (LEN_EXTRA[c] as number)) - 1;
  for (let l = LEN_BASE[c] as number; l <= top; l++) LENGTH_CODE[l] = c;
}
LENGTH_CODE[258] = 28;
for (let c = 0; c < 30; c++) {
  const base = DIST_BASE[c] as number;
  const top = base + (1 << (DIST_EXTRA[c] as number)) - 1;
  for (let d = base; d <= top; d++) DIST_CODE[d - 1] = c;
}

/** The fixed-Huffman code lengths (RFC 1951 §3.2.6). */
const FIXED_LIT = new Uint8Array(288);
FIXED_LIT.fill(8, 0, 144);
FIXED_LIT.fill(9, 144, 256);
FIXED_LIT.fill(7, 256, 280);
FIXED_LIT.fill(8, 280, 288);
const FIXED_DIST = new Uint8Array(30).fill(5);

/**
 * Code lengths of a Huffman code for `freq`, no longer than `maxBits`. Symbols with frequency 0 get
 * length 0. A set with one used symbol gets a second length-1 code, so every decoder accepts it.
 * Ties are broken by symbol number, so the result is deterministic.
 */
export function huffmanLengths(freq: ArrayLike<number>, maxBits: number): Uint8Array {
  const n = freq.length;
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if ((freq[s] as number) > 0) used.push(s);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    const s = used[0] as number;
    lengths[s] = 1;
    lengths[s === 0 ? 1 : 0] = 1;
    return lengths;
  }
  used.sort((a, b) => (freq[a] as number) - (freq[b] as number) || a - b);
  const m = used.length;
  // Moffat & Katajainen's in-place minimum-redundancy code (as in miniz), on ascending frequencies.
  const A = new Float64Array(m);
  for (let i = 0; i < m; i++) A[i] = freq[used[i] as number] as number;
  A[0] = (A[0] as number) + (A[1] as number);
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < m - 1; next++) {
    if (leaf >= m || (A[root] as number) < (A[leaf] as number)) {
      A[next] = A[root] as number;
      A[root++] = next;
    } else A[next] = A[leaf++] as number;
    if (leaf >= m || (root < next && (A[root] as number) < (A[leaf] as number))) {
      A[next] = (A[next] as number) + (A[root] as number);
      A[root++] = next;
    } else A[next] = (A[next] as number) + (A[leaf++] as number);
  }
  A[m - 2] = 0;
  for (let next = m - 3; next >= 0; next--) A[next] = (A[A[next] as number] as number) + 1;
  let avbl = 1;
  let usedAt = 0;
  let depth = 0;
  root = m - 2;
  let next = m - 1;
  while (avbl > 0) {
    while (root >= 0 && A[root] === depth) {
      usedAt++;
      root--;
    }
    while (avbl > usedAt) {
      A[next--] = depth;
      avbl--;
    }
    avbl = 2 * usedAt;
    depth++;
    usedAt = 0;
  }
  // Count codes per length, then enforce maxBits (miniz's tdefl_huffman_enforce_max_code_size).
  const counts = new Array<number>(Math.max(maxBits, depth) + 2).fill(0);
  for (let i = 0; i < m; i++) counts[A[i] as number]!++;
  for (let l = maxBits + 1; l < counts.length; l++) {
    counts[maxBits] = (counts[maxBits] as number) + (counts[l] as number);
    counts[l] = 0;
  }
  let total = 0;
  for (let l = maxBits; l > 0; l--) total += (counts[l] as number) * 2 ** (maxBits - l);
  while (total !== 2 ** maxBits) {
    counts[maxBits] = (counts[maxBits] as number) - 1;
    for (let l = maxBits - 1; l > 0; l--) {
      if ((counts[l] as number) > 0) {
        counts[l] = (counts[l] as number) - 1;
        counts[l + 1] = (counts[l + 1] as number) + 2;
        break;
      }
    }
    total--;
  }
  // The most frequent symbols (end of `used`) get the shortest codes.
  let j = m;
  for (let l = 1; l <= maxBits; l++) {
    for (let k = counts[l] as number; k > 0; k--) lengths[used[--j] as number] = l;
  }
  return lengths;
}

/** Canonical codes for `lengths`, bit-reversed so they can be written LSB first. */
function reversedCodes(lengths: Uint8Array): Uint16Array {
  const blCount = new Uint16Array(16);
  for (const l of lengths) blCount[l] = (blCount[l] as number) + 1;
  blCount[0] = 0;
  const next = new Uint16Array(16);
  let code = 0;
  for (let l = 1; l <= 15; l++) {
    code = (code + (blCount[l - 1] as number)) << 1;
    next[l] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s] as number;
    if (l === 0) continue;
    const c = next[l] as number;
    next[l] = c + 1;
    let rev = 0;
    for (let k = 0; k < l; k++) rev |= ((c >>> k) & 1) << (l - 1 - k);
    codes[s] = rev;
  }
  return codes;
}

/** LSB-first bit output into a growing buffer. */
class BitWriter {
  buf: Uint8Array;
  pos = 0;
  private acc = 0;
  private n = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.pos + extra, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Writes the low `count` (≤ 16) bits of `value`. */
  write(value: number, count: number): void {
    this.acc |= value << this.n;
    this.n += count;
    if (this.n >= 16) {
      if (this.pos + 4 > this.buf.length) this.ensure(4);
      const buf = this.buf;
      while (this.n >= 8) {
        buf[this.pos++] = this.acc & 0xff;
        this.acc >>>= 8;
        this.n -= 8;
      }
    }
  }

  /** Pads with zero bits to a byte boundary. */
  align(): void {
    this.ensure(4);
    while (this.n > 0) {
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.n = Math.max(0, this.n - 8);
    }
    this.acc = 0;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.pos * 8 + this.n;
  }

  finish(): Uint8Array {
    this.align();
    return this.buf.slice(0, this.pos);
  }
}

/** Symbols of the block being collected, and their frequencies. */
class Block {
  /** Literal byte, or match length (3..258) when `dist` is non-zero. */
  readonly value = new Uint16Array(BLOCK_SYMBOLS);
  readonly dist = new Uint16Array(BLOCK_SYMBOLS);
  count = 0;
  readonly litFreq = new Uint32Array(286);
  readonly distFreq = new Uint32Array(30);
  /** Input offset of the block's first byte. */
  start = 0;

  reset(start: number): void {
    this.count = 0;
    this.litFreq.fill(0);
    this.distFreq.fill(0);
    this.start = start;
  }
}

/** Writes one block in the cheapest of the three encodings. */
function writeBlock(w: BitWriter, block: Block, data: Uint8Array, end: number, final: boolean): void {
  const { litFreq, distFreq } = block;
  litFreq[256] = 1;
  const litLen = huffmanLengths(litFreq, 15);
  const distLen = huffmanLengths(distFreq, 15);
  if (distLen.every((l) => l === 0)) distLen[0] = 1; // one (unused) distance code, as zlib writes
  let hlit = 286;
  while (hlit > 257 && litLen[hlit - 1] === 0) hlit--;
  let hdist = 30;
  while (hdist > 1 && distLen[hdist - 1] === 0) hdist--;

  // Run-length code the code lengths (symbols 16, 17, 18).
  const all = new Uint8Array(hlit + hdist);
  all.set(litLen.subarray(0, hlit));
  all.set(distLen.subarray(0, hdist), hlit);
  const rle: number[] = []; // pairs: symbol, extra value
  for (let i = 0; i < all.length;) {
    const cur = all[i] as number;
    let run = 1;
    while (i + run < all.length && all[i + run] === cur) run++;
    i += run;
    if (cur === 0) {
      while (run >= 11) {
        const r = Math.min(run, 138);
        rle.push(18, r - 11);
        run -= r;
      }
      if (run >= 3) {
        rle.push(17, run - 3);
        run = 0;
      }
    } else {
      rle.push(cur, 0);
      run--;
      while (run >= 3) {
        const r = Math.min(run, 6);
        rle.push(16, r - 3);
        run -= r;
      }
    }
    while (run-- > 0) rle.push(cur, 0);
  }
  const clFreq = new Uint32Array(19);
  for (let i = 0; i < rle.length; i += 2) clFreq[rle[i] as number]!++;
  const clLen = huffmanLengths(clFreq, 7);
  let hclen = 19;
  while (hclen > 4 && clLen[CL_ORDER[hclen - 1] as number] === 0) hclen--;

  // Costs in bits.
  let dynBits = 14 + 3 * hclen;
  for (let s = 0; s < 19; s++) dynBits += (clFreq[s] as number) * (clLen[s] as number);
  dynBits += (clFreq[16] as number) * 2 + (clFreq[17] as number) * 3 + (clFreq[18] as number) * 7;
  let fixBits = 0;
  for (let s = 0; s < 286; s++) {
    const f = litFreq[s] as number;
    if (f === 0) continue;
    const extra = s > 256 ? (LEN_EXTRA[s - 257] as number) : 0;
    dynBits += f * ((litLen[s] as number) + extra);
    fixBits += f * ((FIXED_LIT[s] as number) + extra);
  }
  for (let s = 0; s < 30; s++) {
    const f = distFreq[s] as number;
    if (f === 0) continue;
    dynBits += f * ((distLen[s] as number) + (DIST_EXTRA[s] as number));
    fixBits += f * (5 + (DIST_EXTRA[s] as number));
  }
  const rawLength = end - block.start;
  const storedBits = Math.max(1, Math.ceil(rawLength / 65535)) * (3 + 7 + 32) + rawLength * 8;

  if (storedBits < dynBits + 3 && storedBits < fixBits + 3) {
    let at = block.start;
    do {
      const len = Math.min(65535, end - at);
      const last = at + len === end;
      w.write(final && last ? 1 : 0, 1);
      w.write(0, 2);
      w.align();
      w.ensure(4 + len);
      w.write(len, 16);
      w.write(len ^ 0xffff, 16);
      w.bytes(data.subarray(at, at + len));
      at += len;
    } while (at < end);
    return;
  }
  const dynamic = dynBits < fixBits;
  w.write(final ? 1 : 0, 1);
  w.write(dynamic ? 2 : 1, 2);
  let lLen: Uint8Array;
  let dLen: Uint8Array;
  if (dynamic) {
    lLen = litLen;
    dLen = distLen;
    w.write(hlit - 257, 5);
    w.write(hdist - 1, 5);
    w.write(hclen - 4, 4);
    for (let i = 0; i < hclen; i++) w.write(clLen[CL_ORDER[i] as number] as number, 3);
    const clCode = reversedCodes(clLen);
    for (let i = 0; i < rle.length; i += 2) {
      const s = rle[i] as number;
      w.write(clCode[s] as number, clLen[s] as number);
      if (s === 16) w.write(rle[i + 1] as number, 2);
      else if (s === 17) w.write(rle[i + 1] as number, 3);
      else if (s === 18) w.write(rle[i + 1] as number, 7);
    }
  } else {
    lLen = FIXED_LIT;
    dLen = FIXED_DIST;
  }
  const lCode = reversedCodes(lLen);
  const dCode = reversedCodes(dLen);
  const { value, dist, count } = block;
  for (let i = 0; i < count; i++) {
    const v = value[i] as number;
    const d = dist[i] as number;
    if (d === 0) {
      w.write(lCode[v] as number, lLen[v] as number);
      continue;
    }
    const lc = LENGTH_CODE[v] as number;
    w.write(lCode[257 + lc] as number, lLen[257 + lc] as number);
    const le = LEN_EXTRA[lc] as number;
    if (le) w.write(v - (LEN_BASE[lc] as number), le);
    const dc = DIST_CODE[d - 1] as number;
    w.write(dCode[dc] as number, dLen[dc] as number);
    const de = DIST_EXTRA[dc] as number;
    if (de) w.write(d - (DIST_BASE[dc] as number), de);
  }
  w.write(lCode[256] as number, lLen[256] as number);
}

/**
 * Compresses `data` into a raw DEFLATE stream (no zlib header).
 * @throws ValueError for a level outside 0..9.
 */
export function deflateRaw(data: Uint8Array, options: DeflateOptions = {}): Uint8Array {
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new ValueError(`Deflate level must be an integer 0..9, got ${level}`);
  }
  const n = data.length;
  const w = new BitWriter(Math.ceil(n * 0.6) + 64);
  const block = new Block();
  block.reset(0);

  if (level === 0) {
    writeStoredOnly(w, data);
    return w.finish();
  }
  const cfg = LEVELS[level]!;
  const covered = lz77(data, cfg, block, (end) => {
    writeBlock(w, block, data, end, false);
    block.reset(end);
  });
  writeBlock(w, block, data, covered, true);
  return w.finish();
}

/**
 * The LZ77 parse (zlib's deflate_fast for levels 1-3, deflate_slow above), appending symbols to
 * `block` and calling `flush(end)` whenever it is full (`end`: the input the symbols cover).
 * @returns the input covered by the symbols left in `block` (always `data.length`).
 */
function lz77(
  data: Uint8Array,
  cfg: (typeof LEVELS)[number],
  block: Block,
  flush: (end: number) => void,
): number {
  const n = data.length;
  const head = new Int32Array(HASH_SIZE).fill(-1);
  const prev = new Int32Array(WSIZE);
  const { value, dist, litFreq, distFreq } = block;
  const { good, lazy, nice, chain: maxChain, slow } = cfg;

  /**
   * Inserts position i into the hash chains (keyed on 4 bytes, as Chromium's zlib, which Node ships:
   * on PNG scanlines this keeps chains to candidates that can give long matches, about 2% smaller than
   * a 3-byte key at level 6; 3-byte matches are still found through the chains, just not sought).
   * @returns the previous head of its chain, the first match candidate (-1 for none).
   */
  const insert = (i: number): number => {
    const h =
      Math.imul(
        (data[i] as number) |
          ((data[i + 1] as number) << 8) |
          ((data[i + 2] as number) << 16) |
          ((i + 3 < n ? (data[i + 3] as number) : 0) << 24),
        0x9e3779b1,
      ) >>>
      (32 - HASH_BITS);
    const candidate = head[h] as number;
    prev[i & WMASK] = candidate;
    head[h] = i;
    return candidate;
  };

  /** The longest match at i longer than `best`, packed as `length + distance * 512`; 0 for none. */
  const longest = (i: number, cand: number, best: number): number => {
    const maxLen = n - i < MAX_MATCH ? n - i : MAX_MATCH;
    if (maxLen < MIN_MATCH || best >= maxLen) return 0;
    let chain = best >= good ? maxChain >> 2 : maxChain;
    const limit = i > WSIZE ? i - WSIZE : -1; // -1: the end of every chain
    let found = 0;
    const first = data[i] as number;
    const second = data[i + 1] as number;
    while (cand > limit && chain-- > 0) {
      if (data[cand + best] === data[i + best] && data[cand] === first && data[cand + 1] === second) {
        let l = 2;
        while (l < maxLen && data[cand + l] === data[i + l]) l++;
        if (l > best) {
          best = l;
          found = l + (i - cand) * 512;
          if (l >= nice || l >= maxLen) break;
        }
      }
      cand = prev[cand & WMASK] as number;
    }
    return found;
  };

  let count = block.count;
  let covered = 0;
  const literal = (i: number): void => {
    const v = data[i] as number;
    value[count] = v;
    dist[count++] = 0;
    litFreq[v]!++;
    covered = i + 1;
    if (count === BLOCK_SYMBOLS) {
      block.count = count;
      flush(covered);
      count = 0;
    }
  };
  const match = (i: number, len: number, d: number): void => {
    value[count] = len;
    dist[count++] = d;
    litFreq[257 + (LENGTH_CODE[len] as number)]!++;
    distFreq[DIST_CODE[d - 1] as number]!++;
    covered = i + len;
    if (count === BLOCK_SYMBOLS) {
      block.count = count;
      flush(covered);
      count = 0;
    }
  };

  let i = 0;
  if (!slow) {
    // deflate_fast: take the first match found, no lazy evaluation.
    while (i < n) {
      if (i + MIN_MATCH <= n) {
        const m = longest(i, insert(i), MIN_MATCH - 1);
        let len = m & 511;
        const d = m >>> 9;
        if (len === MIN_MATCH && d > TOO_FAR) len = 0;
        if (len >= MIN_MATCH) {
          match(i, len, d);
          if (len <= lazy) {
            for (let j = i + 1; j < i + len && j + MIN_MATCH <= n; j++) insert(j);
          }
          i += len;
          continue;
        }
      }
      literal(i);
      i++;
    }
  } else {
    // deflate_slow: keep the match at i-1 pending while looking for a longer one at i.
    let havePrev = false;
    let prevLen = 0;
    let prevDist = 0;
    while (i < n) {
      let curLen = 0;
      let curDist = 0;
      if (i + MIN_MATCH <= n) {
        const cand = insert(i);
        if (!havePrev || prevLen < lazy) {
          const m = longest(i, cand, havePrev && prevLen > MIN_MATCH - 1 ? prevLen : MIN_MATCH - 1);
          curLen = m & 511;
          curDist = m >>> 9;
          if (curLen === MIN_MATCH && curDist > TOO_FAR) curLen = 0;
        }
      }
      if (havePrev && prevLen >= MIN_MATCH && curLen <= prevLen) {
        const end = i - 1 + prevLen;
        match(i - 1, prevLen, prevDist);
        for (let j = i + 1; j < end && j + MIN_MATCH <= n; j++) insert(j);
        i = end;
        havePrev = false;
        prevLen = 0;
        continue;
      }
      if (havePrev) literal(i - 1);
      havePrev = true;
      prevLen = curLen;
      prevDist = curDist;
      i++;
    }
    if (havePrev) literal(n - 1);
  }
  block.count = count;
  return covered;
}

function writeStoredOnly(w: BitWriter, data: Uint8Array): void {
  let at = 0;
  do {
    const len = Math.min(65535, data.length - at);
    w.write(at + len === data.length ? 1 : 0, 1);
    w.write(0, 2);
    w.align();
    w.write(len, 16);
    w.write(len ^ 0xffff, 16);
    w.bytes(data.subarray(at, at + len));
    at += len;
  } while (at < data.length);
}

/**
 * Compresses `data` into a zlib stream (RFC 1950): header 78 xx (32 KiB window, FLEVEL from the
 * level), raw DEFLATE, Adler-32 big-endian.
 */
export function zlibDeflate(data: Uint8Array, options: DeflateOptions = {}): Uint8Array {
  const level = options.level ?? 6;
  const body = deflateRaw(data, { level });
  const flevel = level < 2 ? 0 : level < 6 ? 1 : level === 6 ? 2 : 3;
  const cmf = 0x78;
  let flg = flevel << 6;
  flg += 31 - ((cmf * 256 + flg) % 31);
  const out = new Uint8Array(body.length + 6);
  out[0] = cmf;
  out[1] = flg;
  out.set(body, 2);
  const a = adler32(data);
  out[body.length + 2] = a >>> 24;
  out[body.length + 3] = (a >>> 16) & 0xff;
  out[body.length + 4] = (a >>> 8) & 0xff;
  out[body.length + 5] = a & 0xff;
  return out;
}
