/**
 * Golden transcripts, device side: drive the board with each transcript's H>D bytes (in order, at the transcript's
 * times on a stepped clock) and compare what it sends with the D>H packets, packet by packet.
 *
 * What the test supplies because H>D bytes cannot tell it (the device's own activity):
 *  - a stream NOTIFY line → the board's producer is offered the transcript's next JPEG (ReplaySource);
 *  - a stdout NOTIFY line → the board's 50 ms stdout tick fires (`notifyStdout`);
 *  - script text: before a stdout SIZE/POLL request, the text the transcript's device had printed by then.
 * Documented differences: the fps field (stream header bytes 20..23, and so that packet's payload CRC).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PacketParser } from '../protocol/packet';
import { EmulatedBoard } from './board';
import { ReplaySource } from './frames';
import type { BoardModel } from './profiles';
import {
  CaptureLink,
  parseTranscript,
  settle,
  SteppedClock,
  transcriptFrames,
  transcriptStdout,
  type TranscriptLine,
} from './test-support';

const DIR = new URL('../../../../shared/spec/transcripts/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, DIR), 'utf8');

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

interface Case {
  file: string;
  model: BoardModel;
  mainPy?: boolean;
}

const CASES: Case[] = [
  { file: 'h7plus.txt', model: 'H7 Plus' },
  { file: 'h7plus-noack.txt', model: 'H7 Plus' },
  { file: 'h7.txt', model: 'H7' },
  { file: 'h7-noack.txt', model: 'H7' },
  { file: 'h7plus-cli12.txt', model: 'H7 Plus', mainPy: true },
];

async function replay(
  c: Case,
): Promise<{ expected: TranscriptLine[]; actual: Uint8Array[]; frames: number }> {
  const lines = parseTranscript(read(c.file));
  const frames = transcriptFrames(lines);
  const text = transcriptStdout(lines);
  const clock = new SteppedClock();
  const link = new CaptureLink();
  const source = new ReplaySource(frames);
  const board = new EmulatedBoard({ model: c.model, clock, autonomous: false, mainPyRunning: c.mainPy });
  board.attach(link);
  let printed = 0; // bytes of `text` handed to the board so far
  let consumed = 0; // bytes of `text` the host has read

  // The size the host will see at the next stdout SIZE reply at or after line i.
  const nextStdoutSize = (i: number): number => {
    for (let k = i; k < lines.length; k++) {
      const l = lines[k]!;
      if (l.dir === 'D>H' && l.chan === 2 && l.opcode === 0x25 && l.payload.length === 4)
        return new DataView(l.payload.buffer, l.payload.byteOffset).getUint32(0, true);
    }
    return 0;
  };
  const topUp = (want: number): void => {
    const pending = printed - consumed;
    if (pending < want) {
      board.print(text.subarray(printed, consumed + want));
      printed = consumed + want;
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    clock.set(Math.max(0, l.t));
    if (l.dir === 'H>D') {
      if (l.chan === 2 && l.opcode === 0x25 && !(l.flags & 0x03)) topUp(nextStdoutSize(i));
      if (l.opcode === 0x21 && !(l.flags & 0x03)) {
        const reply = lines.slice(i + 1).find((x) => x.dir === 'D>H' && x.opcode === 0x21);
        const mask = reply
          ? new DataView(reply.payload.buffer, reply.payload.byteOffset).getUint32(0, true)
          : 0;
        if (mask & 4 && printed === consumed) topUp(nextStdoutSize(i));
      }
      const before = board.stdoutPending;
      link.deliver(l.bytes);
      await settle();
      consumed += before - board.stdoutPending > 0 ? before - board.stdoutPending : 0;
    } else if (l.flags & 0x20 && l.opcode === 0x29) {
      if (l.chan === 3) {
        board.pushFrame(source.next());
        await settle();
      } else if (l.chan === 2) {
        board.notifyStdout();
        await settle();
      }
    }
  }
  await settle();
  const parser = new PacketParser({ maxPayload: 0xffff });
  const actual = parser
    .push(link.all())
    .flatMap((e) => (e.kind === 'packet' ? [e.packet] : []))
    .map((p) => p);
  // Re-encode from the raw capture so byte comparisons include CRCs.
  const raw: Uint8Array[] = [];
  let off = 0;
  const all = link.all();
  for (const p of actual) {
    const n = 10 + (p.payload.length ? p.payload.length + 4 : 0);
    raw.push(all.subarray(off, off + n));
    off += n;
  }
  return { expected: lines.filter((l) => l.dir === 'D>H'), actual: raw, frames: frames.length };
}

/** True when `a` (board) equals `b` (transcript) except the documented fps difference. */
function samePacket(a: Uint8Array, e: TranscriptLine): boolean {
  if (a.length !== e.bytes.length) return false;
  const streamHeader = e.chan === 3 && e.opcode === 0x26 && !(e.flags & 0x03) && isFirstFragment(e);
  for (let i = 0; i < a.length; i++) {
    if (streamHeader && ((i >= 30 && i < 34) || i >= a.length - 4)) continue; // fps f32 at payload 20..23 + PCRC
    if (a[i] !== e.bytes[i]) return false;
  }
  return true;
}

function isFirstFragment(e: TranscriptLine): boolean {
  // The stream header starts the READ at offset 0: width 320 = 40 01 00 00, height, JPEG pixformat, data offset 32.
  const p = e.payload;
  return p.length >= 32 && p[8] === 0x00 && p[10] === 0x06 && p[11] === 0x06 && p[16] === 32;
}

describe('golden transcripts (device side)', () => {
  for (const c of CASES) {
    it(`${c.file}: every D>H packet matches (fps field aside)`, async () => {
      const { expected, actual, frames } = await replay(c);
      expect(frames).toBeGreaterThan(0);
      const n = Math.max(expected.length, actual.length);
      const mismatches: string[] = [];
      let fpsOnly = 0;
      for (let i = 0; i < n; i++) {
        const e = expected[i];
        const a = actual[i];
        if (!e || !a) {
          mismatches.push(
            `#${i}: ${e ? 'missing from board' : 'extra from board'}: ${hex((e?.bytes ?? a)!.subarray(0, 16))}`,
          );
          continue;
        }
        if (!samePacket(a, e))
          mismatches.push(
            `#${i} t=${e.t}: expected ${hex(e.bytes.subarray(0, 24))} got ${hex(a.subarray(0, 24))}`,
          );
        else if (hex(a) !== hex(e.bytes)) fpsOnly++;
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
      expect(actual.length).toBe(expected.length);
      expect(fpsOnly).toBeLessThanOrEqual(frames);
      expect(expected.length).toBeGreaterThan(30);
      console.log(
        `${c.file}: ${expected.length} D>H packets, ${actual.length} from the board, ${frames} frames, ${fpsOnly} differ only in fps`,
      );
    });
  }
});
