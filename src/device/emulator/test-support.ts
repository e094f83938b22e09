/**
 * Test support for the emulator: a clock that only moves when told to (timers wait for it), a capturing ByteLink,
 * and a reader for the protocol transcripts (spec/transcripts/*.txt). Pure; used by the Vitest files only.
 */
import { concatBytes } from '../../format/bytes';
import type { Clock } from '../../format/clock';
import type { ByteLink } from '../protocol/link';

/** A clock whose `sleep()` resolves only when `set()`/`advance()` passes its deadline (unlike ManualClock). */
export class SteppedClock implements Clock {
  private t = 0;
  private timers: { at: number; resolve: () => void }[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + ms, resolve }));
  }
  set(t: number): void {
    if (t < this.t) return;
    this.t = t;
    const due = this.timers.filter((x) => x.at <= t);
    this.timers = this.timers.filter((x) => x.at > t);
    for (const d of due) d.resolve();
  }
  advance(ms: number): void {
    this.set(this.t + ms);
  }
}

/** The host side of a board under test: captures everything the board sends. */
export class CaptureLink implements ByteLink {
  readonly sent: Uint8Array[] = [];
  private onBytes: ((b: Uint8Array) => void) | null = null;
  send(bytes: Uint8Array): Promise<void> {
    this.sent.push(bytes.slice());
    return Promise.resolve();
  }
  listen(onBytes: (bytes: Uint8Array) => void): void {
    this.onBytes = onBytes;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** Host → board bytes. */
  deliver(bytes: Uint8Array): void {
    this.onBytes?.(bytes);
  }
  /** Everything sent so far, as one buffer. */
  all(): Uint8Array {
    return concatBytes(this.sent);
  }
}

export interface TranscriptLine {
  t: number;
  dir: 'H>D' | 'D>H';
  bytes: Uint8Array;
  seq: number;
  chan: number;
  flags: number;
  opcode: number;
  payload: Uint8Array;
}

/** Parses the packet lines of a transcript (comment / NOTE lines start with `#`). */
export function parseTranscript(text: string): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(-?[\d.]+) (H>D|D>H) .*?\| ([0-9a-f ]+?)\s*(?:\||$)/.exec(line);
    if (!m) continue;
    const bytes = Uint8Array.from(m[3]!.trim().split(/\s+/), (h) => parseInt(h, 16));
    const n = bytes[6]! | (bytes[7]! << 8);
    out.push({
      t: Number(m[1]),
      dir: m[2] as 'H>D' | 'D>H',
      bytes,
      seq: bytes[2]!,
      chan: bytes[3]!,
      flags: bytes[4]!,
      opcode: bytes[5]!,
      payload: bytes.subarray(10, 10 + n),
    });
  }
  return out;
}

/** The JPEG frames a transcript's device sent on the stream channel (READ payloads joined, header stripped). */
export function transcriptFrames(
  lines: TranscriptLine[],
): { width: number; height: number; jpeg: Uint8Array }[] {
  const frames: { width: number; height: number; jpeg: Uint8Array }[] = [];
  let parts: Uint8Array[] = [];
  for (const l of lines) {
    if (l.dir !== 'D>H' || l.chan !== 3 || l.opcode !== 0x26 || l.flags & 0x22) continue;
    parts.push(l.payload);
    if (l.flags & 0x10) continue;
    const all = concatBytes(parts);
    parts = [];
    const dv = new DataView(all.buffer, all.byteOffset, all.byteLength);
    const off = dv.getUint32(16, true);
    frames.push({
      width: dv.getUint32(0, true),
      height: dv.getUint32(4, true),
      jpeg: all.slice(off, off + dv.getUint32(12, true)),
    });
  }
  return frames;
}

/** The stdout text a transcript's device sent (all ch2 READ payloads, in order). */
export function transcriptStdout(lines: TranscriptLine[]): Uint8Array {
  const parts = lines.filter(
    (l) => l.dir === 'D>H' && l.chan === 2 && l.opcode === 0x26 && !(l.flags & 0x22),
  );
  const out = new Uint8Array(parts.reduce((a, p) => a + p.payload.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p.payload, o);
    o += p.payload.length;
  }
  return out;
}

/** Lets queued promise work (the board's receive loop and sends) run to completion. */
export async function settle(): Promise<void> {
  // A macrotask runs only after every queued microtask, however long the board's await chain is.
  await new Promise<void>((resolve) => void setTimeout(resolve, 0));
}
