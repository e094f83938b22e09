/**
 * DEFLATE (RFC 1951) and zlib (RFC 1950) decompression: stored, fixed-Huffman and dynamic-Huffman
 * blocks, so any PNG's IDAT stream. Pure code: it does not rely on `DecompressionStream`.
 *
 * Hostile input is safe: every malformed stream ends in a `ValueError` naming the byte offset, no loop
 * runs without consuming input or producing bounded output, and the output never grows past the
 * caller's bound (`expectedSize`, exact, or `maxOutput`).
 */
import { ValueError } from '../errors';
import { adler32 } from './checksum';
import * as TABLES from './deflate-tables';

/** Options of {@link inflateRaw} and {@link zlibInflate}. */
export interface InflateOptions {
  /**
   * The exact number of bytes the stream must produce (a PNG knows it from IHDR). The output is
   * allocated once at that size; a stream producing more or fewer bytes is an error.
   */
  expectedSize?: number;
  /** Without `expectedSize`: the most bytes the output may grow to. Default 2^30. */
  maxOutput?: number;
}

/** What a decode produced, and where in the input the deflate data ended. */
export interface InflateResult {
  data: Uint8Array;
  /** Offset of the first byte after the final block (the bit buffer's unread whole bytes given back). */
  end: number;
}

const LEN_BASE = Uint16Array.from(TABLES.LEN_BASE);
const LEN_EXTRA = Uint8Array.from(TABLES.LEN_EXTRA);
const DIST_BASE = Uint16Array.from(TABLES.DIST_BASE);
const DIST_EXTRA = Uint8Array.from(TABLES.DIST_EXTRA);
const CL_ORDER = Uint8Array.from(TABLES.CL_ORDER);

const DEFAULT_MAX_OUTPUT = 2 ** 30;

type TableKind = 'code-length' | 'literal/length' | 'distance';

/**
 * Fills `out` with a direct lookup table of `2^bits` entries (bits = the longest code), indexed by the
 * next `bits` input bits (LSB first); each entry is `symbol << 4 | length`, 0 where no code lands.
 * Over-subscribed sets are errors; incomplete sets are errors except a single code of length 1 (and an
 * empty distance set), which is zlib's rule (`inflate_table`).
 * @returns the table's index width, 0 for an empty set.
 */
function buildTable(
  lengths: Uint8Array,
  start: number,
  count: number,
  out: Int32Array,
  kind: TableKind,
  at: number,
): number {
  const blCount = new Uint16Array(16);
  let max = 0;
  for (let i = 0; i < count; i++) {
    const l = lengths[start + i] as number;
    blCount[l] = (blCount[l] as number) + 1;
    if (l > max) max = l;
  }
  if (max === 0) {
    if (kind === 'distance') return 0;
    throw bad(`the ${kind} code has no symbols`, at);
  }
  let left = 1;
  for (let l = 1; l <= 15; l++) {
    left = (left << 1) - (blCount[l] as number);
    if (left < 0) throw bad(`over-subscribed ${kind} code`, at);
  }
  if (left > 0 && (kind === 'code-length' || max !== 1)) throw bad(`incomplete ${kind} code`, at);
  const next = new Uint16Array(16);
  let code = 0;
  blCount[0] = 0;
  for (let l = 1; l <= 15; l++) {
    code = (code + (blCount[l - 1] as number)) << 1;
    next[l] = code;
  }
  const size = 1 << max;
  out.fill(0, 0, size);
  for (let sym = 0; sym < count; sym++) {
    const l = lengths[start + sym] as number;
    if (l === 0) continue;
    const c = next[l] as number;
    next[l] = c + 1;
    let rev = 0;
    for (let k = 0; k < l; k++) rev |= ((c >>> k) & 1) << (l - 1 - k);
    const entry = (sym << 4) | l;
    for (let i = rev; i < size; i += 1 << l) out[i] = entry;
  }
  return max;
}

function bad(message: string, at: number): ValueError {
  return new ValueError(`Invalid deflate data at byte ${at}: ${message}`);
}

