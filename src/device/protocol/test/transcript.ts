/**
 * Reader for the golden protocol transcripts in shared/spec/transcripts (one packet per line). Test helper; pure (the
 * tests read the files with node:fs, `new URL('../../../../shared/spec/transcripts/<name>', import.meta.url)`).
 */
import { concatBytes } from '../../../format/bytes';
import { PacketParser, type Packet } from '../packet';

export interface TranscriptLine {
  /** Milliseconds from the first packet. */
  time: number;
  dir: 'H>D' | 'D>H';
  bytes: Uint8Array;
  packet: Packet;
  /** Decoded summary after the hex, if any. */
  summary: string;
  line: number;
}

export interface Transcript {
  name: string;
  lines: TranscriptLine[];
  /** `# run:` comment lines, key → text (e.g. "RESULT" → "OK 3 frames"). */
  run: string[];
  notes: string[];
}

const LINE = /^\s*(-?\d+(?:\.\d+)?) (H>D|D>H) .*? \| (aa d5(?: [0-9a-f]{2})*)(?: \| (.*))?$/;

/** Parses a transcript's text; throws when a packet line does not hold exactly one valid packet. */
export function parseTranscript(name: string, text: string): Transcript {
  const lines: TranscriptLine[] = [];
  const run: string[] = [];
  const notes: string[] = [];
  text.split('\n').forEach((raw: string, i: number) => {
    if (raw.startsWith('# run: ')) run.push(raw.slice(7));
    if (raw.startsWith('#') && raw.includes(' NOTE ')) notes.push(raw);
    const m = LINE.exec(raw);
    if (!m) return;
    const bytes = Uint8Array.from(m[3]!.split(' ').map((h) => parseInt(h, 16)));
    const parser = new PacketParser({ maxPayload: 0xffff });
    const evs = parser.push(bytes);
    const ev = evs[0];
    if (evs.length !== 1 || !ev || ev.kind !== 'packet') {
      throw new Error(`${name}:${i + 1}: not exactly one valid packet: ${JSON.stringify(evs)}`);
    }
    lines.push({
      time: Number(m[1]),
      dir: m[2] as 'H>D' | 'D>H',
      bytes,
      packet: ev.packet,
      summary: m[4] ?? '',
      line: i + 1,
    });
  });
  return { name, lines, run, notes };
}

/** The concatenated bytes of one direction. */
export function streamOf(t: Transcript, dir: 'H>D' | 'D>H'): Uint8Array {
  const parts = t.lines.filter((l) => l.dir === dir).map((l) => l.bytes);
  return concatBytes(parts);
}

export const CHANNEL_TRANSCRIPTS = [
  'h7plus.txt',
  'h7plus-noack.txt',
  'h7.txt',
  'h7-noack.txt',
  'h7plus-cli12.txt',
];
