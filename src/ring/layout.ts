/**
 * Byte layout of a frame ring: one buffer (SharedArrayBuffer, or ArrayBuffer for the single-thread
 * fallback) holding a control header, a per-slot metadata table and the slots themselves.
 *
 * ```
 * offset                  size            content
 * 0                       320             control header (below), one 64-byte line for the writer, one per reader
 * META_OFFSET = 320       16 * slots      metadata per slot k at META_OFFSET + 16k:
 *                                           +0  Int32   begin stamp: low 32 bits of the seq being written
 *                                           +4  Int32   end stamp: low 32 bits of the seq completely written
 *                                           +8  Float64 timeUs of that frame (platform byte order)
 * slotArea = ceil64(...)  slots*slotSize  slot k at slotArea + k*slotSize, EXACTLY formats.md B §3.2:
 *                                           0 elapsed_ms u32 LE, 4 w, 8 h, 12 pixfmt, 16 size (u32 LE),
 *                                           20..27 zero (`_raw`, `data`), 28..31 never written, 32.. payload
 * ```
 *
 * Control header. Int32 words are numbered in 4-byte units, BigInt64 words in 8-byte units, both
 * from offset 0 of the buffer:
 *
 * | bytes  | word      | name          | written by      | meaning |
 * |--------|-----------|---------------|-----------------|---------|
 * | 0      | i32[0]    | MAGIC         | create          | 0x52564D4F, "OMVR" in little-endian bytes |
 * | 4      | i32[1]    | VERSION       | create          | layout version, {@link LAYOUT_VERSION} |
 * | 8      | i32[2]    | SLOTS         | create          | number of slots |
 * | 12     | i32[3]    | SLOT_SIZE     | create          | bytes per slot, a multiple of 32, >= 32 |
 * | 16     | i32[4]    | META_OFFSET   | create          | byte offset of the metadata table (320) |
 * | 20     | i32[5]    | SLOT_AREA     | create          | byte offset of slot 0 (multiple of 64) |
 * | 24     | i32[6]    | CLOSED        | writer          | 1 once the writer closed the ring |
 * | 28     | i32[7]    | SIGNAL        | writer          | +1 (and Atomics.notify) on every published frame and on close: the word readers sleep on |
 * | 32     | i64[4]    | WRITE         | writer          | seq of the next frame = frames written so far |
 * | 40     | i64[5]    | OLDEST        | writer          | oldest seq still held; held frames are OLDEST..WRITE-1 |
 * | 48     | i32[12]   | WAITERS       | readers         | readers sleeping in wait() now: the writer calls Atomics.notify only when it is > 0 |
 * | 52..63 |           | reserved      |                 | zero |
 * | 64(1+i)| i32[16(1+i)] | MODE[i]    | reader i        | 0 detached, 1 'every', 2 'latest', 3 claimed (attach in progress); taken with compareExchange from 0 |
 * | +4     | i32[16(1+i)+1] | FENCE[i]  | reader i        | scratch: a 'latest' reader stores to it as a fence between copying a slot and re-checking its stamp |
 * | +8     | i64[8(1+i)+1] | POS[i]    | reader i        | next seq reader i will consume; the writer never overwrites it ('every') |
 * | rest of the 64-byte line |  | reserved |              | zero |
 *
 * Sequence numbers are 64-bit (BigInt64 words, plain numbers in the API): they never wrap (2^53
 * frames), so every comparison is a plain `<`. The per-slot stamps keep only the low 32 bits
 * (`seq | 0`): a stamp is compared for equality against one expected seq, and it would take 2^32
 * writes to the same slot during a single read to fool it. The writer and each reader own separate
 * 64-byte lines so their stores do not contend for one cache line.
 *
 * Publication: the writer fills a slot and its metadata with plain stores, then `Atomics.store`s the
 * end stamp and WRITE; a reader `Atomics.load`s WRITE before reading the slot (release/acquire).
 * Every Atomics operation is sequentially consistent, which the reader-attach protocol relies on.
 */

/** "OMVR" as a little-endian Int32. */
export const MAGIC = 0x52564d4f;
/** Bumped whenever any offset or meaning above changes; attach() refuses other versions. */
export const LAYOUT_VERSION = 1;
/** Readers that may be attached at once (ids 0..MAX_READERS-1). */
export const MAX_READERS = 4;

/** i32 word indexes. */
export const I32 = {
  MAGIC: 0,
  VERSION: 1,
  SLOTS: 2,
  SLOT_SIZE: 3,
  META_OFFSET: 4,
  SLOT_AREA: 5,
  CLOSED: 6,
  SIGNAL: 7,
  WAITERS: 12,
} as const;

/** i64 word indexes. */
export const I64 = { WRITE: 4, OLDEST: 5 } as const;

/** One cache line per party. */
export const LINE = 64;
export const HEADER_BYTES = LINE * (1 + MAX_READERS);
/** Bytes of metadata per slot. */
export const META_BYTES = 16;

/** i32 index of reader `id`'s MODE word. */
export const modeWord = (id: number): number => (LINE / 4) * (1 + id);
/** i64 index of reader `id`'s POS word. */
export const posWord = (id: number): number => (LINE / 8) * (1 + id) + 1;

export const READER_MODE = { detached: 0, every: 1, latest: 2, claimed: 3 } as const;

/** `id` if it names a reader, else a RangeError. */
export function checkReaderId(id: number): number {
  if (!(Number.isInteger(id) && id >= 0 && id < MAX_READERS)) {
    throw new RangeError(`Reader id ${id} is not in 0..${MAX_READERS - 1}`);
  }
  return id;
}

/** Where everything sits for a ring of `slots` slots of `slotSize` bytes. */
export interface RingLayout {
  metaOffset: number;
  slotArea: number;
  byteLength: number;
}

export function ringLayout(slots: number, slotSize: number): RingLayout {
  const metaOffset = HEADER_BYTES;
  const slotArea = Math.ceil((metaOffset + META_BYTES * slots) / LINE) * LINE;
  return { metaOffset, slotArea, byteLength: slotArea + slots * slotSize };
}