let fixedTables: { lit: Int32Array; litBits: number; dist: Int32Array; distBits: number } | undefined;

function fixed(): NonNullable<typeof fixedTables> {
  if (fixedTables) return fixedTables;
  const lengths = new Uint8Array(288 + 32);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  lengths.fill(5, 288, 320);
  const lit = new Int32Array(1 << 9);
  const dist = new Int32Array(1 << 5);
  const litBits = buildTable(lengths, 0, 288, lit, 'literal/length', 0);
  const distBits = buildTable(lengths, 288, 32, dist, 'distance', 0);
  fixedTables = { lit, litBits, dist, distBits };
  return fixedTables;
}

/** The decoder state: input position, bit buffer and output. */
class Inflater {
  pos: number;
  bitBuf = 0;
  bitCnt = 0;
  out: Uint8Array;
  op = 0;
  readonly exact: boolean;
  readonly max: number;
  readonly lit = new Int32Array(1 << 15);
  readonly dist = new Int32Array(1 << 15);
  readonly lengths = new Uint8Array(286 + 30);

  constructor(
    readonly input: Uint8Array,
    start: number,
    options: InflateOptions,
  ) {
    this.pos = start;
    if (options.expectedSize !== undefined) {
      const n = options.expectedSize;
      if (!Number.isSafeInteger(n) || n < 0) throw new ValueError(`Invalid expectedSize ${n}`);
      this.exact = true;
      this.max = n;
      this.out = new Uint8Array(n);
    } else {
      const max = options.maxOutput ?? DEFAULT_MAX_OUTPUT;
      if (!Number.isSafeInteger(max) || max < 0) throw new ValueError(`Invalid maxOutput ${max}`);
      this.exact = false;
      this.max = max;
      this.out = new Uint8Array(Math.min(max, Math.max(1024, input.length * 4)));
    }
  }

  /** Reads `n` (≤ 16) bits, LSB first. */
  bits(n: number): number {
    while (this.bitCnt < n) {
      if (this.pos >= this.input.length) throw bad('unexpected end of data', this.pos);
      this.bitBuf |= (this.input[this.pos++] as number) << this.bitCnt;
      this.bitCnt += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCnt -= n;
    return v;
  }

  /** Decodes one symbol with a table from {@link buildTable}. */
  symbol(table: Int32Array, tableBits: number, kind: TableKind): number {
    const input = this.input;
    while (this.bitCnt < tableBits && this.pos < input.length) {
      this.bitBuf |= (input[this.pos++] as number) << this.bitCnt;
      this.bitCnt += 8;
    }
    const e = table[this.bitBuf & ((1 << tableBits) - 1)] as number;
    const l = e & 15;
    if (l === 0 || l > this.bitCnt) {
      if (this.bitCnt < tableBits) throw bad('unexpected end of data', this.pos);
      throw bad(`invalid ${kind} code`, this.pos);
    }
    this.bitBuf >>>= l;
    this.bitCnt -= l;
    return e >> 4;
  }

  /** Makes room for `n` more output bytes, or fails when that passes the bound. */
  grow(n: number): void {
    const need = this.op + n;
    if (need <= this.out.length) return;
    if (this.exact || need > this.max) {
      throw bad(
        this.exact
          ? `the stream holds more than the ${this.max} bytes expected`
          : `the output passes the ${this.max}-byte limit`,
        this.pos,
      );
    }
    const next = new Uint8Array(Math.min(this.max, Math.max(need, this.out.length * 2)));
    next.set(this.out.subarray(0, this.op));
    this.out = next;
  }

  run(): InflateResult {
    for (;;) {
      const final = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) {
        const f = fixed();
        this.codes(f.lit, f.litBits, f.dist, f.distBits);
      } else if (type === 2) this.dynamic();
      else throw bad('invalid block type 3', this.pos);
      if (final) break;
    }
    const end = this.pos - (this.bitCnt >> 3);
    if (this.exact && this.op !== this.max) {
      throw bad(`the stream ends after ${this.op} of the ${this.max} bytes expected`, end);
    }
    return { data: this.exact ? this.out : this.out.slice(0, this.op), end };
  }

