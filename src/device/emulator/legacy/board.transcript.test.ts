/**
 * Drives the emulated legacy board with the host writes (and port open/close/baud changes) of the golden legacy
 * transcripts, at the transcript's timestamps on a ManualClock, and compares the board's answers with the
 * transcript's device bytes, phase by phase.
 *
 * Exact bytes: phases whose answers do not depend on the camera or the fake VM's text (probe, queries, locking
 * quirks, zero-length packets, wrong lengths, the TinyUSB-blocking writes). Frame/text phases: the total number of
 * bytes the board sends must equal the transcript's (the transcript prints only the first 64 bytes of each reply and
 * its camera frames and "<fps> FPS" lines are not reproducible), except where a TinyUSB TX_BUF answer is limited by
 * how much text the fake VM printed (E6, E12, X7, D's tail on TinyUSB).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../format/clock';
import { PIXFORMAT } from '../../../format/pixformat';
import { OP } from '../../protocol/legacy/wire';
import { parseLegacyTranscript, phasesOf } from '../../protocol/legacy/transcript';
import { LegacyBoard } from './board';
import { syntheticJpeg } from './test-frames';

const DIR = new URL('../../../../../shared/spec/transcripts/', import.meta.url);

interface PhaseResult {
  expected: number;
  got: number;
  /** Bytes that differ within the shown part of each reply (ARCH_STR bytes after the NUL are undefined: skipped). */
  mismatches: number;
}

function replay(framing: 'stm32' | 'tinyusb', file: string): Map<string, PhaseResult> {
  const text = readFileSync(new URL(file, DIR), 'utf8');
  const sizes = [...text.matchAll(/producer: JPEG #\d+ \(320x240, (\d+) B\) copied/g)].map((m) =>
    Number(m[1]),
  );
  const clock = new ManualClock(0);
  let k = 0;
  const board = new LegacyBoard({
    framing,
    clock,
    frameSource: () => {
      const size = sizes[k++ % sizes.length]!;
      return { width: 320, height: 240, pixformat: PIXFORMAT.JPEG, data: syntheticJpeg(320, 240, size) };
    },
  });
  let out: number[] = [];
  board.onTx = (b) => out.push(...b);
  const results = new Map<string, PhaseResult>();
  for (const [name, recs] of phasesOf(parseLegacyTranscript(text))) {
    out = [];
    let off = 0;
    let mismatches = 0;
    const replies: { at: number; bytes: Uint8Array; shown: number; arch: boolean }[] = [];
    let lastOp = -1;
    for (const r of recs) {
      if (r.t > clock.now()) clock.advance(r.t - clock.now());
      if (r.kind === 'open') board.openPort();
      else if (r.kind === 'close') board.closePort();
      else if (r.kind === 'baud') board.setBaud(r.baud);
      else if (r.kind === 'write') {
        const bytes = r.bytes.slice();
        if (r.truncated) {
          // Script bodies are printed only in part: keep the prefix, end with a loop so the fake VM keeps running.
          bytes.fill(0x20, r.shown);
          bytes.set([0x0a, 0x77, 0x68, 0x69, 0x6c, 0x65, 0x20, 0x31, 0x0a], bytes.length - 9);
        }
        if (bytes.length >= 6 && bytes[0] === 0x30) lastOp = bytes[1]!;
        board.write(bytes);
      } else if (r.kind === 'reply') {
        replies.push({
          at: off,
          bytes: r.bytes,
          shown: r.shown,
          arch: lastOp === OP.ARCH_STR && r.length === 64,
        });
        off += r.length;
      }
    }
    for (const r of replies) {
      const nul = r.arch ? r.bytes.indexOf(0) + 1 : r.shown;
      for (let i = 0; i < Math.min(r.shown, nul); i++) if (out[r.at + i] !== r.bytes[i]) mismatches++;
    }
    results.set(name, { expected: off, got: out.length, mismatches });
  }
  return results;
}

const EXACT = ['A0', 'A', "A'", 'B', 'E5', 'E7', 'E8', 'E10', 'X1', 'X2', 'X3', 'X4', 'X5', 'X6'];
const LENGTH_ONLY = ['C', 'E1', 'E2', 'E3', 'E4', 'E11'];
const TEXT_LIMITED = ['D', 'E6', 'E12', 'X7'];

describe.each([
  ['stm32', 'legacy-stm32.txt'],
  ['tinyusb', 'legacy-tinyusb.txt'],
] as const)('legacy board (%s framing) against %s', (framing, file) => {
  const results = replay(framing, file);

  it.each(EXACT)('phase %s: byte-identical answers', (phase) => {
    expect(results.get(phase)).toEqual({
      expected: results.get(phase)!.expected,
      got: results.get(phase)!.expected,
      mismatches: 0,
    });
    expect(results.get(phase)!.expected).toBeGreaterThan(0);
  });

  if (framing === 'stm32') {
    it('phase E9 (zero-length OUT packet re-runs SCRIPT_RUNNING): byte-identical', () => {
      expect(results.get('E9 (STM32)')).toEqual({ expected: 8, got: 8, mismatches: 0 });
    });
  }

  it.each(LENGTH_ONLY)(
    'phase %s: same number of bytes answered (frames/text content not reproducible)',
    (phase) => {
      const r = results.get(phase)!;
      expect(r.got).toBe(r.expected);
    },
  );

  it.each(TEXT_LIMITED)(
    'phase %s: same byte count on STM32; TinyUSB TX_BUF limited by the fake VM text',
    (phase) => {
      const r = results.get(phase)!;
      if (framing === 'stm32') expect(r.got).toBe(r.expected);
      else expect(r.got).toBeLessThanOrEqual(r.expected);
    },
  );
});
