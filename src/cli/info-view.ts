import { pixformatName, type Damage, type FrameInfo, type Version } from '../format/index';

/**
 * How `info` shows a stream: the JSON records and the human table. Pure string building, kept apart from
 * the file handling in commands.ts so each half stays small and the layout can be tested on its own.
 */

/** `info --json`'s per-frame record. */
export interface FrameRecord {
  index: number;
  /** Byte offset of the chunk header in the file. */
  offset: number;
  /** The elapsed field in ms; V2.1 stores µs, so it has up to three decimals there. */
  elapsedMs: number;
  width: number;
  height: number;
  /** The pixel format's name, e.g. "RGB565" or "BAYER_RGGB". */
  pixformat: string;
  /** The full 32-bit pixel format code (formats.md B §1.2); for V1.x the code the `bpp` field maps to. */
  pixformatCode: number;
  /** Payload bytes. */
  size: number;
}

/** What the header of `info` reports about the whole stream. */
export interface StreamSummary {
  file: string;
  version: Version;
  count: number;
  durationMs: number;
  fileSize: number;
  damage: Damage | null;
}

/** "V1.0", "V1.1", "V2.0" or "V2.1": the form the magic itself spells, used by both outputs. */
export function versionLabel(version: Version): string {
  return `V${Math.floor(version / 10)}.${version % 10}`;
}

/**
 * Milliseconds without binary noise. V2.1 holds whole microseconds; the engine multiplies by 0.001, which
 * gives e.g. 0.009000000000000001 for 9 µs. Rounding to the microsecond gives back the nearest double to
 * the exact value, so JSON readers see 0.009. Whole milliseconds pass through unchanged.
 */
export function exactMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The JSON record of one frame. */
export function frameRecord(f: FrameInfo): FrameRecord {
  return {
    index: f.index,
    offset: f.offset,
    elapsedMs: exactMs(f.elapsedMs),
    width: f.width,
    height: f.height,
    pixformat: pixformatName(f.pixformat),
    pixformatCode: f.pixformat,
    size: f.payload,
  };
}

/** A pixel format code as formats.md writes it: 0x0C030002. */
export function hexCode(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Milliseconds for a person: "33 ms", "33.333 ms" (V2.1), and "… (1:02:03.456)" past a second. */
export function formatMs(ms: number, micro: boolean): string {
  const plain = micro ? exactMs(ms).toFixed(3) : String(Math.round(ms));
  if (ms < 1000) return `${plain} ms`;
  const totalMs = Math.round(ms);
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor(totalMs / 60_000) % 60;
  const s = Math.floor(totalMs / 1000) % 60;
  const frac = String(totalMs % 1000).padStart(3, '0');
  const clock = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${frac}`;
  return `${plain} ms (${clock})`;
}

const VERSION_NOTES: Readonly<Record<Version, string>> = {
  10: 'legacy; RGB565 stored big-endian and swapped on read',
  11: 'legacy',
  20: 'elapsed in milliseconds',
  21: 'elapsed in microseconds',
};

/** The damage in one line: where (frame and byte), what, and what to do about it. */
export function damageLine(d: Damage): string {
  return `frame ${d.frameIndex} (byte ${d.offset}): ${d.reason}`;
}

/** The block above the table: one "label  value" line per fact, with a damage line only when damaged. */
export function summaryLines(s: StreamSummary): string[] {
  const lines = [
    `file       ${s.file}`,
    `version    ${versionLabel(s.version)} (${VERSION_NOTES[s.version]})`,
    `frames     ${s.count}`,
    `duration   ${formatMs(s.durationMs, s.version === 21)}`,
    `file size  ${s.fileSize} bytes`,
  ];
  if (s.damage) {
    const keep = `the ${s.count} complete frame${s.count === 1 ? '' : 's'} before it`;
    lines.push(`damage     ${damageLine(s.damage)} ('repair' writes a clean copy of ${keep})`);
  }
  return lines;
}

/** Column widths of the frame table, fixed from the start so rows can be streamed as they are built. */
export interface TableLayout {
  index: number;
  offset: number;
  elapsed: number;
  micro: boolean;
}

/**
 * Widths that fit every row without reading them all first: the last frame has the largest index and
 * offset; the elapsed and size fields are u32, so their widest text is known from the version.
 */
export function tableLayout(count: number, lastOffset: number, version: Version): TableLayout {
  const micro = version === 21;
  return {
    index: Math.max(5, String(Math.max(0, count - 1)).length),
    offset: Math.max(6, String(lastOffset).length),
    // u32 max is 4294967295: 10 digits in ms, "4294967.295" (11 characters) in µs shown as ms.
    elapsed: micro ? 11 : 10,
    micro,
  };
}

const PIXFORMAT_WIDTH = 10; // "BAYER_RGGB", the longest name

/** The table's header line. */
export function tableHeader(t: TableLayout): string {
  return [
    'index'.padStart(t.index),
    'offset'.padStart(t.offset),
    'elapsed ms'.padStart(t.elapsed),
    'width',
    'height',
    'pixformat'.padEnd(PIXFORMAT_WIDTH + 11),
    'size'.padStart(10),
  ].join('  ');
}

/** One frame's row, aligned under `tableHeader`. */
export function tableRow(t: TableLayout, f: FrameInfo): string {
  const elapsed = t.micro ? exactMs(f.elapsedMs).toFixed(3) : String(f.elapsedMs);
  return [
    String(f.index).padStart(t.index),
    String(f.offset).padStart(t.offset),
    elapsed.padStart(t.elapsed),
    String(f.width).padStart(5),
    String(f.height).padStart(6),
    `${pixformatName(f.pixformat).padEnd(PIXFORMAT_WIDTH)} ${hexCode(f.pixformat)}`,
    String(f.payload).padStart(10),
  ].join('  ');
}