  stored(): void {
    // Drop the bits left in the current byte and give back whole bytes the bit buffer read ahead.
    this.pos -= this.bitCnt >> 3;
    this.bitBuf = 0;
    this.bitCnt = 0;
    const input = this.input;
    const at = this.pos;
    if (at + 4 > input.length) throw bad('unexpected end of data in a stored block header', at);
    const len = (input[at] as number) | ((input[at + 1] as number) << 8);
    const nlen = (input[at + 2] as number) | ((input[at + 3] as number) << 8);
    if ((len ^ 0xffff) !== nlen) throw bad(`stored block length ${len} does not match its complement`, at);
    this.pos = at + 4;
    if (this.pos + len > input.length) throw bad('unexpected end of data in a stored block', this.pos);
    this.grow(len);
    this.out.set(input.subarray(this.pos, this.pos + len), this.op);
    this.op += len;
    this.pos += len;
  }

  dynamic(): void {
    const at = this.pos;
    const hlit = this.bits(5) + 257;
    const hdist = this.bits(5) + 1;
    const hclen = this.bits(4) + 4;
    if (hlit > 286) throw bad(`${hlit} literal/length codes (at most 286)`, at);
    if (hdist > 30) throw bad(`${hdist} distance codes (at most 30)`, at);
    const clLengths = new Uint8Array(19);
    for (let i = 0; i < hclen; i++) clLengths[CL_ORDER[i] as number] = this.bits(3);
    const clTable = new Int32Array(1 << 7);
    const clBits = buildTable(clLengths, 0, 19, clTable, 'code-length', this.pos);
    const lengths = this.lengths;
    const total = hlit + hdist;
    let i = 0;
    while (i < total) {
      const sym = this.symbol(clTable, clBits, 'code-length');
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (sym === 16) {
        if (i === 0) throw bad('a repeat code with no previous length', this.pos);
        value = lengths[i - 1] as number;
        repeat = 3 + this.bits(2);
      } else if (sym === 17) repeat = 3 + this.bits(3);
      else repeat = 11 + this.bits(7);
      if (i + repeat > total) throw bad('code lengths overflow the header counts', this.pos);
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) throw bad('the block has no end-of-block code', this.pos);
    const litBits = buildTable(lengths, 0, hlit, this.lit, 'literal/length', this.pos);
    const distBits = buildTable(lengths, hlit, hdist, this.dist, 'distance', this.pos);
    this.codes(this.lit, litBits, this.dist, distBits);
  }

  /** Decodes literal/length and distance codes up to the end-of-block code. */
  codes(lit: Int32Array, litBits: number, dist: Int32Array, distBits: number): void {
    const input = this.input;
    const inLen = input.length;
    const litMask = (1 << litBits) - 1;
    let out = this.out;
    let op = this.op;
    let pos = this.pos;
    let bb = this.bitBuf;
    let bc = this.bitCnt;
    for (;;) {
      while (bc < litBits && pos < inLen) {
        bb |= (input[pos++] as number) << bc;
        bc += 8;
      }
      const e = lit[bb & litMask] as number;
      const l = e & 15;
      if (l === 0 || l > bc) {
        throw bad(bc < litBits ? 'unexpected end of data' : 'invalid literal/length code', pos);
      }
      bb >>>= l;
      bc -= l;
      let sym = e >> 4;
      if (sym < 256) {
        if (op >= out.length) {
          this.op = op;
          this.pos = pos;
          this.grow(1);
          out = this.out;
        }
        out[op++] = sym;
        continue;
      }
      if (sym === 256) break;
      sym -= 257;
      if (sym >= 29) throw bad(`invalid length symbol ${sym + 257}`, pos);
      let len = LEN_BASE[sym] as number;
      let extra = LEN_EXTRA[sym] as number;
      if (extra > 0) {
        while (bc < extra) {
          if (pos >= inLen) throw bad('unexpected end of data', pos);
          bb |= (input[pos++] as number) << bc;
          bc += 8;
        }
        len += bb & ((1 << extra) - 1);
        bb >>>= extra;
        bc -= extra;
      }
      if (distBits === 0) throw bad('a length code in a block without distance codes', pos);
      while (bc < distBits && pos < inLen) {
        bb |= (input[pos++] as number) << bc;
        bc += 8;
      }
      const de = dist[bb & ((1 << distBits) - 1)] as number;
      const dl = de & 15;
      if (dl === 0 || dl > bc)
        throw bad(bc < distBits ? 'unexpected end of data' : 'invalid distance code', pos);
      bb >>>= dl;
      bc -= dl;
      const dsym = de >> 4;
      if (dsym >= 30) throw bad(`invalid distance symbol ${dsym}`, pos);
      let d = DIST_BASE[dsym] as number;
      extra = DIST_EXTRA[dsym] as number;
      if (extra > 0) {
        while (bc < extra) {
          if (pos >= inLen) throw bad('unexpected end of data', pos);
          bb |= (input[pos++] as number) << bc;
          bc += 8;
        }
        d += bb & ((1 << extra) - 1);
        bb >>>= extra;
        bc -= extra;
      }
      if (d > op) throw bad(`distance ${d} reaches before the start of the output (${op} bytes)`, pos);
      if (op + len > out.length) {
        this.op = op;
        this.pos = pos;
        this.grow(len);
        out = this.out;
      }
      let from = op - d;
      if (d >= len) {
        out.copyWithin(op, from, from + len);
        op += len;
      } else {
        for (const stop = op + len; op < stop;) out[op++] = out[from++] as number;
      }
    }
    this.op = op;
    this.pos = pos;
    this.bitBuf = bb;
    this.bitCnt = bc;
  }
}

/**
 * Decompresses raw DEFLATE data (no zlib header) starting at `start`.
 * @throws ValueError for malformed or truncated data, or output past the bound.
 */
export function inflateRaw(input: Uint8Array, options: InflateOptions = {}, start = 0): InflateResult {
  return new Inflater(input, start, options).run();
}

/**
 * Decompresses a zlib stream (RFC 1950): checks the header (method 8, window ≤ 32 KiB, check bits, no
 * preset dictionary), inflates, then checks the Adler-32 of the output. Bytes after the checksum are
 * ignored.
 * @throws ValueError for a bad header, malformed data, a checksum mismatch or output past the bound.
 */
export function zlibInflate(input: Uint8Array, options: InflateOptions = {}): Uint8Array {
  if (input.length < 2) throw new ValueError(`Invalid zlib data: ${input.length} bytes, the header needs 2`);
  const cmf = input[0] as number;
  const flg = input[1] as number;
  if ((cmf & 15) !== 8) throw new ValueError(`Invalid zlib data: compression method ${cmf & 15}, expected 8`);
  if (cmf >> 4 > 7) throw new ValueError(`Invalid zlib data: window size 2^${(cmf >> 4) + 8} > 32768`);
  if ((cmf * 256 + flg) % 31 !== 0) throw new ValueError('Invalid zlib data: header check bits are wrong');
  if (flg & 0x20) throw new ValueError('Invalid zlib data: a preset dictionary is not supported');
  const { data, end } = inflateRaw(input, options, 2);
  if (end + 4 > input.length)
    throw new ValueError(`Invalid zlib data: the Adler-32 at byte ${end} is missing`);
  const stored =
    (((input[end] as number) << 24) |
      ((input[end + 1] as number) << 16) |
      ((input[end + 2] as number) << 8) |
      (input[end + 3] as number)) >>>
    0;
  const actual = adler32(data);
  if (stored !== actual) {
    throw new ValueError(
      `Invalid zlib data: Adler-32 mismatch at byte ${end} (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
    );
  }
  return data;
}
